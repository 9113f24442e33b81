"""The API's studies: a study, its variables, videos and values, participant labels, comparisons, time lines and
exports (docs/api.md).

As the study pages (analysis.pages.study_views): the same forms and messages, and analysis.studies does the work.
Another user's study is a 404 on every URL; a video not yours is refused as one that does not exist. A refusal of
analysis.studies (StudyInputError) is a 400 {"detail": "..."} with its message; nothing is changed then.
"""

import csv
from collections.abc import Mapping

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.models import AnalysisRun, Person, Study, StudyVariable, StudyVideo
from analysis.pages.study_forms import (
    MAX_VALUES_FILE_BYTES,
    RenameVariableForm,
    StudyForm,
    ValuesImportForm,
    VariableForm,
)
from analysis.studies import membership, participants
from analysis.studies.comparison import UNITS, VideoRow, compare, marker_labels, room_lines, video_rows
from analysis.studies.membership import StudyInputError, owned_study
from analysis.studies.tidy_export import export_detail, study_csv_rows, study_document
from videos.access_log import Action, record_many
from videos.ownership import owned_videos

from .markers import not_an_object
from .parsers import BoundedJSONParser
from .renderers import CSVRenderer
from .study_serializers import (
    ComparisonSerializer,
    LinesSerializer,
    MembershipCreateSerializer,
    MembershipUpdateSerializer,
    ParticipantLabelSerializer,
    ParticipantsSerializer,
    StudyDetailSerializer,
    StudySerializer,
    StudyWriteSerializer,
    SuggestionSerializer,
    ValuesImportedSerializer,
    ValuesImportSerializer,
    VariableCreateSerializer,
    VariableRenameSerializer,
    VariableSerializer,
    VideoRowSerializer,
)
from .uploads import form_data, form_errors
from .views import LoginExemptMixin, _Echo

NOT_FOUND = OpenApiResponse(description="No such study (or not yours)")
REFUSED = OpenApiResponse(
    OpenApiTypes.OBJECT, description='Messages by field, or {"detail": "..."}: what the study cannot take; no change'
)
NO_SUCH_VIDEO = "You have no video with this id."


def refused(error: StudyInputError) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)


def bad_request(field: str, message: str) -> Response:
    return Response({field: [message]}, status=status.HTTP_400_BAD_REQUEST)


def study_filename(study: Study, extension: str) -> str:
    return f"{slugify(study.name) or 'study'}-{study.pk}.{extension}"  # as the study page's downloads


def detail(request: Request, study: Study) -> dict:
    context = {"request": request, "rows": video_rows(study), "markers": marker_labels(study)}
    return StudyDetailSerializer(study, context=context).data


def row_of(study: Study, video_id: int) -> VideoRow:
    return next(row for row in video_rows(study) if row.video_id == video_id)


def membership_or_404(study: Study, video_id: int) -> StudyVideo:
    return get_object_or_404(study.memberships.select_related("study"), video_id=video_id)


# The studies


class StudyListCreate(LoginExemptMixin, generics.ListAPIView):
    """Your studies, newest first, 50 per page."""

    serializer_class = StudySerializer
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[Study]:
        return (
            Study.objects.filter(owner=self.request.user)
            .annotate(video_count=Count("memberships"))
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        request=StudyWriteSerializer,
        responses={201: StudyDetailSerializer, 400: REFUSED},
        description="Create a study: a `name` (unique among your studies) and an optional `description`.",
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, Mapping):
            return not_an_object(request.data)
        form = StudyForm(form_data(request.data, ["name", "description"]), owner=request.user)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        study = form.save()
        location = request.build_absolute_uri(reverse("api:study-detail", args=[study.pk]))
        return Response(detail(request, study), status=status.HTTP_201_CREATED, headers={"Location": location})


