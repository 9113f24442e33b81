"""Valence whose zero is calm (analysis/core/valence.py): the scale, a person's calm level, heads looking
down, the annotators' neutral faces, stored runs recomputed, the calm band, and the labelled clips."""

import numpy as np
import pytest

from analysis.core import valence as scale
from analysis.core.emotion_summary import summarize
from analysis.core.emotions import EMOTIONS
from analysis.core.executors import LocalExecutor
from analysis.core.pipeline import analyze_video
from analysis.core.result_formats import CollectingSink
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_source import probe
from emotion_training.clip_valence import read_labels, read_stretch
from emotion_training.ferplus import load_vote_labels

from .conftest import DATA_DIR


def vector(**p: float) -> np.ndarray:
    return np.array([p.get(name, 0.0) for name in EMOTIONS])


# The annotators' mean vote on the FER+ Training faces most of them call neutral (rounded).
ANNOTATORS_NEUTRAL = vector(
    angry=0.036, disgust=0.013, fear=0.008, happy=0.036, sad=0.129, surprise=0.024, neutral=0.754
)
# The calm man of the held-out meeting, as the model read him (issue 29).
CALM_MAN = vector(neutral=0.53, sad=0.30, angry=0.13, fear=0.02, happy=0.02)


def test_a_calm_face_reads_zero_and_the_ends_stay_the_ends():
    # A face with no unpleasant probability at all is a shade above the annotators' calm.
    assert scale.valence(vector(neutral=1.0)) == pytest.approx(0.0, abs=0.05)
    assert scale.valence(ANNOTATORS_NEUTRAL) == pytest.approx(0.0, abs=0.01)
    assert scale.valence(vector(happy=1.0)) == pytest.approx(1.0)
    # Pleasant minus unpleasant, as FaceReader's examples: a smile is positive, any one negative emotion is.
    assert scale.valence(vector(happy=0.6, neutral=0.4)) > 0.5
    for name in ("angry", "disgust", "fear", "sad"):
        assert scale.valence(vector(**{name: 1.0})) == pytest.approx(-(1 + scale.CALM_RAW - scale.DEAD_ZONE) / 0.9)
    # Surprise and neutral are neither; a mix of happy and sad cancels to calm.
    assert scale.valence(vector(surprise=1.0)) == pytest.approx(scale.valence(vector(neutral=1.0)))
    assert scale.valence(vector(happy=0.4, sad=0.4, neutral=0.2)) == pytest.approx(0.0, abs=0.05)


def test_the_scale_is_monotone_and_its_dead_zone_is_flat():
    raw = np.linspace(-1, 1, 401)
    mapped = scale.from_raw(raw)
    assert np.all(np.diff(mapped) >= 0)
    near_calm = np.abs(raw - scale.CALM_RAW) < scale.DEAD_ZONE * 0.9
    assert np.all(mapped[near_calm] == 0.0)
    assert mapped[0] < -0.8 and mapped[-1] == pytest.approx(1.0)


def test_a_person_reads_against_their_own_calm_level():
    # The calm man, neutral-led in every sample: his own calm level puts him at 0 (the old scale: -0.46).
    noise = np.random.default_rng(0).normal(0, 0.02, (50, 7))
    samples = np.clip(CALM_MAN + noise, 0, 1)
    samples /= samples.sum(axis=1, keepdims=True)
    calm = scale.person_calm(samples)
    assert calm == pytest.approx(scale.raw_valence(CALM_MAN), abs=0.03)
    assert scale.raw_valence(CALM_MAN) < -0.4
    assert abs(scale.valence(samples, calm).mean()) < 0.05
    # His smile is still a smile, and a sadder moment still reads below calm.
    assert scale.valence(vector(happy=0.7, neutral=0.3), calm) > 0.6
    assert scale.valence(vector(sad=0.8, neutral=0.2), calm) < -0.2


