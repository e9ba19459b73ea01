"""Driving an instance through its transient states, one short step at a time.

`advance` looks at the server and takes the next step: create it (or find the one an earlier
run made), start, stop, reboot or delete it, wait for its desktop, and confirm the new state.
It holds no state of its own, so a step may run twice, or after a crash, or from the reconciler.
The Celery task `tasks.advance` runs a step and retries cloud errors; a step that waits on the
cloud says for what, and the cloud's watcher (`watch`) queues the next one.
"""
import logging
import random
import socket
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openstack import exceptions as sdk_errors

from instances import queue
from instances.cloud import cloudinit, dcache
from instances.cloud import driver as cloud
from instances.models import Instance, Thumbnail
from instances.states import TRANSIENT, State
from protocols import rfb
from visa import metrics

from . import reasons
from .services import transition

log = logging.getLogger(__name__)
PROVISIONER = "provisioner"
LOOK_AGAIN = ""  # what a step waits for when only the next look at the server can tell


def advance(instance, act=False):
    """Take the next step; return None when done, else the server status it waits to see change
    (LOOK_AGAIN: the next look decides, as for a desktop starting). `act` asks for the state's
    cloud action where the server's status cannot tell (reboot)."""
    if instance.state not in TRANSIENT:
        return None
    Instance.objects.filter(pk=instance.pk).update(updated_at=timezone.now())  # alive, for the reconciler
    since = instance.state_changed_at or instance.created_at
    if timezone.now() - since > timedelta(seconds=settings.VISA_BUILD_TIMEOUT):
        word = instance.state.lower()
        _fail(instance, f"The cloud did not finish ({word}) within {settings.VISA_BUILD_TIMEOUT} s.")
        return None
    conn = cloud.connect(instance.cloud)  # the cloud it was launched on
    if instance.state in (State.PENDING, State.BUILDING):
        return _build(conn, instance)
    if instance.state == State.DELETING:
        return _delete(conn, instance)
    server = cloud.get_server(conn, instance.server_id) if instance.server_id else None
    if server is None:
        _fail(instance, reasons.VM_DISAPPEARED)
        return None
    if server.status == "ERROR":
        _fail(instance, reasons.vm_failed(cloud.fault_of(server)))
        return None
    step = {State.STARTING: _start, State.STOPPING: _stop, State.REBOOTING: _reboot}[instance.state]
    return step(conn, instance, server, act)


def _build(conn, instance):
    if instance.state == State.PENDING:
        transition(instance, State.BUILDING, PROVISIONER, "creating the virtual machine", only_from=[State.PENDING])
        if instance.state != State.BUILDING:
            return None
    if instance.server_id:
        server = cloud.get_server(conn, instance.server_id)
        if server is None:
            _fail(instance, reasons.VM_DISAPPEARED_WHILE_BUILT)
            return None
    else:
        try:
            server = _find_or_create(conn, instance)
        except (dcache.DataMountError, cloud.UnknownPlacement) as error:
            _fail(instance, str(error))
            return None
        if server is None:  # deleted meanwhile: look again
            return LOOK_AGAIN
    if server.status == "ERROR":
        _fail(instance, reasons.vm_failed(cloud.fault_of(server)))
        return None
    if server.status != "ACTIVE":
        return _changed_from(server)
    transition(instance, State.STARTING, PROVISIONER, "waiting for the desktop",
               only_from=[State.BUILDING], address=cloud.address_of(server, instance.networks))
    return _start(conn, instance, server) if instance.state == State.STARTING else None


def _find_or_create(conn, instance):
    """The instance's server; created unless a run before this one made it. The row lock lets
    one process at a time look and create, so two runs of this step make one server, and none
    is made for an instance deleted meanwhile (then None)."""
    with transaction.atomic():
        if Instance.objects.select_for_update().get(pk=instance.pk).state != State.BUILDING:
            return None
        server = cloud.find_server(conn, instance)
        if server is None:
            placement = cloud.placement_of(conn, instance)  # checked before anything is made
            server = cloud.create_server(conn, instance, cloudinit.render(instance), placement)
            log.info("instance %s: created server %s", instance.uuid, server.id)
        Instance.objects.filter(pk=instance.pk).update(server_id=server.id)
    instance.server_id = server.id
    return server


