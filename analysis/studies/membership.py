"""A study's videos, its variables and each video's values: set one by one or imported from a CSV."""

import math
import re

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from analysis.core.csv_text import CsvTextError, csv_rows
from analysis.core.emotions import EMOTIONS
from analysis.models import Study, StudyVariable, StudyVideo
from videos.models import Video

MAX_VARIABLES = 20
MAX_VALUE_LENGTH = 120
MAX_CSV_ROWS = 5000
VARIABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
# The tidy export's own columns (tidy_export.py): a variable may not take one of these names.
RESERVED_NAMES = frozenset(
    {"study", "video", "video_id", "video_title", "person", "participant", "t_s", "bin_s", "valence", "attention"}
)
TITLE_COLUMN = "video_title"


class StudyInputError(ValueError):
    """Input the study cannot take; the message is for the user."""


def owned_study(request: HttpRequest, pk: int) -> Study:
    """The user's own study, or 404: other users' studies do not exist for them (pages and API alike)."""
    return get_object_or_404(Study, pk=pk, owner=request.user)


def variable_name_problem(study: Study, name: str, renaming: StudyVariable | None = None) -> str | None:
    """Why `name` cannot name a new (or renamed) variable of `study`, or None."""
    if not VARIABLE_NAME.match(name):
        return "A variable's name starts with a letter and has only letters, digits and _ (at most 40)."
    if name.lower() in RESERVED_NAMES or name.lower() in EMOTIONS:  # all seven are export columns
        return f"“{name}” is a column of the study's export already: choose another name."
    others = study.variables.exclude(pk=renaming.pk) if renaming else study.variables.all()
    if others.filter(name__iexact=name).exists():
        return f"The study has a variable named “{name}” already."
    if renaming is None and study.variables.count() >= MAX_VARIABLES:
        return f"A study has at most {MAX_VARIABLES} variables."
    return None