def test_a_calm_level_needs_enough_neutral_samples_and_stops_at_its_limit():
    sad_face = vector(sad=0.9, neutral=0.1)
    # Sad whenever not neutral, and the neutral moments read sad-tinged: the calm level stops at CALM_LIMIT.
    gloomy_calm = vector(neutral=0.35, sad=0.34, angry=0.31)
    samples = np.array([gloomy_calm] * 10 + [sad_face] * 10)
    assert scale.person_calm(samples) == scale.CALM_LIMIT
    assert scale.valence(sad_face, scale.person_calm(samples)) < -0.3
    # Four neutral-led samples are too few: the population's calm level.
    assert scale.person_calm(np.array([CALM_MAN] * 4 + [sad_face] * 10)) == scale.CALM_RAW
    # A person calmer than the population is not moved the other way.
    assert scale.person_calm(np.array([vector(neutral=0.8, happy=0.2)] * 10)) == scale.CALM_RAW


def test_heads_looking_down_weigh_a_tenth_in_every_mood_figure():
    t = np.arange(0, 20, 0.2)
    bowed = t < 13  # reading notes two thirds of the time: read sad, pitched down 35 degrees
    probabilities = np.where(bowed[:, None], vector(sad=0.7, neutral=0.3), vector(neutral=0.9, happy=0.1))
    pitch = np.where(bowed, -35.0, -2.0)
    level = summarize(t, probabilities, np.ones(len(t)), pitch)
    unweighted = summarize(t, probabilities, np.ones(len(t)))
    assert unweighted.dominant == "sad" and unweighted.valence < -0.2
    assert level.dominant == "neutral" and abs(level.valence) < 0.15
    assert level.looking_down == pytest.approx(bowed.mean(), abs=0.01) and unweighted.looking_down is None
    assert scale.looking_down(np.array([-25.0, -15.0, np.nan, 10.0])).tolist() == [True, False, False, False]


def test_the_annotators_neutral_faces_average_zero_and_the_model_agrees_with_them():
    data = DATA_DIR / "fer2013" / "fer2013_train_publictest.npz"
    labels = load_vote_labels(data, DATA_DIR / "fer2013" / "ferplus_votes.npz", "PublicTest")
    votes = labels.distribution[labels.usable].astype(float)
    neutral = labels.majority[labels.usable] == scale.NEUTRAL
    assert abs(scale.valence(votes[neutral]).mean()) < 0.05
    assert scale.raw_valence(votes[neutral]).mean() < -0.1  # the old scale's zero was not calm


@pytest.fixture(scope="module")
def clip_persons():
    """The labelled clips analysed in one process, as `analyze_video --no-ray` does."""
    persons = {}
    for clip in dict.fromkeys(label.clip for label in read_labels()):
        path = str(DATA_DIR / "videos" / clip)
        sink = CollectingSink()
        analyze_video(path, probe(path), 5.0, LocalExecutor(AnalyzerConfig()), sink)
        persons[clip] = sink.persons
    return persons


def test_labelled_stretches_read_as_labelled(clip_persons):
    readings = [read_stretch(label, clip_persons[label.clip]) for label in read_labels()]
    by = {(r.label.clip, r.label.label, r.label.who): r for r in readings}
    assert all(r.person is not None and r.samples > 0 for r in readings), "every labelled face is found"
    # Smiles clearly positive, crying below 0, the street's walkers who look ahead calm (docs/model-card.md).
    for reading in readings:
        if reading.label.label in ("smiling", "negative") and reading.label.clip != "short_hamilton_clip.mp4":
            assert reading.met, reading
    street_calm = [r for r in readings if r.label.clip == "street_1080p.mp4" and r.label.label == "calm"]
    assert len(street_calm) == 3 and all(r.met for r in street_calm)
    # Each of those read below -0.15 on the old scale or close to it, and within the calm band now.
    assert min(r.raw for r in street_calm) < -0.2
    wolfgang = by[("WolfgangLanger_Pexels.mp4", "negative", "the woman; downcast then crying with a hand on her face")]
    assert wolfgang.valence < -0.15 and wolfgang.calm_level < scale.CALM_RAW


