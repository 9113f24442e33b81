"""Exports that say what they hold: without boxes on request; never thumbnails nor face encodings."""

import csv
import io
import json

import numpy as np
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analysis.models import Person

from .conftest import CSV_HEADER

pytestmark = pytest.mark.django_db

BOX = ["x", "y", "w", "h"]


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


@pytest.fixture
def encoded(analysed):
    """The analysed video, its persons with an identity encoding stored (as a real run has)."""
    encoding = np.arange(128, dtype=np.float32).tobytes()
    Person.objects.filter(run=analysed[1]).update(encoding=encoding)
    return analysed


def test_by_default_the_json_says_it_holds_boxes_and_nothing_more(alice, encoded):
    response = alice.get(reverse("analysis:export_json", args=[encoded[0].pk]))
    document = json.loads(response.content)
    assert document["contents"] == {"boxes": True, "thumbnails": False, "encodings": False, "angles": True}
    assert all("box" in s for p in document["persons"] for s in p["samples"])
    text = response.content.decode()
    assert "encoding" not in text.replace('"encodings": false', "") and "thumbnail" not in text.replace(
        '"thumbnails": false', ""
    )


@pytest.mark.parametrize("query", ["?boxes=0", "?privacy=anonymous", "?boxes=false"])
def test_json_without_boxes(alice, encoded, query):
    document = json.loads(alice.get(reverse("analysis:export_json", args=[encoded[0].pk]) + query).content)
    assert document["contents"]["boxes"] is False
    samples = [s for p in document["persons"] for s in p["samples"]]
    assert samples and not any("box" in s for s in samples)
    assert all(key in samples[0] for key in ("t", "p", "q", "yaw", "pitch"))


def test_csv_without_boxes_has_no_box_columns(alice, encoded):
    rows = csv_of(alice.get(reverse("analysis:export_csv", args=[encoded[0].pk]) + "?boxes=0"))
    assert rows[0] == [name for name in CSV_HEADER.split(",") if name not in BOX]
    assert len(rows) == 1 + 11 and all(len(row) == len(rows[0]) for row in rows)
    full = csv_of(alice.get(reverse("analysis:export_csv", args=[encoded[0].pk])))
    assert ",".join(full[0]) == CSV_HEADER
    # The same values otherwise, column for column.
    kept = [i for i, name in enumerate(full[0]) if name not in BOX]
    assert [[row[i] for i in kept] for row in full[1:]] == rows[1:]


def test_api_exports_take_the_same_option(user, encoded):
    api = APIClient()
    api.force_authenticate(user)
    document = api.get(reverse("api:video-results", args=[encoded[0].pk]) + "?boxes=0").json()
    assert document["contents"]["boxes"] is False
    assert not any("box" in s for p in document["persons"] for s in p["samples"])
    response = api.get(reverse("api:video-results-csv", args=[encoded[0].pk]) + "?privacy=anonymous")
    header = csv_of(response)[0]
    assert not set(BOX) & set(header) and "encoding" not in header


def test_encodings_are_never_exported(alice, encoded):
    needle = np.arange(128, dtype=np.float32)
    for name in ("analysis:export_json", "analysis:export_csv"):
        response = alice.get(reverse(name, args=[encoded[0].pk]))
        body = response.getvalue() if hasattr(response, "getvalue") else response.content
        assert needle.tobytes() not in body
        # Nor as numbers: the encoding's distinctive run 100, 101, ... 127 appears nowhere.
        assert b"125.0, 126.0, 127.0" not in body and b"125.0,126.0,127.0" not in body


def test_results_page_offers_downloads_without_boxes(alice, analysed):
    page = alice.get(reverse("analysis:results", args=[analysed[0].pk])).content.decode()
    assert reverse("analysis:export_csv", args=[analysed[0].pk]) + "?boxes=0" in page
    assert "without face boxes" in page
