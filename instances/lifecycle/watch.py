"""Watching a cloud's servers for the instances that wait on it: one listing per cloud per look.

A step that waits (a server building, stopping, rebooting, going away) does not sleep in its task:
it ends, and leaves its instance marked with the server status it waits to see change
(`queue.wait`). The cloud's watcher lists the cloud's servers every VISA_POLL_INTERVAL and queues
the next step of each waiting instance whose server's status changed or went away, or whose change
ran past VISA_BUILD_TIMEOUT (the step fails it). So a worker slot serves every building server of a
cloud, where a step that slept held one per server, and the cloud is asked once per look, not once
per server. The instances it saw are marked alive (`updated_at`); while the cloud does not answer
the listing they are not, and the reconciler drives them after VISA_STUCK_AFTER, as any stuck one.

One watcher per cloud at a time: a lease on the Cloud row (`watched_until`). It watches for up to
VISA_STEP_SECONDS and ends when nothing waits; the next waiting step, or Celery beat's `watch`
each second, starts another.
"""
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from instances import queue
from instances.cloud import driver as cloud
from instances.models import Cloud, Instance
from instances.states import TRANSIENT

log = logging.getLogger(__name__)


def clouds_waited_on():
    """The clouds that instances wait on and that no watcher watches now."""
    waiting = _waiting().values_list("cloud_id", flat=True).distinct()
    return list(Cloud.objects.filter(pk__in=waiting).exclude(watched_until__gt=timezone.now())
                .values_list("pk", flat=True))


def watch(cloud_pk):
    if not _lease(cloud_pk):
        return
    try:
        _watch(Cloud.objects.get(pk=cloud_pk))
    finally:
        Cloud.objects.filter(pk=cloud_pk).update(watched_until=None)


def _waiting():
    return Instance.objects.filter(state__in=TRANSIENT, step_task__startswith=queue.WAITING)


def _lease(cloud_pk):
    """Take the cloud's watch unless a watcher has it; long enough for a run and its last listing."""
    now = timezone.now()
    until = now + timedelta(seconds=settings.VISA_STEP_SECONDS + 2 * settings.VISA_CLOUD_TIMEOUT)
    free = Q(watched_until__isnull=True) | Q(watched_until__lt=now)
    return Cloud.objects.filter(free, pk=cloud_pk).update(watched_until=until) == 1


def _watch(where):
    deadline = time.monotonic() + settings.VISA_STEP_SECONDS
    while True:
        waiting = list(_waiting().filter(cloud=where).annotate(since=Coalesce("state_changed_at", "created_at"))
                       .values_list("pk", "server_id", "step_task", "since"))
        if not waiting:
            return
        statuses = _statuses(where)
        now = timezone.now()
        if statuses is not None:  # a row write a second at most, not one per look
            Instance.objects.filter(pk__in=[pk for pk, *_ in waiting],
                                    updated_at__lt=now - timedelta(seconds=1)).update(updated_at=now)
        too_long = now - timedelta(seconds=settings.VISA_BUILD_TIMEOUT)
        for pk, server_id, marker, since in waiting:
            waited = marker.removeprefix(queue.WAITING)
            changed = statuses is not None and (not waited or statuses.get(server_id) != waited)
            if changed or since < too_long:
                queue.advance(pk, replacing=marker)
        if time.monotonic() + settings.VISA_POLL_INTERVAL > deadline:
            return
        time.sleep(settings.VISA_POLL_INTERVAL)


def _statuses(where):
    """{server id: status} of the cloud's servers; None if the cloud did not answer."""
    try:
        return cloud.server_statuses(cloud.connect(where))
    except (*cloud.ERRORS, ValueError, KeyError) as error:  # no answer, an error, or not Nova's JSON
        log.warning("watch: cannot list the servers of %s: %s", where.name, error)
        return None
