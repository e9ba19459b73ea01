"""The REST API's serializers for instances, share links, images, sizes and the user's quota."""
from django.urls import reverse
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from instances.lifecycle.expiry import MAX_EXTENSION_DAYS
from instances.models import Cloud, Flavour, Image, Instance, InstanceEvent, LifetimeExtension, Role, ShareToken
from instances.sharing.links import MAX_LINK_HOURS, MAX_LINK_USES
from instances.states import State
from openaccess import dois
from openaccess.models import Experiment


class InstanceSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    role = serializers.SerializerMethodField(help_text="Yours on this instance: owner, user, guest or support")
    url = serializers.SerializerMethodField(help_text="Its page, with the desktop")
    cloud = serializers.CharField(source="cloud.name", read_only=True, help_text="Where it runs")
    jupyter_url = serializers.SerializerMethodField(
        help_text="Opens its JupyterLab in a browser signed in to visa (null when its image has none)")

    class Meta:
        model = Instance
        fields = ["uuid", "name", "owner", "role", "state", "state_reason", "cloud", "image", "flavour", "experiments",
                  "purpose", "created_at", "expires_at", "last_activity_at", "url", "jupyter_url"]

    def get_role(self, instance) -> str:
        user = self.context["request"].user
        return Role.OWNER if instance.owner_id == user.pk else getattr(instance, "member_role", None) or ""

    def get_url(self, instance) -> str:
        return self.context["request"].build_absolute_uri(reverse("instance", args=[instance.uuid]))

    def get_jupyter_url(self, instance) -> str | None:
        if not instance.image.has_jupyter:
            return None
        return self.context["request"].build_absolute_uri(reverse("instance-jupyter", args=[instance.uuid]))


class LaunchSerializer(serializers.Serializer):
    """What to launch: experiments by id, by DOI, or both (their data is mounted), or no data."""

    experiments = serializers.PrimaryKeyRelatedField(queryset=Experiment.objects.all(), many=True, required=False)
    dois = serializers.ListField(child=serializers.CharField(max_length=300), required=False,
                                 help_text="DOIs as portals link them: bare, doi:-prefixed or doi.org URLs")
    cloud = serializers.SlugRelatedField(
        slug_field="name", queryset=Cloud.objects.filter(enabled=True), required=False,
        help_text="Where it runs (GET /api/clouds/); without it, the image's cloud, else the first you may use")
    image = serializers.PrimaryKeyRelatedField(
        queryset=Image.objects.filter(enabled=True), required=False,
        help_text="Without it, the first environment your quota allows on the cloud, as the launch page preselects")
    flavour = serializers.PrimaryKeyRelatedField(
        queryset=Flavour.objects.filter(enabled=True), required=False,
        help_text="Without it, the smallest size your quota allows, as the launch page preselects")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_dois(self, raw_dois):
        experiments = []
        for raw in raw_dois:
            try:
                experiments.append(dois.find_dataset(raw).experiment)
            except (dois.MalformedDOI, dois.UnknownDOI) as error:
                raise serializers.ValidationError(str(error)) from None
        return experiments

    def validate(self, data):
        named = [*data.pop("experiments", []), *data.pop("dois", [])]
        return {**data, "experiments": list(dict.fromkeys(named))}  # each once, in the order given


class RefusalSerializer(serializers.Serializer):
    """quotas.refusals.LaunchRefused.as_dict(): what was refused and what to do."""

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
    ask_for_more = serializers.CharField(required=False, help_text="quota_exceeded: the page where the user asks "
                                         "the operators for a bigger quota")


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
    days = serializers.IntegerField(min_value=1, max_value=MAX_EXTENSION_DAYS)

    class Meta:
        model = LifetimeExtension
        fields = ["days", "reason", "decision", "requested_at", "decided_at"]
        read_only_fields = ["decision", "requested_at", "decided_at"]


class ShareTokenSerializer(serializers.ModelSerializer):
    access = serializers.SerializerMethodField()
    problem = serializers.SerializerMethodField(help_text="Why it admits nobody now; empty while it may be used")

    class Meta:
        model = ShareToken
        fields = ["id", "label", "access", "email", "uses", "max_uses", "expires_at", "created_at", "revoked_at",
                  "problem"]

    def get_access(self, token) -> str:
        return token.access

    def get_problem(self, token) -> str:
        return token.problem()


class NewShareTokenSerializer(serializers.Serializer):
    """A new link's choices, with their limits in the schema; sharing.links.create_link checks them
    again, for the page and the API alike."""

    access = serializers.ChoiceField(choices=list(ShareToken.ACCESS))
    hours = serializers.FloatField(default=24, min_value=0.01, max_value=MAX_LINK_HOURS,
                                   help_text="It expires after this many hours")
    max_uses = serializers.IntegerField(min_value=1, max_value=MAX_LINK_USES, required=False, allow_null=True,
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


class CloudSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cloud
        fields = ["name", "description"]


class ImageSerializer(serializers.ModelSerializer):
    cloud = serializers.CharField(source="provider.name", read_only=True, help_text="The cloud that offers it")

    class Meta:
        model = Image
        fields = ["id", "name", "description", "cloud", "offers"]


class FlavourSerializer(serializers.ModelSerializer):
    cloud = serializers.CharField(source="provider.name", read_only=True, help_text="The cloud that offers it")

    class Meta:
        model = Flavour
        fields = ["id", "name", "cpus", "ram_mb", "gpus", "lifetime", "cloud"]


def _used_of(kind):
    return inline_serializer(f"Used{kind}", {"used": serializers.FloatField(), "limit": serializers.IntegerField()})


class QuotaSerializer(serializers.Serializer):
    quota = serializers.CharField(source="limits.source", help_text="Which quota applies")
    instances = _used_of("Instances")
    vcpus = _used_of("Vcpus")
    ram_gb = _used_of("RamGb")
    gpus = _used_of("Gpus")
    max_lifetime_hours = serializers.FloatField()
    images = serializers.ListField(child=serializers.IntegerField(),
                                   help_text="The environments it allows, on the clouds you may use")
    flavours = serializers.ListField(child=serializers.IntegerField(),
                                     help_text="The sizes it allows, on the clouds you may use")
    needs_approval = serializers.BooleanField(help_text="An operator must accept a request before a launch")
    approval = serializers.CharField(allow_null=True, help_text="The state of your last approval request")

    def to_representation(self, choices):
        limits, usage = choices["limits"], choices["usage"]
        return {
            "quota": limits.source,
            "instances": {"used": usage.instances, "limit": limits.instances},
            "vcpus": {"used": usage.vcpus, "limit": limits.vcpus},
            "ram_gb": {"used": usage.ram_mb / 1024, "limit": limits.ram_gb},
            "gpus": {"used": usage.gpus, "limit": limits.gpus},
            "max_lifetime_hours": limits.lifetime.total_seconds() / 3600,
            "images": _allowed(Image, choices["clouds"], limits.image_ids),
            "flavours": _allowed(Flavour, choices["clouds"], limits.flavour_ids),
            "needs_approval": choices["needs_approval"],
            "approval": choices["approval"] and choices["approval"].state,
        }


def _allowed(model, clouds, ids):
    """The enabled images or flavours of these clouds that `ids` allows (None: all), by id."""
    return [pk for pk in model.objects.filter(enabled=True, provider__in=clouds).order_by("pk")
            .values_list("pk", flat=True) if ids is None or pk in ids]
