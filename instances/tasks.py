from celery import shared_task
from django.conf import settings

from . import cloud, expiry, lifecycle, reconcile as reconciler
from .models import Instance


@shared_task
def advance(instance_pk, attempt=0, act=False):
    """One step of an instance's change; schedules the next, and retries cloud errors with backoff."""
    instance = Instance.objects.select_related("image", "flavour").filter(pk=instance_pk).first()
    if instance is None:
        return
    try:
        delay = lifecycle.advance(instance, act)
    except cloud.ERRORS as error:
        if cloud.transient(error) and attempt + 1 < settings.VISA_CLOUD_RETRIES:
            advance.apply_async((instance_pk,), {"attempt": attempt + 1, "act": act},
                                countdown=lifecycle.retry_delay(attempt))
        else:
            lifecycle.give_up(instance, error, attempt + 1)
        return
    if delay is not None:
        advance.apply_async((instance_pk,), countdown=delay)


@shared_task
def reconcile():
    reconciler.reconcile()


@shared_task
def expire():
    expiry.expire()
