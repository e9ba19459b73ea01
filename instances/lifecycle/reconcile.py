"""Bring the database and the cloud into agreement; run periodically by Celery beat.

Servers visa made carry their instance's UUID in their metadata. A server whose instance is not
live is an orphan and is deleted; a live instance whose server vanished goes to ERROR; one whose
server was stopped or started in the cloud itself (not by visa) takes the server's state; one in a
transient state whose task stopped (a worker killed, a message lost) is driven again; one in
UNKNOWN gets its real state back once the cloud answers. Instances that changed after the
servers were listed are left for the next run. A step the broker did not take (it was down) is
queued again at the next run. One run at a time (an advisory lock on PostgreSQL); every change
goes through `transition`, which re-checks the state under a row lock.

Each cloud is reconciled on its own (`_reconcile_cloud`): a cloud that does not answer, or
answers with errors, affects its own instances only; the others are reconciled all the same.
"""
import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from instances import queue
from instances.cloud import driver as cloud
from instances.models import Cloud, Instance
from instances.sharing import sessions
from instances.states import RESTING, TRANSIENT, WITH_SERVER, State
from visa import metrics

from . import reasons
from .services import transition

log = logging.getLogger(__name__)
LOCK_KEY = 0x76697361  # "visa"
RECONCILER = "reconciler"
BY_SERVER_STATUS = {"ACTIVE": State.ACTIVE, "SHUTOFF": State.STOPPED}  # the resting state a server shows


def reconcile():
    # Before the lock and the clouds: a run held up by a cloud that does not answer must not keep
    # the sessions of a dead process counted as connected.
    lost = sessions.end_lost_sessions()
    if lost:
        metrics.DRIFT.labels("lost_sessions").inc(lost)
        log.info("reconcile: ended %d desktop sessions of a process that died", lost)
    with _exclusive() as mine:
        if not mine:
            log.info("reconcile: another run is under way")
            return
        for where in Cloud.objects.all():  # disabled ones too: their desktops go on
            try:
                _reconcile_cloud(where)
            except Exception:  # a bug met with one cloud's answer must not stop the others
                log.exception("reconcile: cloud %s", where.name)
        _drive_stuck()


def _reconcile_cloud(where):
    listed_at = timezone.now()
    try:
        conn = cloud.connect(where)
        servers = cloud.visa_servers(conn)
    except cloud.ERRORS as error:
        if cloud.transient(error) == cloud.UNREACHABLE:
            metrics.DRIFT.labels("cloud_unreachable").inc()
            _cloud_unreachable(where, error, listed_at)
        log.warning("reconcile: cannot list the servers of %s: %s", where.name, error)
        return
    _delete_orphans(conn, servers)
    settled = Instance.objects.filter(cloud=where, state_changed_at__lt=listed_at)
    for instance in settled.filter(state__in=[*WITH_SERVER, State.UNKNOWN]).exclude(state=State.PENDING):
        _check(instance, servers.get(str(instance.uuid)))


@contextlib.contextmanager
def _exclusive():
    if connection.vendor != "postgresql":  # the demo's SQLite: one worker, beat runs one at a time
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _cloud_unreachable(where, error, listed_at):
    reason = reasons.cloud_silent(error)
    for instance in Instance.objects.filter(cloud=where, state__in=WITH_SERVER, state_changed_at__lt=listed_at).exclude(
        state=State.PENDING
    ):
        transition(instance, State.UNKNOWN, RECONCILER, reason, only_from=[instance.state])


def _delete_orphans(conn, servers):
    """Servers of no live instance. Live on any cloud, not only this one: a project registered
    twice by mistake lists another row's servers, which must not go."""
    live = {str(uuid) for uuid in Instance.objects.filter(uuid__in=servers).live().values_list("uuid", flat=True)}
    for uuid, server in servers.items():
        if uuid not in live:
            log.warning("reconcile: deleting orphan server %s (%s)", server.id, server.name)
            metrics.DRIFT.labels("orphan_server").inc()
            try:
                cloud.delete_server(conn, server.id)
            except cloud.ERRORS as error:
                log.warning("reconcile: could not delete %s: %s", server.id, error)


def _check(instance, server):
    before = instance.state
    _correct(instance, server)
    if instance.state != before:
        metrics.DRIFT.labels(f"{before.lower()}_to_{instance.state.lower()}").inc()


def _correct(instance, server):
    if instance.state == State.UNKNOWN:
        _recover(instance, server)
    elif server is None and instance.state in (State.ACTIVE, State.STOPPED, State.STOPPING, State.REBOOTING):
        transition(instance, State.ERROR, RECONCILER, reasons.VM_DISAPPEARED,
                   only_from=[instance.state])
    elif server is not None and server.status == "ERROR" and instance.state in RESTING:
        transition(instance, State.ERROR, RECONCILER, reasons.vm_failed(cloud.fault_of(server)),
                   only_from=[instance.state])
    elif server is not None and instance.state in RESTING \
            and BY_SERVER_STATUS.get(server.status, instance.state) != instance.state:
        # Someone stopped or started the server in the cloud itself (an operator, the host): adopt it.
        how = "stopped" if server.status == "SHUTOFF" else "started"
        transition(instance, BY_SERVER_STATUS[server.status], RECONCILER,
                   f"The virtual machine was {how} outside visa.", only_from=[instance.state])


def _recover(instance, server):
    """The cloud answers again: go back to the change under way, or to what the server shows."""
    before = instance.events.filter(to_state=State.UNKNOWN).exclude(from_state=State.UNKNOWN).last()
    previous = before.from_state if before else State.ACTIVE
    if previous in TRANSIENT:
        transition(instance, previous, RECONCILER, "the cloud answers again", only_from=[State.UNKNOWN])
        _drive(instance)
    elif server is None:
        transition(instance, State.ERROR, RECONCILER, reasons.VM_DISAPPEARED,
                   only_from=[State.UNKNOWN])
    elif server.status == "ERROR":
        transition(instance, State.ERROR, RECONCILER, reasons.vm_failed(cloud.fault_of(server)),
                   only_from=[State.UNKNOWN])
    elif server.status in BY_SERVER_STATUS:
        transition(instance, BY_SERVER_STATUS[server.status], RECONCILER, "the cloud answers again",
                   only_from=[State.UNKNOWN])


def _drive_stuck():
    """Transient instances whose step the broker did not take (at once), or whose task made no step
    for VISA_STUCK_AFTER seconds."""
    quiet_since = timezone.now() - timedelta(seconds=settings.VISA_STUCK_AFTER)
    unqueued = Q(step_task="") | Q(updated_at__lt=quiet_since)
    for instance in Instance.objects.filter(unqueued, state__in=TRANSIENT):
        log.warning("reconcile: %s stuck in %s; driving it again", instance.uuid, instance.state)
        metrics.DRIFT.labels("stuck").inc()
        _drive(instance)


def _drive(instance):
    Instance.objects.filter(pk=instance.pk).update(updated_at=timezone.now())  # not again next run
    queue.advance(instance.pk)
