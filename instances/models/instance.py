"""The catalogue operators offer (Image, Flavour) and an instance with its history, lifetime
extensions and thumbnail."""
import secrets
import uuid

from django.conf import settings
from django.db import models

from instances.states import LIVE, State
from quotas.models import Purpose

from .cloud import Cloud


def default_cloud():
    return Cloud.default_pk()


class Image(models.Model):
    """An operator-defined environment: a Glance image with a VNC desktop, JupyterLab, or both inside."""

    class Offers(models.TextChoices):
        DESKTOP = "desktop", "remote desktop"
        JUPYTER = "jupyter", "JupyterLab"
        BOTH = "both", "remote desktop and JupyterLab"

    class Icon(models.TextChoices):
        """Pictures bundled with visa (visa/static/visa/icons/): a choice, not an upload, so that
        operators need no media storage and no uploaded SVG can carry a script."""

        DESKTOP = "desktop", "desktop"
        NOTEBOOK = "notebook", "notebook (Jupyter, Python)"
        TERMINAL = "terminal", "terminal (command line)"
        CHART = "chart", "chart (data analysis)"
        IMAGE = "image", "picture (imaging, tomography)"
        CUBE = "cube", "cube (3D visualisation)"
        ATOM = "atom", "atom (simulation, structures)"
        CODE = "code", "code (programming)"

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="What it has inside, shown where users choose an environment")
    icon = models.CharField(max_length=16, choices=Icon.choices, default=Icon.DESKTOP,
                            help_text="Shown beside its name where users choose an environment")
    # `cloud_id` is its id in that cloud, so the cloud itself is the provider
    provider = models.ForeignKey(Cloud, on_delete=models.PROTECT, default=default_cloud, related_name="images",
                                 verbose_name="cloud", help_text="The cloud that offers it")
    cloud_id = models.CharField(max_length=64, help_text="Glance image id")
    vnc_port = models.PositiveIntegerField(default=5900)
    offers = models.CharField(max_length=8, choices=Offers.choices, default=Offers.DESKTOP,
                              help_text="What its instances open in the browser; JupyterLab needs the "
                                        "jupyterlab package in the image (cloud-init starts it)")
    jupyter_port = models.PositiveIntegerField(default=8888, help_text="Where JupyterLab listens in the VM")
    enabled = models.BooleanField(default=True)
    auto_accept_extensions = models.BooleanField(
        default=False, help_text="Grant owners' requests for a longer lifetime without an operator"
    )

    def __str__(self):
        return self.name

    @property
    def has_desktop(self):
        return self.offers != self.Offers.JUPYTER

    @property
    def has_jupyter(self):
        return self.offers != self.Offers.DESKTOP

    @property
    def icon_static(self):
        """The icon's path among the static files."""
        return f"visa/icons/{self.icon}.svg"


class Flavour(models.Model):
    name = models.CharField(max_length=100)
    provider = models.ForeignKey(Cloud, on_delete=models.PROTECT, default=default_cloud, related_name="flavours",
                                 verbose_name="cloud", help_text="The cloud that offers it")
    cloud_id = models.CharField(max_length=64, help_text="Nova flavour id")
    cpus = models.PositiveIntegerField()
    ram_mb = models.PositiveIntegerField()
    gpus = models.PositiveIntegerField(
        "GPUs", default=0, help_text="Devices each instance gets (the Nova flavour passes them through); "
        "counted by quotas beside vCPUs and memory")
    enabled = models.BooleanField(default=True)
    lifetime = models.DurationField(
        null=True, blank=True, help_text="How long its instances live; empty for the site default (VISA_LIFETIME_HOURS)"
    )

    def __str__(self):
        gpus = f", {self.gpus} GPU{'s' if self.gpus > 1 else ''}" if self.gpus else ""
        return f"{self.name} ({self.cpus} vCPU, {self.ram_mb // 1024} GB{gpus})"


def new_vnc_secret():
    # VNC authentication uses only the first 8 characters of a password.
    return secrets.token_urlsafe(6)


class InstanceQuerySet(models.QuerySet):
    def live(self):
        return self.filter(state__in=LIVE)

    def visible_to(self, user):
        """The instances on a user's home page: owned or shared with them, not yet deleted."""
        shared = models.Q(members__user=user)
        return self.filter(models.Q(owner=user) | shared).exclude(state=State.DELETED).distinct()


