"""Who shares a desktop: roles, members, share links, live desktop sessions and support staff's
access requests."""
from django.conf import settings
from django.db import models
from django.utils import timezone

from .instance import Instance


class Role(models.TextChoices):
    """Roles on a desktop, as facilities know them."""

    OWNER = "owner", "owner"  # launched it; always controls (Instance.owner, never a member row)
    USER = "user", "user"  # controls unless the owner locks the room
    GUEST = "guest", "guest"  # only watches: the proxy drops its input
    SUPPORT = "support", "support"  # an operator; always controls


class InstanceMember(models.Model):
    """Someone admitted to an instance's desktop besides its owner."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices)
    token = models.ForeignKey(
        "ShareToken", null=True, blank=True, on_delete=models.CASCADE, related_name="members",
        help_text="The link that admitted them; revoking it removes them",
    )
    team = models.BooleanField(
        default=False, help_text="Admitted as a member of an attached experiment (VISA_TEAM_ACCESS), not by the owner",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "user"], name="one_membership_per_user")]

    def __str__(self):
        return f"{self.user} ({self.role}) on {self.instance}"


class BlockedUser(models.Model):
    """Someone the owner removed and blocked: no link admits them again until the owner adds them."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="blocked")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "user"], name="one_block_per_user")]

    def __str__(self):
        return f"{self.user} blocked from {self.instance}"


class ShareToken(models.Model):
    """A share link or a one-time invitation. Only the SHA-256 of its secret is stored."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="share_tokens")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True)
    # What a link's access means: the role it admits with.
    ACCESS = {"interactive": Role.USER, "view-only": Role.GUEST}

    role = models.CharField(max_length=8, choices=[(role, access) for access, role in ACCESS.items()])
    email = models.EmailField(blank=True, help_text="An invitation: only this person may use it, once")
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited")
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.label or f"{self.access.capitalize()} link"

    @property
    def view_only(self):
        return self.role == Role.GUEST

    @property
    def access(self):
        """"view-only" or "interactive", as pages and the API name a link's access."""
        return next(access for access, role in self.ACCESS.items() if role == self.role)

    def problem(self, at=None, counting_uses=True):
        """Why the token admits nobody now, or "" when it may be used (by someone it admitted
        before, without `counting_uses`: their use is counted already)."""
        if self.revoked_at:
            return "This link was revoked by the desktop's owner."
        if self.expires_at and self.expires_at <= (at or timezone.now()):
            return "This link has expired."
        if counting_uses and self.max_uses is not None and self.uses >= self.max_uses:
            return "This link has been used as often as its owner allowed."
        return ""


class DesktopSession(models.Model):
    """One live (or past) connection through a proxy into the VM: the desktop's, or one of
    JupyterLab's WebSockets (kernels, terminals), so that one kick or revoke reaches them all."""

    class Channel(models.TextChoices):
        DESKTOP = "desktop", "desktop"
        JUPYTER = "jupyter", "JupyterLab"

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="desktop_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=8, choices=Role.choices)
    token = models.ForeignKey(ShareToken, null=True, blank=True, on_delete=models.SET_NULL)
    session_key = models.CharField(max_length=40, blank=True,
                                   help_text="A guest without account's session, whose access a kick ends")
    channel_name = models.CharField(max_length=200, help_text="The proxy connection's channel, for kicking it")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.DESKTOP)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(default=timezone.now, help_text="The proxy connection's last heartbeat")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]

    def __str__(self):
        return f"{self.name} ({self.role}) on {self.instance}"


class AccessRequest(models.Model):
    """A support operator asks the owner to be let in; the owner answers on the instance page."""

    class Answer(models.TextChoices):
        GUEST = "guest", "admitted as guest"
        SUPPORT = "support", "admitted as support"
        REFUSED = "refused", "refused"

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="access_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.CharField(max_length=8, choices=Answer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.user} asks for access to {self.instance}"
