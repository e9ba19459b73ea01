"""Celery tasks: thin wrappers around the lifecycle steps, the reconciler, expiry and thumbnails.
Code that queues one goes through `instances.queue`, by name."""
from celery import shared_task
from django.conf import settings

from instances import queue
from instances.cloud import driver as cloud
from instances.desktop import thumbnails
from instances.lifecycle import expiry, steps
from instances.lifecycle import reconcile as reconciler
from instances.lifecycle import watch as watching
from instances.models import Instance
from visa import logs


@shared_task(bind=True)
def advance(self, instance_pk, attempt=0, act=False):
    """The next step of an instance's change; one that waits on the cloud leaves the instance to
    its cloud's watcher (`watch_cloud`); cloud errors are retried with backoff. A task that is no
    longer the instance's `step_task` was superseded (`queue.advance`) and does nothing."""
    instance = Instance.objects.select_related("image", "flavour", "cloud").filter(
        pk=instance_pk, step_task=self.request.id).first()
    if instance is None:
        return
    with logs.about(instance.uuid):
        _advance(instance, self.request.id, attempt, act)


def _advance(instance, task_id, attempt, act):
    try:
        waiting = steps.advance(instance, act)
    except cloud.ERRORS as error:
        if cloud.transient(error) and attempt + 1 < settings.VISA_CLOUD_RETRIES:
            queue.advance(instance.pk, act, attempt + 1, countdown=steps.retry_delay(attempt))
        else:
            steps.give_up(instance, error, attempt + 1)
        return
    if waiting is not None:
        queue.wait(instance, task_id, waiting)


@shared_task
def watch():
    """Start a watcher for each cloud that instances wait on and no watcher watches (Celery beat,
    each second: a watcher ends after VISA_STEP_SECONDS, or one was not queued)."""
    for cloud_pk in watching.clouds_waited_on():
        queue.watch(cloud_pk)


@shared_task
def watch_cloud(cloud_pk):
    watching.watch(cloud_pk)


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