def test_the_room_view_of_the_calm_street_is_mostly_in_the_calm_band(clip_persons):
    from analysis.core.group_mood import PersonSeries, group_mood, person_bins

    series = []
    for person in clip_persons["street_1080p.mp4"]:
        samples = person["samples"]
        p = np.array([s["p"] for s in samples])
        weights = scale.mood_weights(np.array([s["q"] for s in samples]), np.array([s["pitch"] for s in samples]))
        t = np.array([s["t"] for s in samples])
        series.append(PersonSeries(person["id"], t, p, weights, None, scale.person_calm(p, weights)))
    bin_s, per_person = person_bins(series, 4.2)
    mood = group_mood([s.number for s in series], per_person, bin_s, None, np.array([s.calm for s in series]))
    old = group_mood([s.number for s in series], per_person, bin_s)  # everyone at the population's calm level
    cells = mood.person_valence[~np.isnan(mood.person_valence)]
    old_cells = old.person_valence[~np.isnan(old.person_valence)]
    # More of the heatmap's cells are grey (calm) than with one calm level for all; the room's mean is higher.
    assert (np.abs(cells) <= scale.CALM_BAND).mean() >= (np.abs(old_cells) <= scale.CALM_BAND).mean()
    assert (np.abs(cells) <= scale.CALM_BAND).mean() >= 0.5
    assert np.nanmean(mood.valence) >= np.nanmean(old.valence)


@pytest.mark.django_db
def test_runs_stored_on_the_old_scale_are_recomputed_from_their_samples(analysed):
    from analysis.models import AnalysisRun, Person, RunTimeline
    from analysis.results.timeline_store import build_timeline, refresh_stale_runs, run_timeline

    _, run, _ = analysed
    build_timeline(run)
    current = RunTimeline.objects.get(run=run).summary
    happy = Person.objects.get(run=run, number=1).valence
    # As a run stored before this scale: the old raw valence, no scale name.
    old = {key: value for key, value in current.items() if key not in ("valence_scale", "calm")}
    RunTimeline.objects.filter(run=run).update(summary={**old, "valence": -0.4})
    Person.objects.filter(run=run).update(valence=-0.4)
    assert refresh_stale_runs(AnalysisRun.objects.filter(pk=run.pk)) == 1
    assert RunTimeline.objects.get(run=run).summary == current
    assert Person.objects.get(run=run, number=1).valence == happy > 0.3
    assert refresh_stale_runs(AnalysisRun.objects.filter(pk=run.pk)) == 0  # current ones are left alone
    # A page that reads a stale timeline brings it up to date first.
    RunTimeline.objects.filter(run=run).update(summary=old)
    assert run_timeline(AnalysisRun.objects.get(pk=run.pk)).summary["valence_scale"] == scale.SCALE


def test_a_calm_stretch_the_user_chose_is_the_persons_zero():
    t = np.arange(0, 10, 0.2)
    gloomy = vector(neutral=0.4, sad=0.5, angry=0.1)  # how this person looks when calm, as the model reads it
    probabilities = np.where((t < 5)[:, None], gloomy, vector(sad=0.9, neutral=0.1))
    # The app's estimate finds no neutral-led samples: the population's calm level.
    assert scale.person_calm(probabilities, t=t) == scale.CALM_RAW
    chosen = scale.person_calm(probabilities, t=t, stretch=(0.0, 4.0))
    assert chosen == pytest.approx(scale.raw_valence(gloomy))
    assert scale.valence(gloomy, chosen) == 0.0 and scale.valence(vector(sad=0.9, neutral=0.1), chosen) < -0.2
    # A stretch with no samples falls back to the estimate; a stretch at the scale's end is held short of it.
    assert scale.person_calm(probabilities, t=t, stretch=(20.0, 30.0)) == scale.CALM_RAW
    assert scale.person_calm(np.array([vector(sad=1.0)] * 3), t=np.arange(3), stretch=(0, 2)) == -scale.USER_CALM_LIMIT
    # Measured against a smile chosen as calm, the saddest face still reads -1 at the most.
    assert scale.valence(vector(sad=1.0), scale.USER_CALM_LIMIT) == -1.0
    summary = summarize(t, probabilities, np.ones(len(t)), calm_stretch=(0.0, 4.0))
    assert summary.calm == pytest.approx(chosen, abs=1e-4)


