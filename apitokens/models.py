from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A personal token a user's scripts call the API with. Only the SHA-256 of its secret is
    stored; its first characters (`prefix`) let the user recognise it in a list."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the user calls it, e.g. the script that uses it")
    prefix = models.CharField(max_length=16, editable=False, help_text="The secret's first characters")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, help_text="Recorded at most once a minute")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until revoked")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def problem(self, at=None):
        """Why the token signs nobody in now, or "" when it may be used."""
        if self.revoked_at:
            return "This API token was revoked."
        if self.expires_at and self.expires_at <= (at or timezone.now()):
            return "This API token has expired."
        return ""
