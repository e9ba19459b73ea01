"""The REST API for instances: the user's own and those shared with them, launching from
experiments or DOIs, lifecycle actions, history, and share links. Every change goes through the
same services as the pages; a state that does not allow an action is a 409."""
import datetime

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from openaccess import dois as doi_forms
from openaccess.models import Dataset, Experiment
from quotas.services import ApprovalRequired, LaunchRefused
from visa.schema import INVALID, ErrorSerializer

from . import expiry, services, sharing
from .models import Flavour, Image, Instance, InstanceEvent, LifetimeExtension, Role, ShareToken
from .states import IllegalTransition, State


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_state"


def visible_instances(user):
    return sharing.instances_of(user).select_related("owner").prefetch_related("experiments")


def owned_instance(request, uuid, verb):
    """The instance, if the user owns it: 404 if they cannot see it, 403 if they may not `verb` it."""
    instance = get_object_or_404(visible_instances(request.user), uuid=uuid)
    if instance.owner_id != request.user.pk:
        raise exceptions.PermissionDenied(f"Only the owner of this instance may {verb} it.")
    return instance


# Serializers -------------------------------------------------------------------------------------

class InstanceSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    role = serializers.SerializerMethodField(help_text="Yours on this instance: owner, user, guest or support")
    url = serializers.SerializerMethodField(help_text="Its page, with the desktop")

    class Meta:
        model = Instance
        fields = ["uuid", "name", "owner", "role", "state", "state_reason", "image", "flavour", "experiments",
                  "purpose", "created_at", "expires_at", "last_activity_at", "url"]

    def get_role(self, instance) -> str:
        user = self.context["request"].user
        return Role.OWNER if instance.owner_id == user.pk else getattr(instance, "member_role", None) or ""

    def get_url(self, instance) -> str:
        return self.context["request"].build_absolute_uri(reverse("instance", args=[instance.uuid]))


class LaunchSerializer(serializers.Serializer):
    """What to launch: experiments by id, by DOI, or both (their data is mounted), or no data."""

    experiments = serializers.PrimaryKeyRelatedField(queryset=Experiment.objects.all(), many=True, required=False)
    dois = serializers.ListField(child=serializers.CharField(max_length=300), required=False,
                                 help_text="DOIs as portals link them: bare, doi:-prefixed or doi.org URLs")
    image = serializers.PrimaryKeyRelatedField(queryset=Image.objects.filter(enabled=True))
    flavour = serializers.PrimaryKeyRelatedField(queryset=Flavour.objects.filter(enabled=True))
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_dois(self, raw_dois):
        experiments = []
        for raw in raw_dois:
            try:
                doi = doi_forms.normalise(raw)
            except doi_forms.MalformedDOI as error:
                raise serializers.ValidationError(str(error)) from None
            dataset = Dataset.objects.select_related("experiment").filter(doi=doi).first()
            if dataset is None:
                raise serializers.ValidationError(f"No dataset with the DOI {doi} is registered here.")
            experiments.append(dataset.experiment)
        return experiments

    def validate(self, data):
        named = [*data.pop("experiments", []), *data.pop("dois", [])]
        return {**data, "experiments": list(dict.fromkeys(named))}  # each once, in the order given


class RefusalSerializer(serializers.Serializer):
    """quotas.LaunchRefused.as_dict(): what was refused and what to do."""

    code = serializers.ChoiceField(choices=["quota_exceeded", "approval_required", "cloud_full", "refused"],
                                   required=False, help_text="Absent when the refusal is not the quota's")
    detail = serializers.CharField()
    resource = serializers.CharField(required=False, help_text="instances, vcpus, ram_gb, flavour, image, cloud_…")
    used = serializers.FloatField(required=False)
    limit = serializers.FloatField(required=False)
    requested = serializers.JSONField(required=False)
    purpose = serializers.CharField(required=False)
    quota = serializers.CharField(required=False, help_text="Which quota applies")
    allowed = serializers.ListField(child=serializers.CharField(), required=False)
    state = serializers.CharField(required=False, allow_null=True, help_text="Of the approval request")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices, help_text="The instance's state now")


class InstanceFilter(serializers.Serializer):
    state = serializers.MultipleChoiceField(choices=State.choices, required=False)
    experiment = serializers.IntegerField(min_value=1, required=False)


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstanceEvent
        fields = ["at", "from_state", "to_state", "actor", "reason"]


