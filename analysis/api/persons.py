"""The API's identity review: the persons of a video's shown results; rename, hide, merge, split (docs/api.md).

The shown results are the video's newest succeeded run, as on the results page and in results/; a video
without one is a 404. analysis.results.identity_edits does the work (summaries, timeline, charts and exports follow);
its IdentityError is a 400 with its message.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analysis.models import AnalysisRun, Person
from analysis.results import identity_edits as identity
from analysis.results.person_erasure import ErasureRefused, erase
from analysis.results.source_removal import SourceRemovalRefused, delete_source
from videos.ownership import owned_video

from .serializers import PersonMergeSerializer, PersonSerializer, PersonSplitSerializer, PersonUpdateSerializer
from .views import LoginExemptMixin, succeeded_run_or_404

NOT_FOUND = OpenApiResponse(description="No such video (or not yours), no results yet, or no such person")
REFUSED = OpenApiResponse(
    OpenApiTypes.OBJECT, description='Messages by field, or {"detail": "..."} for an edit that cannot be made'
)


def shown_run(request: Request, pk: int) -> AnalysisRun:
    return succeeded_run_or_404(owned_video(request, pk))


def person_or_404(request: Request, pk: int, number: int) -> Person:
    return get_object_or_404(Person, run=shown_run(request, pk), number=number)


def refused(error: identity.IdentityError) -> Response:
    return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)


def shown(person: Person) -> dict:
    person.refresh_from_db()  # identity_edits.py updates the rows, not the instance
    return PersonSerializer(person).data


class VideoPersons(LoginExemptMixin, APIView):
    @extend_schema(
        responses={200: PersonSerializer(many=True), 404: NOT_FOUND},
        description="The persons of the shown results (the newest succeeded analysis), by number, hidden ones "
        "included (`hidden`: true).",
    )
    def get(self, request: Request, pk: int) -> Response:
        persons = shown_run(request, pk).persons.filter(number__isnull=False).order_by("number")
        return Response(PersonSerializer(persons.defer("thumbnail_jpeg"), many=True).data)


class VideoPersonDetail(LoginExemptMixin, APIView):
    @extend_schema(
        responses={200: PersonSerializer, 404: NOT_FOUND},
        description="One person of the shown results, as in the persons list (hidden or not).",
    )
    def get(self, request: Request, pk: int, number: int) -> Response:
        return Response(PersonSerializer(person_or_404(request, pk, number)).data)

    @extend_schema(
        request=PersonUpdateSerializer,
        responses={200: PersonSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="Rename (`name`; empty: back to the number), hide or show again (`hidden`), and/or choose the "
        "person's calm stretch (`calm_from_s`, `calm_to_s`; both null: the app's estimate), their valence's 0. "
        "A hidden person leaves the charts, highlights and exports; its samples are kept.",
    )
    def patch(self, request: Request, pk: int, number: int) -> Response:
        person = person_or_404(request, pk, number)
        # partial: a form-encoded body without `hidden` must not read as hidden=false.
        body = PersonUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            if "name" in body.validated_data:
                identity.rename(person, body.validated_data["name"])
            if "hidden" in body.validated_data and body.validated_data["hidden"] != person.hidden:
                identity.set_hidden(person, body.validated_data["hidden"])
            if "calm_from_s" in body.validated_data:
                start, end = body.validated_data["calm_from_s"], body.validated_data["calm_to_s"]
                try:
                    identity.set_calm_stretch(person, None if start is None else (start, end))
                except identity.IdentityError as error:
                    raise serializers.ValidationError({"detail": str(error)}) from error
        return Response(shown(person))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "delete_source", OpenApiTypes.BOOL, description="also delete the source video (it shows this person)"
            )
        ],
        responses={204: None, 404: NOT_FOUND, 409: REFUSED},
        description="Erase this person: their samples, thumbnail, encoding, name and study labels are deleted; the "
        "room's timeline and highlights are recomputed; other persons keep their numbers. With "
        "`?delete_source=1` the source video is deleted too. 409 while an analysis of the video is active "
        "(its new results would show the person again).",
    )
    def delete(self, request: Request, pk: int, number: int) -> Response:
        person = person_or_404(request, pk, number)
        try:
            erase(person, by=request, via="api")
        except ErasureRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        if request.query_params.get("delete_source") in ("1", "true"):
            try:
                delete_source(person.run.video, by=request, via="api")
            except SourceRemovalRefused as refusal:
                return Response({"detail": f"The person was erased. {refusal}"}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VideoPersonMerge(LoginExemptMixin, APIView):
    @extend_schema(
        request=PersonMergeSerializer,
        responses={200: PersonSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="Merge this person into the shown person `into`, who keeps the samples; this person is "
        "removed. Refused (400) for two people on screen at the same moment. Answers the merged person.",
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        person = person_or_404(request, pk, number)
        body = PersonMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        into = body.validated_data["into"]
        # As the page's merge form: only a shown (not hidden) person of the same results can keep the samples.
        keep = Person.objects.filter(run_id=person.run_id, number=into, hidden=False).first()
        if keep is None:
            raise serializers.ValidationError({"into": [f"Person {into} is not a shown person of these results."]})
        try:
            identity.merge(keep, person)
        except identity.IdentityError as error:
            return refused(error)
        return Response(shown(keep))


class VideoPersonSplit(LoginExemptMixin, APIView):
    @extend_schema(
        request=PersonSplitSerializer,
        responses={201: PersonSerializer, 400: REFUSED, 404: NOT_FOUND},
        description="Split this person at `at_s`: the samples from then on become a new person, numbered after "
        "the last. Refused (400) when there are no samples on one side. Answers the new person.",
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        person = person_or_404(request, pk, number)
        body = PersonSplitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            other = identity.split(person, body.validated_data["at_s"])
        except identity.IdentityError as error:
            return refused(error)
        return Response(shown(other), status=status.HTTP_201_CREATED)
