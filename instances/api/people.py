"""The REST API for the people a desktop is shared with (list, add, change, remove and block) and
its live connections (list, disconnect): the owner's Share panel for scripts, through the same
`sharing` services."""
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from instances.models import DesktopSession, InstanceMember, Role, ShareToken
from instances.sharing import access, members, sessions
from visa.parsers import JSONParser
from visa.schema import INVALID

from .views import NOT_YOURS, owned_instance

ACCESS_OF = {role: name for name, role in ShareToken.ACCESS.items()}


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()
    access = serializers.SerializerMethodField(help_text="interactive or view-only; empty for support staff")
    via = serializers.SerializerMethodField(help_text="The link they joined with, if they joined with one")

    class Meta:
        model = InstanceMember
        fields = ["id", "username", "name", "role", "access", "via", "team", "created_at"]

    def get_name(self, member) -> str:
        return members.name_of(member.user)

    def get_access(self, member) -> str:
        return ACCESS_OF.get(member.role, "")

    def get_via(self, member) -> str | None:
        return member.token and str(member.token)


class NewMemberSerializer(serializers.Serializer):
    who = serializers.CharField(max_length=254, help_text="Their user name or e-mail address")
    access = serializers.ChoiceField(choices=list(ShareToken.ACCESS))


class MemberAccessSerializer(serializers.Serializer):
    access = serializers.ChoiceField(choices=list(ShareToken.ACCESS))


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DesktopSession
        fields = ["id", "name", "role", "started_at"]


class OwnersInstance:
    def instance(self):
        return owned_instance(self.request, self.kwargs["uuid"], "share")


@extend_schema_view(
    list=extend_schema(summary="The people an instance of yours is shared with",
                       responses={200: MemberSerializer(many=True), **NOT_YOURS}),
    create=extend_schema(summary="Share it with someone who has signed in to visa (unblocking them)",
                         request=NewMemberSerializer, responses={201: MemberSerializer, 400: INVALID, **NOT_YOURS}),
    partial_update=extend_schema(summary="Make a member interactive or view-only; their desktop follows at once",
                                 request=MemberAccessSerializer,
                                 responses={200: MemberSerializer, 400: INVALID, **NOT_YOURS}),
    destroy=extend_schema(
        summary="Remove a member and disconnect them",
        parameters=[OpenApiParameter("block", bool, description="Also block them: no link admits them again")],
        responses={204: None, **NOT_YOURS}),
)
class MemberViewSet(OwnersInstance, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    parser_classes = [JSONParser]
    serializer_class = MemberSerializer
    lookup_value_converter = "int"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InstanceMember.objects.none()
        return self.instance().members.select_related("user", "token").order_by("created_at")

    def create(self, request, uuid):
        asked = NewMemberSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            member = members.add(self.instance(), **asked.validated_data)
        except members.MemberError as error:
            raise exceptions.ValidationError({"who": [str(error)]}) from None
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, uuid, pk):
        member = self.get_object()
        asked = MemberAccessSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        members.set_access(member, asked.validated_data["access"])
        return Response(MemberSerializer(member).data)

    def perform_destroy(self, member):
        block = serializers.BooleanField().to_internal_value(self.request.query_params.get("block", "false"))
        members.remove(member, block=block)


@extend_schema_view(list=extend_schema(summary="Who is connected to an instance of yours now",
                                       responses={200: SessionSerializer(many=True), **NOT_YOURS}))
class SessionViewSet(OwnersInstance, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SessionSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DesktopSession.objects.none()
        return sessions.live_sessions(self.instance())

    @extend_schema(summary="Disconnect someone; a member also loses access (a link may admit them again)",
                   request=None, responses={204: None, 400: INVALID, **NOT_YOURS})
    @action(detail=True, methods=["post"])
    def disconnect(self, request, uuid, pk):
        session = self.get_object()
        if session.role == Role.OWNER:
            raise exceptions.ValidationError({"detail": "You cannot disconnect yourself here."})
        access.kick(session)
        return Response(status=status.HTTP_204_NO_CONTENT)
