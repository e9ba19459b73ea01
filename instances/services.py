"""Instance use cases. Each state change is in the database before the cloud call it
announces and after the cloud answers, so a crash at any point can be reconciled."""
import logging
import socket
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from openstack import exceptions as cloud_errors

from openaccess.policy import can_read
from quotas import services as quotas

from . import cloud, cloudinit, rfb
from .models import Instance, InstanceEvent
from .states import State, check

log = logging.getLogger(__name__)
PROVISIONER = "provisioner"


def transition(instance, new_state, actor, reason="", **fields):
    """Move an instance to new_state (and set fields) in one transaction, with an event."""
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)
        check(locked.state, new_state)
        InstanceEvent.objects.create(
            instance=locked, from_state=locked.state, to_state=new_state, actor=actor, reason=reason
        )
        locked.state, locked.state_reason = new_state, reason
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    instance.refresh_from_db()
    return instance


def launch(user, experiments, image, flavour, name=""):
    """Record a new instance (PENDING) with the experiments' data attached, and queue its build.
    Raises PermissionDenied, or quotas.LaunchRefused with what to do, and then records nothing."""
    from .tasks import provision

    for experiment in experiments:
        if not can_read(user, experiment):
            raise PermissionDenied(f"You may not read the data of {experiment.proposal_id}.")
    purpose = quotas.purpose_of(user, experiments)
    with transaction.atomic():
        limits = quotas.reserve(user, flavour, image, purpose)
        instance = Instance.objects.create(
            owner=user, image=image, flavour=flavour, purpose=purpose,
            expires_at=timezone.now() + limits.lifetime,
            name=name or (experiments[0].title[:100] if experiments else image.name),
        )
        instance.experiments.set(experiments)
        InstanceEvent.objects.create(
            instance=instance, from_state=State.PENDING, to_state=State.PENDING,
            actor=user.username, reason="launched",
        )
        transaction.on_commit(lambda: provision.delay(instance.pk))
    return instance


def provision(instance):
    """Create the instance's server (or find the one a crashed run made) and wait for its desktop."""
    if instance.state == State.PENDING:
        transition(instance, State.BUILDING, PROVISIONER, "creating the virtual machine")
    elif instance.state not in (State.BUILDING, State.STARTING):
        return instance  # another run got further, or the owner deleted it
    try:
        conn = cloud.connect()
        server = cloud.find_server(conn, instance)
        if server is None:
            server = cloud.create_server(conn, instance, cloudinit.render(instance))
        Instance.objects.filter(pk=instance.pk).update(server_id=server.id)
        server = _wait_for_server(conn, server.id)
    except cloud_errors.ForbiddenException as error:  # Nova refuses servers past the project's quota
        log.warning("provisioning %s refused: %s", instance.uuid, error)
        return transition(instance, State.ERROR, PROVISIONER,
                          f"The cloud is full ({error.details}): delete this instance and try again later.")
    except (cloud_errors.SDKException, TimeoutError) as error:
        log.warning("provisioning %s failed: %s", instance.uuid, error)
        return transition(instance, State.ERROR, PROVISIONER, f"The cloud could not build it: {error}")
    if server.status == "ERROR":
        fault = (server.fault or {}).get("message", "the cloud reported an error")
        return transition(instance, State.ERROR, PROVISIONER, f"The virtual machine failed: {fault}")
    address = cloud.address_of(server)
    if instance.state == State.BUILDING:
        transition(instance, State.STARTING, PROVISIONER, "waiting for the desktop", address=address)
    if not _desktop_answers(address, instance.image.vnc_port):
        return transition(instance, State.ERROR, PROVISIONER, "The desktop did not start in time.")
    return transition(instance, State.ACTIVE, PROVISIONER, "desktop ready", activated_at=timezone.now())


def _wait_for_server(conn, server_id):
    deadline = time.monotonic() + settings.VISA_BUILD_TIMEOUT
    while True:
        server = cloud.get_server(conn, server_id)
        if server.status in ("ACTIVE", "ERROR"):
            return server
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server was still {server.status} after {settings.VISA_BUILD_TIMEOUT} s")
        time.sleep(0.5)


def _desktop_answers(address, port):
    """True once the VM's VNC server greets us, within the build time-out."""
    deadline = time.monotonic() + settings.VISA_BUILD_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=2) as sock:
                if sock.recv(len(rfb.VERSION_3_8)).startswith(b"RFB "):
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def delete(instance, actor):
    """Mark the instance DELETING and queue the removal of its server."""
    from .tasks import destroy

    transition(instance, State.DELETING, actor, "deleted by its owner")
    transaction.on_commit(lambda: destroy.delay(instance.pk))


def destroy(instance):
    if instance.state != State.DELETING:
        return instance
    try:
        conn = cloud.connect()
        server = cloud.find_server(conn, instance)
        if server is not None:
            cloud.delete_server(conn, server.id)
    except cloud_errors.SDKException as error:
        return transition(instance, State.ERROR, PROVISIONER, f"The cloud could not delete it: {error}")
    return transition(instance, State.DELETED, PROVISIONER, "server deleted")
