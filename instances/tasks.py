"""Celery tasks: thin wrappers around the lifecycle steps, the reconciler, expiry and thumbnails.
Code that queues one goes through `instances.queue`, by name."""
import time

from celery import shared_task
from django.conf import settings

from instances import queue
from instances.cloud import driver as cloud
from instances.desktop import thumbnails
from instances.lifecycle import expiry, steps
from instances.lifecycle import reconcile as reconciler
from instances.models import Instance
from visa import logs


@shared_task(bind=True)
def advance(self, instance_pk, attempt=0, act=False):
    """Steps of an instance's change for up to VISA_STEP_SECONDS, then the task schedules itself
    again, so no task holds a worker for long; cloud errors are retried with backoff. A task that is
    no longer the instance's `step_task` was superseded (`queue.advance`) and does nothing."""
    instance = Instance.objects.select_related("image", "flavour", "cloud").filter(
        pk=instance_pk, step_task=self.request.id).first()
    if instance is None:
        return
    with logs.about(instance.uuid):
        _advance(instance, attempt, act)


def _advance(instance, attempt, act):
    instance_pk = instance.pk
    deadline = time.monotonic() + settings.VISA_STEP_SECONDS
    while True:
        try:
            delay = steps.advance(instance, act)
        except cloud.ERRORS as error:
            if cloud.transient(error) and attempt + 1 < settings.VISA_CLOUD_RETRIES:
                queue.advance(instance_pk, act, attempt + 1, countdown=steps.retry_delay(attempt))
            else:
                steps.give_up(instance, error, attempt + 1)
            return
        if delay is None:
            return
        if time.monotonic() + delay > deadline:
            queue.advance(instance_pk, countdown=delay)
            return
        time.sleep(delay)
        instance.refresh_from_db()
        act = False


@shared_task
def reconcile():
    reconciler.reconcile()


@shared_task
def expire():
    expiry.expire()


@shared_task
def capture_thumbnail(instance_pk):
    thumbnails.capture(instance_pk)


@shared_task
def refresh_thumbnails():
    """Queue a capture of each desktop in use; one not taken within a period is dropped, since the
    next period queues a newer one."""
    for pk in thumbnails.due():
        capture_thumbnail.apply_async((pk,), expires=settings.VISA_THUMBNAIL_PERIOD)
