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
from kombu.exceptions import OperationalError

from .models import Instance

log = logging.getLogger(__name__)


def advance(instance_pk, act=False, attempt=0, countdown=None):
    """Carry out the instance's change in the cloud (`tasks.advance`). The task's id is written on
    the instance first: a task whose id is no longer there was superseded (by a newer change, or it
    is a copy the broker delivered again) and stops, so one chain of steps drives each instance."""
    task_id = str(uuid.uuid4())
    Instance.objects.filter(pk=instance_pk).update(step_task=task_id)
    try:
        current_app.send_task("instances.tasks.advance", (instance_pk,), {"act": act, "attempt": attempt},
                              task_id=task_id, countdown=countdown, ignore_result=True)
    except OperationalError as error:
        Instance.objects.filter(pk=instance_pk, step_task=task_id).update(step_task="")
        uuid_of = Instance.objects.filter(pk=instance_pk).values_list("uuid", flat=True).first()
        log.warning("instance %s: its step is left to the reconciler, the broker did not take it: %s",
                    uuid_of, error)


def capture_thumbnail(instance_pk, expires=None):
    """Take a new picture of the instance's desktop (`tasks.capture_thumbnail`); best effort."""
    try:
        current_app.send_task("instances.tasks.capture_thumbnail", (instance_pk,), expires=expires,
                              ignore_result=True)
    except OperationalError as error:
        log.warning("instance %s: no thumbnail, the broker did not take it: %s", instance_pk, error)
