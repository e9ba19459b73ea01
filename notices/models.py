"""What visa tells people beside e-mail: operators' notices to everyone (maintenance, incidents)
and each user's notifications (expiry, requests, decisions, invitations)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notice(models.Model):
    """An operator's message on every page, from `starts_at` until `ends_at`."""

    class Severity(models.TextChoices):
        INFO = "info", "information"
        WARNING = "warning", "warning"
        CRITICAL = "critical", "incident"

    class Closing(models.TextChoices):
        DISMISSIBLE = "dismissible", "each person may close it"
        ACKNOWLEDGE = "acknowledge", "each person must acknowledge it (admin lists who did)"
        FIXED = "fixed", "shown until it ends"

    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.INFO)
    closing = models.CharField(max_length=12, choices=Closing.choices, default=Closing.DISMISSIBLE)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until you delete it")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-severity", "-starts_at"]

    def __str__(self):
        return self.title

    @staticmethod
    def current(at=None):
        at = at or timezone.now()
        return Q(starts_at__lte=at) & (Q(ends_at=None) | Q(ends_at__gt=at))


class NoticeSeen(models.Model):
    """Someone closed or acknowledged a notice."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="seen")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="seen_once")]

    def __str__(self):
        return f"{self.user} on {self.at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """One thing a user should know, shown under the bell until they open their notifications."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True, help_text="A page of visa about it")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text