class StudyDetail(LoginExemptMixin, APIView):
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        responses={200: StudyDetailSerializer, 404: NOT_FOUND},
        description="The study: its variables, its videos (values, status and the shown results' summary, as in "
        "the study page's table) and the marker labels its time lines can align on.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(detail(request, owned_study(request, pk)))

    @extend_schema(
        request=StudyWriteSerializer(partial=True),
        responses={200: StudyDetailSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="Rename the study and/or change its description.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        if not isinstance(request.data, Mapping):
            return not_an_object(request.data)
        current = {"name": study.name, "description": study.description}
        form = StudyForm(form_data(request.data, ["name", "description"], current), instance=study, owner=request.user)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        return Response(detail(request, form.save()))

    @extend_schema(
        responses={204: None, 404: NOT_FOUND},
        description="Delete the study, its variables, values and participant labels; its videos and their "
        "results stay.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        owned_study(request, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# Variables


class StudyVariables(LoginExemptMixin, APIView):
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=VariableCreateSerializer,
        responses={201: VariableSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="Add a variable (a column of the videos' table and of the export): `name` and `kind` "
        "(`text`, the default, or `number`).",
    )
    def post(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        if not isinstance(request.data, Mapping):
            return not_an_object(request.data)
        form = VariableForm(form_data(request.data, ["name", "kind"], {"kind": StudyVariable.Kind.TEXT}))
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            variable = membership.add_variable(study, form.cleaned_data["name"], form.cleaned_data["kind"])
        except StudyInputError as error:
            return refused(error)
        return Response(VariableSerializer(variable).data, status=status.HTTP_201_CREATED)


class StudyVariableDetail(LoginExemptMixin, APIView):
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]
    variable_not_found = OpenApiResponse(description="No such study or variable (or not yours)")

    @extend_schema(
        request=VariableRenameSerializer,
        responses={200: VariableSerializer, 400: REFUSED, 404: variable_not_found},
        description="Rename a variable; the videos' values follow.",
    )
    def patch(self, request: Request, pk: int, variable_id: int) -> Response:
        variable = get_object_or_404(owned_study(request, pk).variables, pk=variable_id)
        if not isinstance(request.data, Mapping):
            return not_an_object(request.data)
        form = RenameVariableForm(form_data(request.data, ["name"]))
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            membership.rename_variable(variable, form.cleaned_data["name"])
        except StudyInputError as error:
            return refused(error)
        variable.refresh_from_db()
        return Response(VariableSerializer(variable).data)

    @extend_schema(
        responses={204: None, 404: variable_not_found}, description="Delete a variable and the videos' values of it."
    )
    def delete(self, request: Request, pk: int, variable_id: int) -> Response:
        variable = get_object_or_404(owned_study(request, pk).variables, pk=variable_id)
        membership.delete_variable(variable)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Videos and their values


class StudyVideos(LoginExemptMixin, APIView):
    @extend_schema(
        request=MembershipCreateSerializer,
        responses={
            201: VideoRowSerializer,
            400: REFUSED,
            404: NOT_FOUND,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description='{"detail": "This video is in the study already."}'),
        },
        description="Put one of your videos in the study, with its `values` (by variable name). All or nothing: "
        "a value the variable cannot take adds nothing. Answers the video's row.",
    )
    def post(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        body = MembershipCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # Another user's video is refused as one that does not exist.
        video = owned_videos(request).filter(pk=body.validated_data["video"]).first()
        if video is None:
            return bad_request("video", NO_SUCH_VIDEO)
        if study.memberships.filter(video=video).exists():
            return Response({"detail": "This video is in the study already."}, status=status.HTTP_409_CONFLICT)
        try:
            with transaction.atomic():
                membership.add_videos(study, [video])
                membership.set_values(study.memberships.get(video=video), body.validated_data["values"])
        except StudyInputError as error:
            return refused(error)
        location = request.build_absolute_uri(reverse("api:study-video-detail", args=[study.pk, video.pk]))
        row = VideoRowSerializer(row_of(study, video.pk), context={"request": request}).data
        return Response(row, status=status.HTTP_201_CREATED, headers={"Location": location})


class StudyVideoDetail(LoginExemptMixin, APIView):
    video_not_found = OpenApiResponse(description="No such study (or not yours), or the video is not in it")

    @extend_schema(
        responses={200: VideoRowSerializer, 404: video_not_found},
        description="A video of the study: its values and its shown results' summary.",
    )
    def get(self, request: Request, pk: int, video_id: int) -> Response:
        entry = membership_or_404(owned_study(request, pk), video_id)
        return Response(VideoRowSerializer(row_of(entry.study, video_id), context={"request": request}).data)

    @extend_schema(
        request=MembershipUpdateSerializer,
        responses={200: VideoRowSerializer, 400: REFUSED, 404: video_not_found},
        description="Set the video's values of the named variables (null or an empty string clears one; "
        "variables not named keep theirs). All or nothing.",
    )
    def patch(self, request: Request, pk: int, video_id: int) -> Response:
        entry = membership_or_404(owned_study(request, pk), video_id)
        body = MembershipUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            membership.set_values(entry, body.validated_data["values"])
        except StudyInputError as error:
            return refused(error)
        return Response(VideoRowSerializer(row_of(entry.study, video_id), context={"request": request}).data)

    @extend_schema(
        responses={204: None, 404: video_not_found},
        description="Take the video out of the study (the video and its results stay); its participant labels go.",
    )
    def delete(self, request: Request, pk: int, video_id: int) -> Response:
        study = owned_study(request, pk)
        if not membership.remove_video(study, video_id):
            return Response({"detail": "This video is not in the study."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CSVBodyParser(BaseParser):
    """A CSV sent as the request's body: its bytes, read no further than one past the import's limit."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read(MAX_VALUES_FILE_BYTES + 1) if stream is not None else b""


class PlainTextBodyParser(CSVBodyParser):
    media_type = "text/plain"


class StudyValuesImport(LoginExemptMixin, APIView):
    parser_classes = [MultiPartParser, FormParser, CSVBodyParser, PlainTextBodyParser]

    @extend_schema(
        request={"multipart/form-data": ValuesImportSerializer, "text/csv": OpenApiTypes.STR},
        responses={
            200: ValuesImportedSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"detail": "Line 3: ..."} naming the first bad line, or {"file": [...]}; nothing changed',
            ),
            404: NOT_FOUND,
        },
        description="Import values from a CSV (a multipart `file`, or the body as `text/csv`): the first column "
        "`video_title` names one of your videos (added to the study if it is not in it), the others name "
        "variables (a new name becomes a variable, a number if all its cells are numbers). All or nothing.",
    )
    def post(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        if "file" in request.FILES:
            files = {"file": request.FILES["file"]}
        elif isinstance(request.data, bytes):
            files = {"file": SimpleUploadedFile("values.csv", request.data, content_type=request.content_type)}
        else:
            files = {}
        form = ValuesImportForm({}, files)  # the page's checks: size, UTF-8
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            count = membership.import_values_csv(study, form.cleaned_data["file"])
        except StudyInputError as error:
            return refused(error)
        context = {"request": request}
        answer = {
            "imported": count,
            "variables": VariableSerializer(study.variables.all(), many=True).data,
            "videos": VideoRowSerializer(video_rows(study), many=True, context=context).data,
        }
        return Response(answer)


# Participants


def _shown_persons(study: Study) -> list[Person]:
    rows = [row for row in video_rows(study) if row.run_id is not None]
    return participants.study_persons(study, [row.run_id for row in rows])


class StudyParticipants(LoginExemptMixin, APIView):
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        responses={200: ParticipantsSerializer, 404: NOT_FOUND},
        description="The participant labels of the shown persons of the study's analysed videos, and suggestions: "
        "persons of different videos whose identities look alike, with the label they would get. Nothing is "
        "labelled until you set it.",
    )
    def get(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        persons = _shown_persons(study)
        labels = participants.labels_by_person(study)
        answer = {
            "labels": [
                {"video": person.run.video_id, "person": person.number, "label": labels[person.pk]}
                for person in persons
                if person.pk in labels
            ],
            "suggestions": SuggestionSerializer(participants.suggestions(study, persons), many=True).data,
            "distance": participants.SAME_PERSON_DISTANCE,
        }
        return Response(answer)

    @extend_schema(
        request=ParticipantLabelSerializer,
        responses={200: ParticipantLabelSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="Give a person of a video's shown results (`person`, its number) a participant `label` "
        '("P07"), the same across videos for one participant; an empty label removes it.',
    )
    def post(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        body = ParticipantLabelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        video_id, number = body.validated_data["video"], body.validated_data["person"]
        entry = study.memberships.select_related("video").filter(video_id=video_id).first()
        if entry is None:
            return bad_request("video", "This video is not in the study.")
        run = AnalysisRun.shown_for(entry.video)
        if run is None:
            return bad_request("video", "This video has no results yet.")
        person = Person.objects.filter(run=run, number=number).select_related("run").first()
        if person is None:
            return bad_request("person", f"The video's results have no person {number}.")
        try:
            participants.set_label(study, person, body.validated_data["label"])
        except StudyInputError as error:
            return refused(error)
        label = study.participant_labels.filter(person=person).values_list("label", flat=True).first() or ""
        return Response({"video": video_id, "person": number, "label": label})


# Comparison, lines and exports


def _unknown_variable(study: Study, name: str | None) -> bool:
    return name is not None and not study.variables.filter(name=name).exists()


class StudyComparison(LoginExemptMixin, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("variable", str, description="A variable's name; absent: all videos in one group"),
            OpenApiParameter("unit", str, enum=list(UNITS), description="What the intervals are over (videos)"),
        ],
        responses={200: ComparisonSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="The groups of a variable's values (the study page's comparison): per group its videos and "
        "persons, and the mean valence, attention and share of each emotion with a 95% bootstrap interval over "
        "its videos or labelled participants (none with one unit). `left_out`: videos without results.",
    )
    def get(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        variable = request.query_params.get("variable") or None
        unit = request.query_params.get("unit") or "videos"
        if _unknown_variable(study, variable):
            return bad_request("variable", f"The study has no variable named “{variable}”.")
        if unit not in UNITS:
            return bad_request("unit", f"Compare over {' or '.join(UNITS)}.")
        return Response(ComparisonSerializer(compare(study, variable, unit)).data)


class StudyLines(LoginExemptMixin, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, description="A variable's name: one line per value; absent: one per video"),
            OpenApiParameter("align", str, description="A marker label (the study's `markers`): 0 s is its time"),
        ],
        responses={200: LinesSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="The room's valence and attention over time (the study page's lines), at most 400 points "
        "each: one line per video, or per value of the variable `by` (the mean of its videos); on video time, "
        "or from the first marker labelled `align` in each video. `left_out`: analysed videos without it.",
    )
    def get(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        by = request.query_params.get("by") or None
        align = request.query_params.get("align") or None
        if _unknown_variable(study, by):
            return bad_request("by", f"The study has no variable named “{by}”.")
        if align is not None and align not in {label for label, _ in marker_labels(study)}:
            return bad_request("align", f"No two videos of the study have a marker labelled “{align}”.")
        lines, left_out = room_lines(study, by, align)
        return Response(LinesSerializer({"by": by, "align": align, "lines": lines, "left_out": left_out}).data)


class StudyExportCsv(LoginExemptMixin, APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="One row per person and time bin seen (the study page's export.csv)"
            ),
            404: NOT_FOUND,
        },
        description="The study in long format for R and pandas: study, video, the variables' values, person, "
        "participant, time, each emotion, valence and attention; streamed.",
        operation_id="studies_export_csv",
    )
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        study = owned_study(request, pk)
        record_many(request, study.videos.all(), Action.EXPORT, export_detail(study, "csv"), via="api")
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in study_csv_rows(study)), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{study_filename(study, "csv")}"'
        return response


class StudyExportJson(LoginExemptMixin, APIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="study, variables, emotions, videos (export.json)"),
            404: NOT_FOUND,
        },
        description="The study as one JSON document (the study page's export.json): per video its values, "
        "summary, participant labels and the room's series.",
        operation_id="studies_export_json",
    )
    def get(self, request: Request, pk: int) -> Response:
        study = owned_study(request, pk)
        record_many(request, study.videos.all(), Action.EXPORT, export_detail(study, "json"), via="api")
        response = Response(study_document(study))
        response["Content-Disposition"] = f'attachment; filename="{study_filename(study, "json")}"'
        return response
