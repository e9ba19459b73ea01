import secrets
import uuid

from django.conf import settings
from django.db import models

from quotas.models import Purpose

from .states import LIVE, State


class Image(models.Model):
    """An operator-defined desktop environment: a Glance image with a VNC server inside."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    cloud_id = models.CharField(max_length=64, help_text="Glance image id")
    vnc_port = models.PositiveIntegerField(default=5900)
    enabled = models.BooleanField(default=True)

    def __str__(self):
        return self.name


class Flavour(models.Model):
    name = models.CharField(max_length=100)
    cloud_id = models.CharField(max_length=64, help_text="Nova flavour id")
    cpus = models.PositiveIntegerField()
    ram_mb = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)

    def __str__(self):
        return f"{self.name} ({self.cpus} vCPU, {self.ram_mb // 1024} GB)"


def new_vnc_secret():
    # VNC authentication uses only the first 8 characters of a password.
    return secrets.token_urlsafe(6)


class InstanceQuerySet(models.QuerySet):
    def live(self):
        return self.filter(state__in=LIVE)


class Instance(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="instances")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    state_reason = models.CharField(max_length=500, blank=True)
    image = models.ForeignKey(Image, on_delete=models.PROTECT)
    flavour = models.ForeignKey(Flavour, on_delete=models.PROTECT)
    experiments = models.ManyToManyField(
        "openaccess.Experiment", blank=True, related_name="instances",
        help_text="Experiments whose data is mounted read-only",
    )
    vnc_secret = models.CharField(max_length=16, default=new_vnc_secret, editable=False)
    server_id = models.CharField(max_length=64, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    purpose = models.CharField(
        max_length=8, choices=Purpose.choices, default=Purpose.MEMBER, editable=False,
        help_text="The quota it counts against",
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="The end of its lifetime, from its quota")

    objects = InstanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.uuid})"

    @property
    def server_name(self):
        """The cloud server's name; with the UUID in it, a retried create finds its server."""
        return f"visa-{self.uuid}"


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