class ExtensionSerializer(serializers.ModelSerializer):
    days = serializers.IntegerField(min_value=1, max_value=expiry.MAX_EXTENSION_DAYS)

    class Meta:
        model = LifetimeExtension
        fields = ["days", "reason", "decision", "requested_at", "decided_at"]
        read_only_fields = ["decision", "requested_at", "decided_at"]


ACCESS = {"view-only": Role.GUEST, "interactive": Role.USER}


class ShareTokenSerializer(serializers.ModelSerializer):
    access = serializers.SerializerMethodField()
    problem = serializers.SerializerMethodField(help_text="Why it admits nobody now; empty while it may be used")

    class Meta:
        model = ShareToken
        fields = ["id", "label", "access", "email", "uses", "max_uses", "expires_at", "created_at", "revoked_at",
                  "problem"]

    def get_access(self, token) -> str:
        return "view-only" if token.view_only else "interactive"

    def get_problem(self, token) -> str:
        return token.problem()


class NewShareTokenSerializer(serializers.Serializer):
    access = serializers.ChoiceField(choices=list(ACCESS))
    hours = serializers.FloatField(default=24, min_value=0.01, max_value=sharing.MAX_LINK_HOURS,
                                   help_text="It expires after this many hours")
    max_uses = serializers.IntegerField(min_value=1, max_value=sharing.MAX_LINK_USES, required=False, allow_null=True,
                                        help_text="Empty: unlimited")
    email = serializers.EmailField(required=False, allow_blank=True,
                                   help_text="An invitation that only this person may use, once")
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)


CreatedShareToken = inline_serializer("CreatedShareToken", {
    "secret": serializers.CharField(help_text="Shown in this answer only"),
    "url": serializers.URLField(help_text="The link to send: /join/<secret>"),
    "emailed": serializers.BooleanField(help_text="An invitation whose link was e-mailed to its address"),
    "token": ShareTokenSerializer(),
})


# Views -------------------------------------------------------------------------------------------

NOT_YOURS = {403: ErrorSerializer, 404: ErrorSerializer}
ACTED = {202: InstanceSerializer, 409: ConflictSerializer, **NOT_YOURS}


