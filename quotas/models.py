from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class Purpose(models.TextChoices):
    """Which quota a launch counts against: its data is the user's own, or only open to all."""

    MEMBER = "member", "experiments the user is a member of"
    OPEN_DATA = "open", "open data only"


# What a new installation starts from (migration 0003), and what "reset" restores on a default quota.
DEFAULT_LIMITS = {
    Purpose.MEMBER: {"max_instances": 2, "max_vcpus": 8, "max_ram_gb": 16, "max_lifetime_hours": 14 * 24},
    Purpose.OPEN_DATA: {"max_instances": 1, "max_vcpus": 4, "max_ram_gb": 8, "max_lifetime_hours": 7 * 24},
}


class Quota(models.Model):
    """Limits for one purpose, at one level: the default (no user, no group), a group, or a user.

    The most specific quota applies, as a whole: the user's own, else their groups' (merged, the
    most generous value of each limit), else the default.
    """

    class Level(models.TextChoices):
        DEFAULT = "default", "default"
        GROUP = "group", "group"
        USER = "user", "user"

    purpose = models.CharField(max_length=8, choices=Purpose.choices, default=Purpose.MEMBER)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas")
    max_instances = models.PositiveIntegerField("running instances", default=2)
    max_vcpus = models.PositiveIntegerField("vCPUs", default=8, help_text="Total over running instances")
    max_ram_gb = models.PositiveIntegerField("RAM (GB)", default=16, help_text="Total over running instances")
    # Devices are scarce: none unless an operator grants them.
    max_gpus = models.PositiveIntegerField("GPUs", default=0, help_text="Total over running instances")
    max_lifetime_hours = models.PositiveIntegerField("maximum lifetime (hours)", default=14 * 24)
    flavours = models.ManyToManyField(
        "instances.Flavour", blank=True, related_name="+", help_text="Sizes allowed; none chosen means every size"
    )
    images = models.ManyToManyField(
        "instances.Image", blank=True, related_name="+", help_text="Environments allowed; none chosen means every one"
    )
    requires_approval = models.BooleanField(
        default=False, help_text="Open data only: an operator must accept a user's request before they may launch"
    )

    class Meta:
        ordering = ["user", "group", "purpose"]
        constraints = [
            models.CheckConstraint(condition=Q(user=None) | Q(group=None), name="quota_user_or_group"),
            models.UniqueConstraint(fields=["purpose", "user"], name="one_quota_per_user_and_purpose"),
            models.UniqueConstraint(fields=["purpose", "group"], name="one_quota_per_group_and_purpose"),
            models.UniqueConstraint(
                fields=["purpose"], condition=Q(user=None, group=None), name="one_default_quota_per_purpose"
            ),
        ]

    def __str__(self):
        holder = {self.Level.USER: self.user, self.Level.GROUP: self.group, self.Level.DEFAULT: "default"}[self.level]
        return f"{holder}: {self.get_purpose_display()}"

    @classmethod
    def default(cls, purpose):
        """An unsaved default quota with the built-in limits."""
        return cls(purpose=purpose, **DEFAULT_LIMITS[purpose])

    def clean(self):
        if self.requires_approval and self.purpose != Purpose.OPEN_DATA:
            raise ValidationError({"requires_approval": "Only launches on open data can require approval."})

    @property
    def level(self):
        return self.Level.USER if self.user_id else self.Level.GROUP if self.group_id else self.Level.DEFAULT


class RequestState(models.TextChoices):
    """Where a user's request to the operators stands."""

    PENDING = "pending", "waiting for an operator"
    ACCEPTED = "accepted", "accepted"
    REFUSED = "refused", "refused"


class OperatorsDecision(models.Model):
    """What every request to the operators has: where it stands, and who decided when
    (quotas.operators.settle)."""

    State = RequestState

    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class ApprovalRequest(OperatorsDecision):
    """A user's request to launch on open data, where the open-data quota requires approval."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approval_requests")
    reason = models.TextField(blank=True, help_text="What the user wants to analyse, in their words")

    def __str__(self):
        return f"{self.user}: {self.get_state_display()}"


class QuotaRequest(OperatorsDecision):
    """A user's request for a bigger quota for one purpose: the totals they ask for, and why.
    Accepting it gives the user a quota of their own with at least these limits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quota_requests")
    purpose = models.CharField(max_length=8, choices=Purpose.choices, default=Purpose.MEMBER)
    max_instances = models.PositiveIntegerField("running instances")
    max_vcpus = models.PositiveIntegerField("vCPUs")
    max_ram_gb = models.PositiveIntegerField("RAM (GB)")
    max_lifetime_hours = models.PositiveIntegerField("maximum lifetime (hours)")
    reason = models.TextField(help_text="Why the user needs more, in their words")

    class Meta(OperatorsDecision.Meta):
        constraints = [models.UniqueConstraint(fields=["user", "purpose"], condition=Q(state="pending"),
                                               name="one_pending_quota_request_per_purpose")]

    def __str__(self):
        return f"{self.user}: more for {self.get_purpose_display()} ({self.get_state_display()})"
