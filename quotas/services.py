"""Quota checks. reserve() runs inside the transaction that creates the instance."""
from django.conf import settings
from django.contrib.auth import get_user_model

from .models import Quota


class QuotaExceeded(Exception):
    pass


def limit_for(user) -> int:
    quota = Quota.objects.filter(user=user).first()
    return quota.max_instances if quota else settings.VISA_INSTANCE_QUOTA


def reserve(user, live_instances) -> None:
    """Check that `user` may have one more instance; call inside the creating transaction.

    Locking the user's row serialises concurrent launches by the same user (on PostgreSQL),
    so the count and the insert that follows cannot interleave with another launch.
    """
    get_user_model().objects.select_for_update().get(pk=user.pk)
    limit = limit_for(user)
    running = live_instances.count()
    if running >= limit:
        raise QuotaExceeded(
            f"{running} of {limit} instances running: delete one, or ask for more."
        )