@extend_schema_view(
    list=extend_schema(summary="Your instances and those shared with you", parameters=[
        OpenApiParameter("state", str, enum=State.values, many=True, explode=True,
                         description="Only these states (repeat it for several); without it, all but DELETED"),
        OpenApiParameter("experiment", int, description="Only those with this experiment's data"),
    ], responses={200: InstanceSerializer(many=True), 400: INVALID}),
    retrieve=extend_schema(summary="One instance", responses={200: InstanceSerializer, 404: ErrorSerializer}),
    destroy=extend_schema(summary="Delete it (the cloud server is deleted by a task)", responses=ACTED),
)
class InstanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InstanceSerializer
    lookup_field = "uuid"
    lookup_value_converter = "uuid"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular inspecting the view
            return Instance.objects.none()
        return visible_instances(self.request.user)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        wanted = InstanceFilter(data=self.request.query_params)
        wanted.is_valid(raise_exception=True)
        states, experiment = wanted.validated_data.get("state"), wanted.validated_data.get("experiment")
        queryset = queryset.filter(state__in=states) if states else queryset.exclude(state=State.DELETED)
        return queryset.filter(experiments=experiment) if experiment else queryset

    def owned(self, verb):
        return owned_instance(self.request, self.kwargs["uuid"], verb)

    def answer(self, instance, code=status.HTTP_202_ACCEPTED):
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data, status=code)

    def act(self, verb, change):
        instance = self.owned(verb)
        try:
            change(instance, self.request.user.username)
        except IllegalTransition:
            instance.refresh_from_db()
            raise Conflict({"detail": f"This instance is {instance.state}: it cannot {verb} now.",
                            "state": instance.state}) from None
        return self.answer(instance)

    @extend_schema(
        summary="Launch an instance",
        description="The same launch as the Launch button. A refusal by the quota or the cloud is a 409 "
                    "(403 while an operator's approval is missing) saying what was exceeded and what to do.",
        request=LaunchSerializer,
        responses={201: InstanceSerializer, 400: INVALID, 403: RefusalSerializer, 409: RefusalSerializer},
    )
    def create(self, request):
        launch = LaunchSerializer(data=request.data)
        launch.is_valid(raise_exception=True)
        try:
            instance = services.launch(request.user, **launch.validated_data)
        except LaunchRefused as refusal:
            refused = status.HTTP_403_FORBIDDEN if isinstance(refusal, ApprovalRequired) else status.HTTP_409_CONFLICT
            return Response(refusal.as_dict(), status=refused)
        return self.answer(instance, status.HTTP_201_CREATED)

    def destroy(self, request, uuid):
        return self.act("delete", services.delete)

    @extend_schema(summary="Start a stopped instance", request=None, responses=ACTED)
    @action(detail=True, methods=["post"])
    def start(self, request, uuid):
        return self.act("start", services.start)

    @extend_schema(summary="Stop a running instance", request=None, responses=ACTED)
    @action(detail=True, methods=["post"])
    def stop(self, request, uuid):
        return self.act("stop", services.stop)

    @extend_schema(summary="Reboot a running instance", request=None, responses=ACTED)
    @action(detail=True, methods=["post"])
    def reboot(self, request, uuid):
        return self.act("reboot", services.reboot)

    @extend_schema(
        summary="Ask for a longer lifetime",
        description="Granted at once when the image allows it, else an operator decides.",
        request=ExtensionSerializer, responses={201: ExtensionSerializer, 400: INVALID, **ACTED},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, uuid):
        instance = self.owned("extend")
        asked = ExtensionSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            extension = expiry.request_extension(instance, request.user, **asked.validated_data)
        except IllegalTransition as error:
            raise Conflict({"detail": str(error), "state": instance.state}) from None
        return Response(ExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="What happened to it, oldest first",
                   responses={200: EventSerializer(many=True), 404: ErrorSerializer})
    @action(detail=True, methods=["get"], serializer_class=EventSerializer)
    def events(self, request, uuid):
        page = self.paginate_queryset(self.get_object().events.all())
        return self.get_paginated_response(EventSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="The share links of an instance of yours", responses={
        200: ShareTokenSerializer(many=True), **NOT_YOURS}),
    create=extend_schema(
        summary="Make a share link (or, with an e-mail, a one-time invitation, e-mailed there)",
        description="Its secret and URL are in this answer only; visa keeps only a hash of it.",
        request=NewShareTokenSerializer, responses={201: CreatedShareToken, 400: INVALID, **NOT_YOURS}),
)
class ShareTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ShareTokenSerializer
    lookup_value_converter = "int"

    def instance(self):
        return owned_instance(self.request, self.kwargs["uuid"], "share")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ShareToken.objects.none()
        return self.instance().share_tokens.all()

    def create(self, request, uuid):
        instance = self.instance()
        asked = NewShareTokenSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        token, secret = sharing.create_token(
            instance, request.user, ACCESS[data["access"]], label=data.get("label", "").strip(),
            expires_at=timezone.now() + datetime.timedelta(hours=data["hours"]),
            max_uses=data.get("max_uses"), email=data.get("email", "").strip(),
        )
        url = request.build_absolute_uri(reverse("join", args=[secret]))
        emailed = sharing.email_invitation(token, url) if token.email else False
        return Response({"secret": secret, "url": url, "emailed": emailed, "token": ShareTokenSerializer(token).data},
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a share link: everyone it admitted loses access at once", request=None,
                   responses={200: ShareTokenSerializer, **NOT_YOURS})
    @action(detail=True, methods=["post"])
    def revoke(self, request, uuid, pk):
        token = self.get_object()
        sharing.revoke(token)
        token.refresh_from_db()
        return Response(ShareTokenSerializer(token).data)


class ImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Image
        fields = ["id", "name", "description"]


class FlavourSerializer(serializers.ModelSerializer):
    class Meta:
        model = Flavour
        fields = ["id", "name", "cpus", "ram_mb", "lifetime"]


@extend_schema_view(list=extend_schema(summary="The desktop environments one may launch"),
                    retrieve=extend_schema(responses={200: ImageSerializer, 404: ErrorSerializer}))
class ImageViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_converter = "int"
    queryset = Image.objects.filter(enabled=True).order_by("name")
    serializer_class = ImageSerializer


@extend_schema_view(list=extend_schema(summary="The sizes one may launch"),
                    retrieve=extend_schema(responses={200: FlavourSerializer, 404: ErrorSerializer}))
class FlavourViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_converter = "int"
    queryset = Flavour.objects.filter(enabled=True).order_by("cpus", "ram_mb")
    serializer_class = FlavourSerializer
