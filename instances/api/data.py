"""The REST API for the data attached to an instance: list it (with its mount point; the data path
only to those who may read it), attach an experiment by id or DOI, detach it. The owner and USER
members may change it, through `lifecycle.services.attach` and `detach` as the pages do."""
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from instances.cloud.mounts import mount_point
from instances.lifecycle import services
from openaccess import dois
from openaccess.api import PublicExperimentSerializer
from openaccess.models import Experiment
from openaccess.policy import can_read
from visa.parsers import JSONParser
from visa.schema import INVALID, ErrorSerializer

from .views import NOT_YOURS, visible_instances


class AttachedSerializer(PublicExperimentSerializer):
    mount_point = serializers.SerializerMethodField(help_text="Where the desktop shows it, read-only")
    data_path = serializers.SerializerMethodField(help_text="Only for those who may read the data")

    class Meta(PublicExperimentSerializer.Meta):
        fields = [*PublicExperimentSerializer.Meta.fields, "mount_point", "data_path"]

    def get_mount_point(self, experiment) -> str:
        return mount_point(experiment)

    def get_data_path(self, experiment) -> str | None:
        return experiment.data_path if can_read(self.context["request"].user, experiment) else None


class AttachSerializer(serializers.Serializer):
    experiment = serializers.PrimaryKeyRelatedField(queryset=Experiment.objects.all(), required=False)
    doi = serializers.CharField(max_length=300, required=False, help_text="As portals link it: bare, doi: or URL")

    def validate(self, data):
        if "doi" in data:
            try:
                data["experiment"] = dois.find_dataset(data.pop("doi")).experiment
            except (dois.MalformedDOI, dois.UnknownDOI) as error:
                raise serializers.ValidationError({"doi": [str(error)]}) from None
        if "experiment" not in data:
            raise serializers.ValidationError({"experiment": ["Name an experiment by id, or a DOI."]})
        return data


@extend_schema_view(
    list=extend_schema(summary="The data attached to an instance you may see",
                       responses={200: AttachedSerializer(many=True), 404: ErrorSerializer}),
    create=extend_schema(
        summary="Attach an experiment's data: the desktop mounts it within seconds",
        description="For the owner and users of the instance, with data that they, the owner and everyone "
                    "the desktop is shared with may read (403 says who may not).",
        request=AttachSerializer, responses={201: AttachedSerializer, 200: AttachedSerializer, 400: INVALID,
                                             **NOT_YOURS}),
    destroy=extend_schema(summary="Detach an experiment's data: the desktop unmounts it",
                          responses={204: None, **NOT_YOURS}),
)
class AttachedDataViewSet(viewsets.GenericViewSet):
    parser_classes = [JSONParser]
    serializer_class = AttachedSerializer
    lookup_value_converter = "int"

    def instance(self):
        return get_object_or_404(visible_instances(self.request.user), uuid=self.kwargs["uuid"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Experiment.objects.none()
        return self.instance().experiments.prefetch_related("datasets").order_by("proposal_id")

    def list(self, request, uuid):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, uuid):
        asked = AttachSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        experiment = asked.validated_data["experiment"]
        added = services.attach(request.user, self.instance(), experiment)
        return Response(self.get_serializer(experiment).data, status=status.HTTP_201_CREATED if added else 200)

    def destroy(self, request, uuid, pk):
        if not services.detach(request.user, self.instance(), get_object_or_404(Experiment, pk=pk)):
            raise exceptions.NotFound("That experiment's data is not attached to this instance.")
        return Response(status=status.HTTP_204_NO_CONTENT)
