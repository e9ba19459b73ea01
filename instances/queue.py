"""Queue work for the Celery worker by task name.

Services and lifecycle steps queue through here, so they never import `instances.tasks`, which
imports them (tasks are thin wrappers around the services). Call inside `transaction.on_commit`
where the task must see rows the caller is writing.
"""
from celery import current_app


def advance(instance_pk, act=False):
    """Carry out the instance's change in the cloud (`tasks.advance`)."""
    current_app.send_task("instances.tasks.advance", (instance_pk,), {"act": act})


def capture_thumbnail(instance_pk, expires=None):
    """Take a new picture of the instance's desktop (`tasks.capture_thumbnail`)."""
    current_app.send_task("instances.tasks.capture_thumbnail", (instance_pk,), expires=expires)
