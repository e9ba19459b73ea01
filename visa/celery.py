import os
import time

from celery import Celery, signals

from visa import metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")

app = Celery("visa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
_started = {}  # task id: monotonic start, in the process that runs it


@signals.task_prerun.connect
def _task_started(task_id, **kwargs):
    _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _task_ended(task_id, task, state, **kwargs):
    """visa_task_seconds, by task and its outcome (SUCCESS, FAILURE, RETRY)."""
    started = _started.pop(task_id, None)
    if started is not None:
        metrics.TASK_SECONDS.labels(task.name, str(state)).observe(time.monotonic() - started)