@pytest.mark.django_db
def test_the_page_sets_and_clears_a_persons_calm_stretch(alice, analysed, client):
    from django.urls import reverse

    from analysis.models import Person, RunTimeline
    from analysis.results.timeline_store import build_timeline

    video, run, _ = analysed
    build_timeline(run)
    happy = Person.objects.get(run=run, number=1)
    before, room_before = happy.valence, RunTimeline.objects.get(run=run).summary["calm"]
    url = reverse("analysis:calm_stretch", args=[video.pk, happy.pk])
    response = alice.post(url, {"from_s": "0", "to_s": "1"}, follow=True)
    assert "measured against 0-1 s" in response.content.decode()
    happy.refresh_from_db()
    # Smiling throughout: measured against their own smile, they read calm, and the room's timeline follows.
    assert happy.calm_stretch == (0.0, 1.0) and abs(happy.valence) < 0.15 < before
    assert RunTimeline.objects.get(run=run).summary["calm"] != room_before
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "expression from 0.0 to 1.0 s (your choice)" in page and "Back to the app's estimate" in page
    # Refused: a stretch that ends before it starts, and one without samples of this person.
    refusals = [
        ({"from_s": "1", "to_s": "0.5"}, "must end after it starts"),
        ({"from_s": "50", "to_s": "60"}, "no samples between 50 and 60 s"),
    ]
    for body, message in refusals:
        assert message in alice.post(url, body, follow=True).content.decode()
    happy.refresh_from_db()
    assert happy.calm_stretch == (0.0, 1.0)
    alice.post(url, {"estimate": "1"})
    happy.refresh_from_db()
    assert happy.calm_stretch is None and happy.valence == before


@pytest.mark.django_db
def test_the_api_sets_a_calm_stretch_and_another_user_gets_404(analysed, user, other_user):
    from django.urls import reverse
    from rest_framework.test import APIClient

    video, run, _ = analysed
    url = reverse("api:video-person-detail", args=[video.pk, 1])
    api, mallory = APIClient(), APIClient()
    api.force_authenticate(user)
    mallory.force_authenticate(other_user)
    assert mallory.patch(url, {"calm_from_s": 0, "calm_to_s": 1}, format="json").status_code == 404
    response = api.patch(url, {"calm_from_s": 0, "calm_to_s": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["calm_from_s"], response.json()["calm_to_s"]) == (0.0, 1.0)
    assert abs(response.json()["valence"]) < 0.15
    for body in ({"calm_from_s": 0}, {"calm_from_s": 2, "calm_to_s": 1}, {"calm_from_s": 0, "calm_to_s": None}):
        assert api.patch(url, body, format="json").status_code == 400
    assert api.patch(url, {"calm_from_s": 50, "calm_to_s": 60}, format="json").json() == {
        "detail": "Person 1 has no samples between 50 and 60 s."
    }
    # The export says what the page and the API say.
    exported = api.get(reverse("api:video-results", args=[video.pk])).json()["persons"][0]
    assert exported["valence"] == response.json()["valence"]
    cleared = api.patch(url, {"calm_from_s": None, "calm_to_s": None}, format="json").json()
    assert cleared["calm_from_s"] is None and cleared["valence"] > 0.3


def test_the_head_down_rule_on_a_real_clip(clip_persons):
    # The Hamilton clip: YuNet's five points read one of its faces pitched down past the limit in a sample.
    persons = clip_persons["short_hamilton_clip.mp4"]
    bowed = [
        p for p in persons if any(s["pitch"] is not None and s["pitch"] < -scale.LOOKING_DOWN_DEG for s in p["samples"])
    ]
    assert bowed, "a face pitched down is found"
    for person in persons:
        pitch = np.array([np.nan if s["pitch"] is None else s["pitch"] for s in person["samples"]])
        quality = np.array([s["q"] for s in person["samples"]])
        weights = scale.mood_weights(quality, pitch)
        down = scale.looking_down(pitch)
        assert np.allclose(weights[down], quality[down] * scale.LOOKING_DOWN_WEIGHT)
        assert np.allclose(weights[~down], quality[~down])
        known = ~np.isnan(pitch)
        assert person["looking_down"] == pytest.approx(down[known].mean(), abs=1e-4)
    assert all(p["looking_down"] > 0 for p in bowed)
