"""The API's representations of studies: the study, its variables, its videos' rows, comparisons, time lines,
participant labels; request bodies.

The numbers come from analysis.studies (VideoRow, Group, Interval, Line, Suggestion): these serializers only name
and round them. NaN (nothing to average) is null.
"""

import math

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analysis.core.emotions import EMOTIONS
from analysis.core.study_stats import MIN_UNITS
from analysis.models import Study, StudyVariable
from analysis.pages.study_forms import MAX_VALUES_FILE_BYTES
from analysis.studies.comparison import NO_VALUE, UNITS
from analysis.studies.membership import TITLE_COLUMN
from videos.ids import MAX_ID


class NumberField(serializers.FloatField):
    """A float rounded to 4 decimals; null when there is none (NaN: nothing to average)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> float | None:
        if value is None:
            return None
        value = float(value)
        return None if math.isnan(value) else round(value, 4)


def _absolute(context: dict, name: str, *args) -> str:
    path = reverse(name, args=args)
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


# The study and its variables


class StudySerializer(serializers.ModelSerializer):
    videos = serializers.IntegerField(source="video_count", read_only=True, help_text="How many videos it holds")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Study
        fields = ["id", "name", "description", "created_at", "videos", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, study: Study) -> str:
        return _absolute(self.context, "api:study-detail", study.pk)


class StudyWriteSerializer(serializers.Serializer):
    """A study's name and description, checked as on the studies page."""

    # For the schema only: the views validate with analysis.pages.study_forms.StudyForm, for the same messages.

    name = serializers.CharField(max_length=Study._meta.get_field("name").max_length, help_text="Unique among yours")
    description = serializers.CharField(required=False, allow_blank=True)


class VariableSerializer(serializers.ModelSerializer):
    class Meta:
        model = StudyVariable
        fields = ["id", "name", "kind"]
        read_only_fields = fields


class VariableCreateSerializer(serializers.Serializer):
    # For the schema only: the view validates with the page's VariableForm and analysis.studies.membership.

    name = serializers.CharField(max_length=40, help_text="Letters, digits and _, starting with a letter (condition)")
    kind = serializers.ChoiceField(
        choices=StudyVariable.Kind.choices, default=StudyVariable.Kind.TEXT, required=False, help_text="text or number"
    )


class VariableRenameSerializer(serializers.Serializer):
    # For the schema only: the view validates with the page's RenameVariableForm. The videos' values follow.

    name = serializers.CharField(max_length=40)


# The videos of a study


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True})
class ValueField(serializers.Field):
    """A value as the page's table cell takes it: text, a number, or null / "" to clear it."""

    def to_internal_value(self, data) -> str:
        if data is None:
            return ""
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            raise serializers.ValidationError("Give text, a number, or null to clear the value.")
        return data if isinstance(data, str) else repr(data)  # repr: 0.1 stays "0.1", 1e-07 stays a number

    def to_representation(self, value):
        return value


class VideoRowSerializer(serializers.Serializer):
    """A video of the study: its values and its shown results' summary (the study page's table row)."""

    video = serializers.IntegerField(source="video_id", read_only=True)
    title = serializers.CharField(read_only=True)
    duration_s = serializers.FloatField(read_only=True)
    values = serializers.DictField(child=ValueField(), read_only=True, help_text="By variable name; unset ones absent")
    status = serializers.SerializerMethodField(help_text="The latest run's status; null before any run")
    status_label = serializers.CharField(read_only=True)
    run = serializers.IntegerField(
        source="run_id", read_only=True, allow_null=True, help_text="The run shown (newest succeeded); null: none"
    )
    persons = serializers.IntegerField(read_only=True)
    valence = NumberField(
        help_text="The video's valence, -1 to 1: every person's samples, weighted by face quality (the results "
        "page's); null without results"
    )
    attention = NumberField(help_text="The share of the faces' samples facing the camera, 0 to 1; null when unknown")
    talking = NumberField(
        help_text="The share of the faces' measured samples talking, 0 to 1; null where no face was measured "
        "(faces under 40 px, runs from before facial measures)"
    )
    eyes_closed = NumberField(help_text="The share of the faces' measured samples with both eyes closed, 0 to 1")
    shares = serializers.DictField(
        child=serializers.FloatField(),
        read_only=True,
        help_text="Per emotion: its share of the face-time (every person's samples, weighted by face quality)",
    )
    url = serializers.SerializerMethodField(help_text="The video in the API")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_status(self, row) -> str | None:
        return row.status or None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, row) -> str:
        return _absolute(self.context, "api:video-detail", row.video_id)


class MarkerLabelSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    videos = serializers.IntegerField(read_only=True, help_text="How many of the study's videos have it")


