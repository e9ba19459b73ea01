"""A notice saved or deleted (in admin, or by a script) reaches every open page at once."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import services
from .models import Notice


@receiver(post_save, sender=Notice)
@receiver(post_delete, sender=Notice)
def notice_changed(sender, **kwargs):
    services.push(services.EVERYONE)