class Instance(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="instances")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    state_reason = models.CharField(max_length=500, blank=True)
    image = models.ForeignKey(Image, on_delete=models.PROTECT)
    flavour = models.ForeignKey(Flavour, on_delete=models.PROTECT)
    # Its own, not its image's: an operator may move an image to another cloud, the server stays where it is.
    cloud = models.ForeignKey(Cloud, on_delete=models.PROTECT, default=default_cloud, related_name="instances",
                              help_text="Where its server is")
    experiments = models.ManyToManyField(
        "openaccess.Experiment", blank=True, related_name="instances",
        help_text="Experiments whose data is mounted read-only",
    )
    vnc_secret = models.CharField(max_length=16, default=new_vnc_secret, editable=False)
    # A rotation (manage.py rotate_vm_secrets) waits here until the VM's mount agent has taken the
    # new VNC secret and the agent token of the next generation (instances/cloud/vmsecrets.py).
    vnc_secret_next = models.CharField(max_length=16, blank=True, editable=False)
    agent_generation = models.PositiveIntegerField(default=0, editable=False)
    server_id = models.CharField(max_length=64, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    purpose = models.CharField(
        max_length=8, choices=Purpose.choices, default=Purpose.MEMBER, editable=False,
        help_text="The quota it counts against",
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Deleted at this time")
    last_activity_at = models.DateTimeField(
        null=True, blank=True, help_text="Last desktop connection or input, recorded at most once a minute"
    )
    lifetime_warned_at = models.DateTimeField(null=True, blank=True)
    inactivity_warned_at = models.DateTimeField(null=True, blank=True)
    room_locked = models.BooleanField(default=False, help_text="Users only watch; owner and support control")
    launch_key = models.CharField(
        max_length=100, blank=True, editable=False, help_text="The Idempotency-Key it was launched with"
    )
    # Where it was placed (instances.lifecycle.placement, at launch): the cloud's names, empty for
    # the cloud's own defaults, and why, as the launch page and the instance's details say it.
    networks = models.JSONField(default=list, blank=True, editable=False)
    security_groups = models.JSONField(default=list, blank=True, editable=False)
    placement_reasons = models.JSONField(default=list, blank=True, editable=False)
    step_task = models.CharField(
        max_length=36, blank=True, editable=False,
        help_text="The queued task that carries out its change; empty when none could be queued",
    )

    objects = InstanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "launch_key"], condition=~models.Q(launch_key=""),
                                    name="one_instance_per_launch_key"),
        ]
        # Granted in admin to operators who must see every instance's page (its data paths still
        # only to those who may read the data); other staff ask the owner for access.
        permissions = [("view_any_instance", "Can see any instance's page")]

    def __str__(self):
        return f"{self.name} ({self.uuid})"

    @property
    def vnc_secrets(self):
        """The VNC secrets its VM may have now: during a rotation, the old one or already the new."""
        return [self.vnc_secret, *filter(None, [self.vnc_secret_next])]

    @property
    def server_name(self):
        """The cloud server's name; with the UUID in it, a retried create finds its server."""
        return f"visa-{self.uuid}"


class Thumbnail(models.Model):
    """A small picture of the instance's desktop for the home page, taken over VNC (`thumbnails`).
    Its own table, so the picture is read only when served, never with the instance."""

    instance = models.OneToOneField(Instance, on_delete=models.CASCADE, primary_key=True, related_name="thumbnail")
    jpeg = models.BinaryField()
    taken_at = models.DateTimeField()

    def __str__(self):
        return f"thumbnail of {self.instance} at {self.taken_at}"


class InstanceEvent(models.Model):
    """One state transition, written before the cloud call it announces and after it."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=16, choices=State.choices)
    to_state = models.CharField(max_length=16, choices=State.choices)
    actor = models.CharField(max_length=150, help_text="user name, or the task that acted")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class LifetimeExtension(models.Model):
    """An owner's request for a longer lifetime, decided by an operator (or the image)."""

    class Decision(models.TextChoices):
        PENDING = "PENDING"
        ACCEPTED = "ACCEPTED"
        REFUSED = "REFUSED"

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    days = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.days} more days for {self.instance.name}: {self.decision}"
