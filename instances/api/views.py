"""The REST API for instances: the user's own and those shared with them, launching from
experiments or DOIs, lifecycle actions, history, share links, and the user's quota. Every change
goes through the same services as the pages; a state that does not allow an action is a 409."""
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from instances.lifecycle import expiry, services
from instances.lifecycle.quota import clouds_for, launch_choices
from instances.models import Flavour, Image, Instance, ShareToken
from instances.sharing import links, roles
from instances.states import IllegalTransition, State
from quotas.limits import purpose_of
from quotas.models import Purpose
from quotas.refusals import ApprovalRequired, LaunchRefused
from visa.parsers import JSONParser
from visa.schema import INVALID, ErrorSerializer

from .serializers import (
    CloudSerializer,
    ConflictSerializer,
    CreatedShareToken,
    EventSerializer,
    ExtensionSerializer,
    FlavourSerializer,
    ImageSerializer,
    InstanceFilter,
    InstanceSerializer,
    LaunchSerializer,
    NewShareTokenSerializer,
    QuotaSerializer,
    RefusalSerializer,
    ShareTokenSerializer,
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_state"


def visible_instances(user):
    return roles.instances_of(user).select_related("owner", "image").prefetch_related("experiments")


def owned_instance(request, uuid, verb):
    """The instance, if the user owns it: 404 if they cannot see it, 403 if they may not `verb` it."""
    instance = get_object_or_404(visible_instances(request.user), uuid=uuid)
    if instance.owner_id != request.user.pk:
        raise exceptions.PermissionDenied(f"Only the owner of this instance may {verb} it.")
    return instance


def with_defaults(user, wanted):
    """The launch asked for, with the environment and size the launch page would preselect where it
    names none, on the cloud named, else the image's, else the first the user may use; where the
    quota allows none, the first there is, so that the refusal says why."""
    where = wanted.pop("cloud", None)
    if where and not clouds_for(user).filter(pk=where.pk).exists():
        raise exceptions.ValidationError({"cloud": [f"You may not launch on {where.name}: GET /api/clouds/ lists "
                                                    "the clouds you may use."]})
    named = wanted.get("image") or wanted.get("flavour")
    if where and named and named.provider_id != where.pk:
        raise exceptions.ValidationError({"cloud": [f"{named.name} is not offered on {where.name}."]})
    if "image" in wanted and "flavour" in wanted:
        return wanted
    choices = launch_choices(user, purpose_of(user, wanted["experiments"]), where or (named and named.provider))
    defaults = {}
    for field, offered in (("image", choices["environments"]), ("flavour", choices["sizes"])):
        if not offered:
            raise exceptions.ValidationError({field: ["None is offered: ask the operators."]})
        defaults[field] = next((item for item, why in offered if not why), offered[0][0])
    return {**defaults, **wanted}


LAUNCH_KEY_LENGTH = Instance._meta.get_field("launch_key").max_length
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
    parser_classes = [JSONParser]
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
        parameters=[OpenApiParameter(
            "Idempotency-Key", str, OpenApiParameter.HEADER,
            description=f"Any string of up to {LAUNCH_KEY_LENGTH} characters that names this launch, such as a "
                        "UUID: a request with a key you launched with before makes nothing and answers 200 with "
                        "that instance, so a retry after a lost answer never makes a second desktop.",
        )],
        responses={201: InstanceSerializer, 200: InstanceSerializer, 400: INVALID, 403: RefusalSerializer,
                   409: RefusalSerializer},
    )
    def create(self, request):
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > LAUNCH_KEY_LENGTH:
            raise exceptions.ValidationError({"Idempotency-Key": [f"At most {LAUNCH_KEY_LENGTH} characters."]})
        if earlier := services.launched(request.user, key):
            return self.answer(earlier, status.HTTP_200_OK)
        launch = LaunchSerializer(data=request.data)
        launch.is_valid(raise_exception=True)
        try:
            instance = services.launch(request.user, **with_defaults(request.user, launch.validated_data), key=key)
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
        except (IllegalTransition, expiry.ExtensionRefused) as error:
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
    parser_classes = [JSONParser]
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
        try:
            token, secret = links.create_link(instance, request.user, **asked.validated_data)
        except links.InvalidLink as error:
            raise exceptions.ValidationError({field: [why] for field, why in error.errors.items()}) from None
        url = request.build_absolute_uri(reverse("join", args=[secret]))
        emailed = links.email_invitation(token, url) if token.email else False
        return Response({"secret": secret, "url": url, "emailed": emailed, "token": ShareTokenSerializer(token).data},
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Revoke a share link: everyone it admitted loses access at once", request=None,
                   responses={200: ShareTokenSerializer, **NOT_YOURS})
    @action(detail=True, methods=["post"])
    def revoke(self, request, uuid, pk):
        token = self.get_object()
        links.revoke(token)
        token.refresh_from_db()
        return Response(ShareTokenSerializer(token).data)


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


@extend_schema_view(list=extend_schema(summary="The clouds you may launch on, in the order offered"))
class CloudViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CloudSerializer

    def get_queryset(self):
        return clouds_for(self.request.user)


class MyQuota(APIView):
    @extend_schema(
        summary="Your quotas and what you use of them",
        description="`member`: launches with data of experiments you are a member of; `open`: open data only, "
                    "or no data. Usage counts your instances that are not deleted or failed.",
        responses={200: inline_serializer("MyQuota", {purpose: QuotaSerializer() for purpose in Purpose.values})},
    )
    def get(self, request):
        return Response({purpose: QuotaSerializer(launch_choices(request.user, purpose)).data
                         for purpose in Purpose.values})
