from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil

register = template.Library()


@register.filter
def time_left(deadline):
    """"in 13 days", "in 5 hours": the largest unit only, as a card has room for."""
    if deadline <= timezone.now():
        return "now"
    return f"in {timeuntil(deadline, depth=1)}"
