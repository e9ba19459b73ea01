from django.conf import settings
from django.db import models


class Quota(models.Model):
    """A user's own instance limit; users without one get settings.VISA_INSTANCE_QUOTA."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quota")
    max_instances = models.PositiveIntegerField(default=2)

    def __str__(self):
        return f"{self.user}: {self.max_instances} instances"
