"""The REST API (DRF), signed in by session with CSRF as the pages are. Launching calls the same
service as the Launch button; a refusal by quotas or the cloud is a 409 (403 while an operator's
approval is missing) with a machine-readable body: {"code", "detail", "resource", "used", "limit", ...}."""
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from openaccess.models import Experiment
from quotas.services import ApprovalRequired, LaunchRefused

from . import services
from .models import Flavour, Image, Instance


class LaunchSerializer(serializers.Serializer):
    experiments = serializers.PrimaryKeyRelatedField(queryset=Experiment.objects.all(), many=True, required=False)
    image = serializers.PrimaryKeyRelatedField(queryset=Image.objects.filter(enabled=True))
    flavour = serializers.PrimaryKeyRelatedField(queryset=Flavour.objects.filter(enabled=True))
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class InstanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instance
        fields = ["uuid", "name", "state", "state_reason", "image", "flavour", "purpose", "created_at", "expires_at"]


class InstanceViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InstanceSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        return Instance.objects.filter(owner=self.request.user)

    def create(self, request):
        launch = LaunchSerializer(data=request.data)
        launch.is_valid(raise_exception=True)
        try:
            instance = services.launch(request.user, **launch.validated_data)
        except LaunchRefused as refusal:
            refused = status.HTTP_403_FORBIDDEN if isinstance(refusal, ApprovalRequired) else status.HTTP_409_CONFLICT
            return Response(refusal.as_dict(), status=refused)
        return Response(InstanceSerializer(instance).data, status=status.HTTP_201_CREATED)