def add_variable(study: Study, name: str, kind: str = StudyVariable.Kind.TEXT) -> StudyVariable:
    name = name.strip()
    if problem := variable_name_problem(study, name):
        raise StudyInputError(problem)
    if kind not in StudyVariable.Kind.values:
        raise StudyInputError(f"A variable is one of: {', '.join(StudyVariable.Kind.values)}.")
    position = (study.variables.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    return StudyVariable.objects.create(study=study, name=name, kind=kind, position=position)


@transaction.atomic
def rename_variable(variable: StudyVariable, name: str) -> None:
    name = name.strip()
    if name == variable.name:
        return
    if problem := variable_name_problem(variable.study, name, renaming=variable):
        raise StudyInputError(problem)
    for membership in variable.study.memberships.select_for_update():
        if variable.name in membership.values:
            membership.values[name] = membership.values.pop(variable.name)
            membership.save(update_fields=["values"])
    variable.name = name
    variable.save(update_fields=["name"])


@transaction.atomic
def delete_variable(variable: StudyVariable) -> None:
    for membership in variable.study.memberships.select_for_update():
        if membership.values.pop(variable.name, None) is not None:
            membership.save(update_fields=["values"])
    variable.delete()


def parse_value(variable: StudyVariable, raw: str) -> str | float | None:
    """A cell as the variable holds it: text, a finite number, or None when empty."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if variable.kind == StudyVariable.Kind.NUMBER:
        try:
            number = float(raw.replace(",", ".")) if raw.count(",") == 1 and "." not in raw else float(raw)
        except ValueError:
            raise StudyInputError(f"{variable.name} is a number: “{raw}” is not one.") from None
        if not math.isfinite(number):
            raise StudyInputError(f"{variable.name} is a number: “{raw}” is not a finite one.")
        return int(number) if number.is_integer() else number
    if len(raw) > MAX_VALUE_LENGTH:
        raise StudyInputError(f"{variable.name}: a value has at most {MAX_VALUE_LENGTH} characters.")
    return raw


def set_values(
    membership: StudyVideo, raw_values: dict[str, str], variables: dict[str, StudyVariable] | None = None
) -> None:
    """Set the video's values of the named variables (others keep theirs); an empty cell clears one.
    `variables`: the study's, by name, when the caller has them already."""
    if variables is None:
        variables = {variable.name: variable for variable in membership.study.variables.all()}
    values = dict(membership.values)
    for name, raw in raw_values.items():
        if name not in variables:
            raise StudyInputError(f"The study has no variable named “{name}”.")
        value = parse_value(variables[name], raw)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    membership.values = values
    membership.save(update_fields=["values"])


def add_videos(study: Study, videos: list[Video]) -> int:
    """Put the owner's `videos` in the study (those already in it stay as they are); how many were added."""
    if any(video.owner_id != study.owner_id for video in videos):
        raise StudyInputError("A study holds only its owner's videos.")
    present = set(study.memberships.values_list("video_id", flat=True))
    new = [StudyVideo(study=study, video=video) for video in videos if video.pk not in present]
    StudyVideo.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def remove_video(study: Study, video_id: int) -> bool:
    """Take a video out of the study (the video and its results stay); its participant labels go."""
    with transaction.atomic():
        removed, _ = study.memberships.filter(video_id=video_id).delete()
        study.participant_labels.filter(person__run__video_id=video_id).delete()
    return removed > 0


def _infer_kind(cells: list[str]) -> str:
    filled = [cell.strip() for cell in cells if cell.strip()]
    try:
        for cell in filled:
            if not math.isfinite(float(cell)):
                return StudyVariable.Kind.TEXT
    except ValueError:
        return StudyVariable.Kind.TEXT
    return StudyVariable.Kind.NUMBER if filled else StudyVariable.Kind.TEXT


@transaction.atomic
def import_values_csv(study: Study, text: str) -> int:
    """Values from a CSV whose first column is video_title and whose others name variables.

    A title names one of the owner's videos (added to the study if it is not in it yet); a column
    that names no variable yet becomes one (a number if every cell is a number). All or nothing: the
    first problem is raised, naming its line, and nothing is changed. Returns the rows applied.
    """
    try:
        rows = csv_rows(text)
    except CsvTextError as error:
        raise StudyInputError(str(error)) from None
    rows = [(number, row) for number, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise StudyInputError("The file is empty.")
    header_line, header = rows[0]
    header = [cell.strip() for cell in header]
    if not header or header[0].lower() != TITLE_COLUMN:
        raise StudyInputError(f"Line {header_line}: the first column must be “{TITLE_COLUMN}”.")
    names = header[1:]
    if not names:
        raise StudyInputError(f"Line {header_line}: name at least one variable after {TITLE_COLUMN}.")
    if len(set(name.lower() for name in names)) != len(names):
        raise StudyInputError(f"Line {header_line}: a variable is named twice.")
    body = rows[1:]
    if len(body) > MAX_CSV_ROWS:
        raise StudyInputError(f"The file has more than {MAX_CSV_ROWS} rows.")
    existing = {variable.name.lower(): variable for variable in study.variables.all()}
    variables = []
    for column, name in enumerate(names, start=1):
        variable = existing.get(name.lower())
        if variable is None:
            try:
                variable = add_variable(
                    study, name, _infer_kind([row[column] if column < len(row) else "" for _, row in body])
                )
            except StudyInputError as error:
                raise StudyInputError(f"Line {header_line}: {error}") from None
        variables.append(variable)
    by_title: dict[str, list[Video]] = {}
    for video in Video.objects.filter(owner=study.owner).only("pk", "title", "owner_id"):
        by_title.setdefault(video.title.strip().lower(), []).append(video)
    memberships = {membership.video_id: membership for membership in study.memberships.all()}
    seen: set[int] = set()
    for line, row in body:
        if len(row) > len(header):
            raise StudyInputError(f"Line {line}: {len(row)} cells for {len(header)} columns.")
        title = row[0].strip()
        matches = by_title.get(title.lower(), [])
        if not matches:
            raise StudyInputError(f"Line {line}: you have no video titled “{title}”.")
        in_study = [video for video in matches if video.pk in memberships]
        if len(matches) > 1 and len(in_study) != 1:
            raise StudyInputError(f"Line {line}: {len(matches)} of your videos are titled “{title}”; rename one.")
        video = in_study[0] if in_study else matches[0]
        if video.pk in seen:
            raise StudyInputError(f"Line {line}: “{title}” is on an earlier line too.")
        seen.add(video.pk)
        if video.pk not in memberships:
            memberships[video.pk] = StudyVideo.objects.create(study=study, video=video)
        cells = {variable.name: (row[i + 1] if i + 1 < len(row) else "") for i, variable in enumerate(variables)}
        try:
            set_values(memberships[video.pk], cells, {variable.name: variable for variable in variables})
        except StudyInputError as error:
            raise StudyInputError(f"Line {line}: {error}") from None
    return len(body)
