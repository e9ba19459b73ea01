from django import template
from django.utils import timezone

from instances.lifecycle.expiry import SOON

register = template.Library()
UNITS = [("day", 86400), ("hour", 3600), ("minute", 60)]


@register.filter
def time_left(deadline):
    """"in 13 days", "in 5 hours": the largest unit only, as a card has room for."""
    seconds = (deadline - timezone.now()).total_seconds()
    for unit, size in UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"in {count} {unit}{'s' if count != 1 else ''}"
    return "in less than a minute" if seconds > 0 else "now"


@register.filter
def ends_soon(deadline):
    """Whether a card should highlight its end and offer to extend (lifecycle.expiry.SOON)."""
    return bool(deadline) and deadline - timezone.now() < SOON
