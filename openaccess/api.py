"""The REST API's view of experiments: search over what the user may read, one experiment, and
the lookup by DOI that data portals link with. openaccess.policy decides; a non-reader gets 403
with the public description and when the data opens, never its data path. Anonymous clients may
use all three on open data (without data paths), at most VISA_ANONYMOUS_API_RATE per address."""
from django.conf import settings
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ParseError, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from visa.schema import ErrorSerializer

from . import dois, policy, search
from .models import Experiment


class PublicExperimentSerializer(serializers.ModelSerializer):
    """What anyone signed in may know of an experiment (the DOI page shows as much)."""

    dois = serializers.SlugRelatedField(source="datasets", many=True, read_only=True, slug_field="doi")
    open = serializers.SerializerMethodField(help_text="Whether anyone who signs in may read its data now")
    release_date = serializers.SerializerMethodField(
        help_text="When the data opens (its own date, else the facility's embargo rule); null: not planned")

    class Meta:
        model = Experiment
        fields = ["id", "proposal_id", "title", "abstract", "facility", "instrument", "techniques", "keywords",
                  "licence", "start_date", "end_date", "release_date", "open", "dois"]

    def get_open(self, experiment) -> bool:
        return policy.is_open(experiment)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_release_date(self, experiment):
        released = policy.release_date(experiment)
        return released and serializers.DateTimeField().to_representation(released)


class ExperimentSerializer(PublicExperimentSerializer):
    """An experiment the user may read, with where its data lies once they have signed in."""

    data_path = serializers.SerializerMethodField(help_text="dCache path of the raw data; null until you sign in")

    class Meta(PublicExperimentSerializer.Meta):
        fields = [*PublicExperimentSerializer.Meta.fields, "data_path"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_data_path(self, experiment):
        return experiment.data_path if self.context["user"].is_authenticated else None


class ClosedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="closed")
    release_date = serializers.DateTimeField(allow_null=True, help_text="When the data opens; null: not planned")
    experiment = PublicExperimentSerializer()


def experiment_answer(user, experiment):
    """200 with the experiment for a reader (anonymous: if it is open, without its data path),
    else 403 saying when it opens (no data path)."""
    if policy.can_read(user, experiment) or not user.is_authenticated and policy.is_open(experiment):
        return Response(ExperimentSerializer(experiment, context={"user": user}).data)
    public = PublicExperimentSerializer(experiment).data
    opens = public["release_date"]
    when = f"it opens on {opens[:10]}" if opens else "no date is set for it to open"
    members = "" if user.is_authenticated else " Its members sign in to read it."
    return Response({
        "detail": f"You may not read the data of proposal {experiment.proposal_id}: {when}.{members}",
        "code": "closed", "release_date": opens, "experiment": public,
    }, status=403)


class AnonymousRateThrottle(AnonRateThrottle):
    """Anonymous requests per client address, counted in the cache (Redis: across processes)."""

    def get_rate(self):
        return settings.VISA_ANONYMOUS_API_RATE


class OpenToAnyone(APIView):
    """Open data needs no account: anonymous clients are limited per address, the signed-in not."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonymousRateThrottle]

    def throttled(self, request, wait):
        raise Throttled(wait, detail="Too many requests without signing in from your address: sign in "
                                     "(a personal API token has no such limit) or wait.")


OPEN_TO_ANYONE = {
    401: OpenApiResponse(ErrorSerializer, description="A bad token or session (none at all is fine)"),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests without signing in from this "
                                                      "address: the detail and Retry-After say when to try again"),
}
ONE_EXPERIMENT = {200: ExperimentSerializer, 403: ClosedSerializer, 404: ErrorSerializer, **OPEN_TO_ANYONE}


class ExperimentSearch(OpenToAnyone):
    @extend_schema(
        summary="Search the experiments you may read (without signing in: open data)",
        operation_id="experiments_search",
        description="`q` finds the experiment a DOI (in any form portals link) or a proposal number names, "
                    "else experiments whose title, abstract or keywords hold its words.",
        parameters=[
            OpenApiParameter("q", str, description="A DOI, a proposal number, or words to find"),
            OpenApiParameter("facility", str), OpenApiParameter("instrument", str),
            OpenApiParameter("technique", str), OpenApiParameter("year", int, description="Year it started"),
            OpenApiParameter("access", str, enum=["open", "mine"], description="Only open data, or only yours"),
            OpenApiParameter("sort", str, enum=list(search.SORTS)),
            OpenApiParameter("page", int),
        ],
        responses={**OPEN_TO_ANYONE, 200: inline_serializer("ExperimentSearchPage", {
            "count": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "pages": serializers.IntegerField(),
            "facets": serializers.DictField(child=inline_serializer("Facet", {
                "value": serializers.JSONField(help_text="A name, or a year"),
                "count": serializers.IntegerField()}, many=True)),
            "results": ExperimentSerializer(many=True),
        })},
    )
    def get(self, request):
        page, facets = search.search(request.user, search.Criteria.from_query(request.query_params))
        experiments = list(page)
        prefetch_related_objects(experiments, "datasets")  # every DOI of each, where the page has the first
        return Response({
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "facets": {name: [{"value": value, "count": n} for value, n in counts] for name, counts in facets.items()},
            "results": ExperimentSerializer(experiments, many=True, context={"user": request.user}).data,
        })


class ExperimentDetail(OpenToAnyone):
    @extend_schema(summary="One experiment", operation_id="experiments_retrieve", responses=ONE_EXPERIMENT)
    def get(self, request, pk):
        experiment = get_object_or_404(Experiment.objects.prefetch_related("datasets"), pk=pk)
        return experiment_answer(request.user, experiment)


class ExperimentByDoi(OpenToAnyone):
    @extend_schema(
        summary="The experiment behind a DOI", operation_id="experiments_by_doi",
        description="Takes a DOI as portals link it: bare, `doi:`-prefixed or as a doi.org URL, any case.",
        parameters=[OpenApiParameter("doi", str, OpenApiParameter.PATH,
                                     description="e.g. 10.22003/XFEL.EU-DATA-700000-00")],
        responses={**ONE_EXPERIMENT, 400: ErrorSerializer},
    )
    def get(self, request, doi):
        try:
            dataset = dois.find_dataset(doi)
        except dois.MalformedDOI as error:
            raise ParseError(str(error)) from None
        except dois.UnknownDOI as error:
            raise NotFound(str(error)) from None
        return experiment_answer(request.user, dataset.experiment)
