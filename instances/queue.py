"""Queue work for the Celery worker by task name.

Services and lifecycle steps queue through here, so they never import `instances.tasks`, which
imports them (tasks are thin wrappers around the services). Call inside `transaction.on_commit`
where the task must see rows the caller is writing. Nothing waits for a task's result, so queueing
never subscribes to the result backend (which would fail with the broker's Redis down).

A broker that does not answer never undoes committed work: the failure is logged, the instance
keeps an empty `step_task`, and the reconciler queues its step once the broker is back.
"""
import logging
import uuid

from celery import current_app
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import Cloud, Instance

log = logging.getLogger(__name__)
# `step_task` of an instance whose step waits on its cloud, followed by the server status it waits
# to see change (none: the next look decides).
WAITING = "wait:"


def advance(instance_pk, act=False, attempt=0, countdown=None, replacing=None):
    """Carry out the instance's change in the cloud (`tasks.advance`). The task's id is written on
    the instance first: a task whose id is no longer there was superseded (by a newer change, or it
    is a copy the broker delivered again) and stops, so one chain of steps drives each instance.
    `replacing`: only if the instance's `step_task` is still that (the watcher's wake must not
    supersede a change queued meanwhile)."""
    task_id = str(uuid.uuid4())
    rows = Instance.objects.filter(pk=instance_pk)
    if replacing is not None:
        rows = rows.filter(step_task=replacing)
    if not rows.update(step_task=task_id):
        return
    try:
        current_app.send_task("instances.tasks.advance", (instance_pk,), {"act": act, "attempt": attempt},
                              task_id=task_id, countdown=countdown, ignore_result=True)
    except OperationalError as error:
        Instance.objects.filter(pk=instance_pk, step_task=task_id).update(step_task="")
        uuid_of = Instance.objects.filter(pk=instance_pk).values_list("uuid", flat=True).first()
        log.warning("instance %s: its step is left to the reconciler, the broker did not take it: %s",
                    uuid_of, error)


def wait(instance, task_id, status):
    """The step `task_id` of `instance` waits on the cloud: it leaves the instance to its cloud's
    watcher (`tasks.watch_cloud`), which queues the next step once the server's status is no longer
    `status` ("": at its next look), and starts the watcher unless one is under way."""
    marker = (WAITING + status)[:36]
    if not Instance.objects.filter(pk=instance.pk, step_task=task_id).update(step_task=marker):
        return  # superseded meanwhile
    if not Cloud.objects.filter(pk=instance.cloud_id, watched_until__gt=timezone.now()).exists():
        watch(instance.cloud_id)


def watch(cloud_pk):
    """Watch the cloud's servers for the instances waiting on it (`tasks.watch_cloud`). A watcher
    the broker did not take is started by Celery beat's next `watch`, a second later."""
    try:
        current_app.send_task("instances.tasks.watch_cloud", (cloud_pk,), ignore_result=True)
    except OperationalError as error:
        log.warning("cloud %s: not watched now, the broker did not take it: %s", cloud_pk, error)


def capture_thumbnail(instance_pk, expires=None):
    """Take a new picture of the instance's desktop (`tasks.capture_thumbnail`); best effort."""
    try:
        current_app.send_task("instances.tasks.capture_thumbnail", (instance_pk,), expires=expires,
                              ignore_result=True)
    except OperationalError as error:
        log.warning("instance %s: no thumbnail, the broker did not take it: %s", instance_pk, error)