class StudyDetailSerializer(StudySerializer):
    """The study with its variables, its videos (values and summaries) and the marker labels lines can align on."""

    videos = serializers.SerializerMethodField()
    variables = VariableSerializer(many=True, read_only=True)
    markers = serializers.SerializerMethodField(help_text="Marker labels shared by two videos or more: `align` values")

    class Meta(StudySerializer.Meta):
        fields = ["id", "name", "description", "created_at", "url", "variables", "videos", "markers"]
        read_only_fields = fields

    @extend_schema_field(VideoRowSerializer(many=True))
    def get_videos(self, study: Study) -> list:
        return VideoRowSerializer(self.context.get("rows", []), many=True, context=self.context).data

    @extend_schema_field(MarkerLabelSerializer(many=True))
    def get_markers(self, study: Study) -> list:
        labels = self.context.get("markers", [])
        return MarkerLabelSerializer([{"label": label, "videos": n} for label, n in labels], many=True).data


class MembershipCreateSerializer(serializers.Serializer):
    video = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The id of one of your videos")
    values = serializers.DictField(
        child=ValueField(allow_null=True), required=False, default=dict, help_text="By variable name: text or a number"
    )


class MembershipUpdateSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=ValueField(allow_null=True),
        help_text="By variable name; null or empty clears one; variables not named keep theirs",
    )


class ValuesImportSerializer(serializers.Serializer):
    # For the schema only: the view validates with the page's ValuesImportForm.

    file = serializers.FileField(
        help_text=f"UTF-8 CSV, first column `{TITLE_COLUMN}`, then one column per variable; up to "
        f"{MAX_VALUES_FILE_BYTES // 1024} KB"
    )


class ValuesImportedSerializer(serializers.Serializer):
    imported = serializers.IntegerField(help_text="The rows applied (one video each)")
    variables = VariableSerializer(many=True)
    videos = VideoRowSerializer(many=True)


# Participants


class ParticipantLabelSerializer(serializers.Serializer):
    video = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The id of one of your videos")
    person = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The person's number in the video's shown results"
    )
    label = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text='"P07"; empty removes the label')


class SuggestedPersonSerializer(serializers.Serializer):
    video = serializers.IntegerField(source="run.video_id")
    number = serializers.IntegerField()


class SuggestionSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The label the group would get")
    persons = SuggestedPersonSerializer(many=True, help_text="At most one per video")
    distance = NumberField(help_text="The largest identity distance that joined the group")


class ParticipantsSerializer(serializers.Serializer):
    labels = ParticipantLabelSerializer(many=True)
    suggestions = SuggestionSerializer(many=True)
    distance = serializers.FloatField(help_text="Persons closer than this look like one participant")


# Comparison and lines


class UnitValueSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="The video's title, or the participant's label")
    value = NumberField()

    def to_representation(self, instance):
        name, value = instance
        return super().to_representation({"name": name, "value": value})


class IntervalSerializer(serializers.Serializer):
    mean = NumberField()
    low = NumberField(help_text=f"95% bootstrap interval; null with fewer than {MIN_UNITS} units")
    high = NumberField()
    units = serializers.IntegerField(read_only=True, help_text="The units with a value")
    each = UnitValueSerializer(
        many=True,
        read_only=True,
        help_text=f"Without an interval (fewer than {MIN_UNITS} units): each unit's own value; else empty",
    )


class GroupSerializer(serializers.Serializer):
    value = serializers.CharField(read_only=True, help_text=f'The variable\'s value; "{NO_VALUE}" for videos without')
    videos = serializers.IntegerField(read_only=True)
    persons = serializers.IntegerField(read_only=True)
    units = serializers.IntegerField(read_only=True, help_text="Videos or participants, as `unit` says")
    valence = IntervalSerializer(read_only=True)
    attention = IntervalSerializer(read_only=True)
    talking = IntervalSerializer(read_only=True, help_text="The talking share (of measured samples)")
    eyes_closed = IntervalSerializer(read_only=True, help_text="The eyes-closed share (of measured samples)")
    shares = serializers.SerializerMethodField(help_text="Per emotion, in the order of `emotions`")

    @extend_schema_field(serializers.DictField(child=IntervalSerializer()))
    def get_shares(self, group) -> dict:
        return {name: IntervalSerializer(group.shares[name]).data for name in EMOTIONS}


class ComparisonSerializer(serializers.Serializer):
    variable = serializers.SerializerMethodField(help_text="null: all videos in one group")
    unit = serializers.ChoiceField(choices=UNITS, read_only=True)
    emotions = serializers.SerializerMethodField()
    groups = GroupSerializer(many=True, read_only=True)
    left_out = serializers.IntegerField(read_only=True, help_text="Videos without results")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_variable(self, comparison) -> str | None:
        return comparison.variable or None

    def get_emotions(self, comparison) -> list[str]:
        return list(EMOTIONS)


class LineSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True, help_text="The video's title, or the variable's value")
    video = serializers.IntegerField(source="video_id", read_only=True, allow_null=True, help_text="null for a group")
    videos = serializers.IntegerField(read_only=True)
    t_s = serializers.ListField(source="t", child=NumberField(), read_only=True)
    valence = serializers.ListField(child=NumberField(), read_only=True)
    attention = serializers.ListField(child=NumberField(), read_only=True)


class LinesSerializer(serializers.Serializer):
    by = serializers.CharField(allow_null=True)
    align = serializers.CharField(allow_null=True)
    lines = LineSerializer(many=True)
    left_out = serializers.IntegerField(help_text="Analysed videos without the `align` marker")