def _start(conn, instance, server, act=False):
    if server.status == "SHUTOFF":
        _ignoring_conflict(cloud.start_server, conn, server.id)
        return _changed_from(server)
    if server.status != "ACTIVE":
        return _changed_from(server)
    if not _desktop_answers(cloud.address_of(server, instance.networks), instance.image.vnc_port):
        return LOOK_AGAIN
    first = instance.activated_at is None
    transition(instance, State.ACTIVE, PROVISIONER, "desktop ready", only_from=[State.STARTING],
               activated_at=instance.activated_at or timezone.now())
    if instance.state == State.ACTIVE:
        if first:
            metrics.LAUNCH_TO_ACTIVE.observe((instance.activated_at - instance.created_at).total_seconds())
        queue.capture_thumbnail(instance.pk)  # the home page's card shows the desktop at once
    return None


def _stop(conn, instance, server, act=False):
    if server.status == "ACTIVE":
        _ignoring_conflict(cloud.stop_server, conn, server.id)
    elif server.status == "SHUTOFF":
        transition(instance, State.STOPPED, PROVISIONER, "stopped", only_from=[State.STOPPING])
        return None
    return _changed_from(server)


def _reboot(conn, instance, server, act=False):
    if act:  # the server may leave ACTIVE and be back between two looks
        _ignoring_conflict(cloud.reboot_server, conn, server.id)
        return LOOK_AGAIN
    if server.status != "ACTIVE":
        return _changed_from(server)
    if not _desktop_answers(cloud.address_of(server, instance.networks), instance.image.vnc_port):
        return LOOK_AGAIN
    transition(instance, State.ACTIVE, PROVISIONER, "rebooted", only_from=[State.REBOOTING])
    return None


def _delete(conn, instance):
    server = cloud.get_server(conn, instance.server_id) if instance.server_id else cloud.find_server(conn, instance)
    if server is not None:
        cloud.delete_server(conn, server.id)
        return _changed_from(server)  # confirm that it is gone
    with transaction.atomic():  # a picture of the screen goes with the desktop
        transition(instance, State.DELETED, PROVISIONER, "server deleted", only_from=[State.DELETING])
        Thumbnail.objects.filter(instance=instance).delete()
    return None


def _changed_from(server):
    """What a step waits for: the server's status to change. Nova's answer to a create has none."""
    return server.status or LOOK_AGAIN


def _ignoring_conflict(action, conn, server_id):
    """Nova answers 409 to an action already under way: the next look at the server decides."""
    try:
        action(conn, server_id)
    except sdk_errors.ConflictException as error:
        log.info("server %s: %s", server_id, error)


def _desktop_answers(address, port):
    """True if the VM's VNC server greets us now."""
    try:
        with socket.create_connection((address, port), timeout=1) as sock:
            sock.settimeout(1)
            return sock.recv(len(rfb.VERSION_3_8)).startswith(b"RFB ")
    except OSError:
        return False


def _fail(instance, reason):
    transition(instance, State.ERROR, PROVISIONER, reason[:500], only_from=[instance.state])


def retry_delay(attempt):
    """Seconds before retry number `attempt` (from 0): exponential backoff, full jitter, at most 60 s."""
    return min(60.0, settings.VISA_CLOUD_BACKOFF * 2**attempt) * random.uniform(0.5, 1.0)


def give_up(instance, error, attempts):
    """A cloud call failed for good: UNKNOWN while the cloud does not answer (the reconciler
    finds the real state when it does), else ERROR with what the cloud said."""
    instance.refresh_from_db()
    if instance.state not in TRANSIENT:
        return
    kind = cloud.transient(error)
    if kind == cloud.UNREACHABLE and instance.state != State.PENDING:
        transition(instance, State.UNKNOWN, PROVISIONER, reasons.cloud_silent(error), only_from=[instance.state])
    elif kind:
        _fail(instance, f"The cloud failed {attempts} times: {error}")
    else:
        _fail(instance, f"The cloud refused: {error}")
