"""Instance use cases. Each state change is in the database before the cloud call it
announces and after the cloud answers, so a crash at any point can be reconciled."""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from instances import live, queue
from instances.cloud import cloudinit
from instances.models import Instance, InstanceEvent, Role
from instances.sharing import team
from instances.sharing.roles import role_of
from instances.sharing.sessions import live_sessions
from instances.states import DATA_CHANGEABLE, State, check
from openaccess.policy import can_read, is_open
from quotas.limits import purpose_of
from quotas.refusals import IdentityRequired, LaunchRefused
from visa import metrics

from . import placement, quota


def transition(instance, new_state, actor, reason="", only_from=None, **fields):
    """Move an instance to new_state (and set fields) in one transaction, with an event.

    With `only_from`, do nothing unless the instance is in one of those states when locked:
    the caller decided on a state that another process may have changed meanwhile.
    """
    with transaction.atomic():
        locked = Instance.objects.select_for_update().get(pk=instance.pk)
        if only_from is not None and locked.state not in only_from:
            instance.refresh_from_db()
            return instance
        check(locked.state, new_state)
        InstanceEvent.objects.create(
            instance=locked, from_state=locked.state, to_state=new_state, actor=actor, reason=reason
        )
        locked.state, locked.state_reason = new_state, reason
        locked.state_changed_at = timezone.now()
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        live.announce(locked)
    instance.refresh_from_db()
    return instance


def note(instance, actor, reason):
    """Record in the instance's history something that happened without a change of state (the
    reason may quote a user's words: cut to fit, as the event keeps 500 characters)."""
    limit = InstanceEvent._meta.get_field("reason").max_length
    InstanceEvent.objects.create(
        instance=instance, from_state=instance.state, to_state=instance.state, actor=actor,
        reason=reason if len(reason) <= limit else reason[:limit - 1] + "…",
    )


def lifetime_of(flavour):
    return flavour.lifetime or timedelta(hours=settings.VISA_LIFETIME_HOURS)


def running_with(user, experiments):
    """The user's live instance that already has all these experiments attached, if any."""
    instances = Instance.objects.filter(owner=user).live()
    for experiment in experiments:
        instances = instances.filter(experiments=experiment)
    return instances.first() if experiments else None


def attachable(user, experiments):
    """The user's desktops that lack some of these experiments and could still get them."""
    instances = Instance.objects.filter(owner=user, state__in=DATA_CHANGEABLE)
    for experiment in experiments:
        instances = instances.exclude(pk__in=experiment.instances.values("pk"))
    return list(instances) if experiments else []


def _data_change(user, instance, verb):
    """Check that `user` may change which data `instance` has: its owner or a user of it, while it
    lives; return the instance locked for the change. Raises PermissionDenied."""
    if role_of(instance, user) not in (Role.OWNER, Role.USER):
        raise PermissionDenied(f"Only the owner and users of “{instance.name}” may {verb} data.")
    locked = Instance.objects.select_for_update().get(pk=instance.pk)
    if locked.state not in DATA_CHANGEABLE:
        raise PermissionDenied(f"“{instance.name}” is deleted: launch a new desktop instead.")
    return locked


def attach(user, instance, experiment):
    """Attach an experiment's data to a desktop that runs (or will): its mount agent mounts it within
    VISA_AGENT_POLL_SECONDS. Both the user and the owner must be allowed to read it, since the VM
    mounts it for the owner, and so must everyone the desktop is shared with (_who_may_not_read).
    Returns False if it was attached already. Raises PermissionDenied, saying who blocks it."""
    with transaction.atomic():
        locked = _data_change(user, instance, "attach")
        for reader in {user, instance.owner}:
            if not can_read(reader, experiment):
                whose = "You" if reader == user else f"The owner of “{instance.name}”"
                raise PermissionDenied(f"{whose} may not read the data of {experiment.proposal_id}.")
        if locked.experiments.filter(pk=experiment.pk).exists():
            return False
        blocking = _who_may_not_read(locked, experiment)
        if blocking:
            raise PermissionDenied(
                f"The data of {experiment.proposal_id} is not attached: {' and '.join(blocking)} may not read it. "
                "The owner can remove them from the desktop (Share), then attach it.")
        locked.experiments.add(experiment)
        team.admit(locked, [experiment])
        note(locked, user.username, f"attached the data of {experiment.proposal_id}")
    return True


def _who_may_not_read(instance, experiment):
    """Who shares the desktop but may not read the experiment, by name: its users and guests (as
    the desktop proxy checks them; support staff are trusted with what they help with), and
    guests without an account who watch now (a link admits them only while all the data is open).
    Their desktop would show the data, so attaching it waits until the owner has removed them."""
    members = instance.members.filter(role__in=(Role.USER, Role.GUEST)).select_related("user").order_by("created_at")
    names = [f"{m.user.get_full_name() or m.user.username} ({m.get_role_display()})"
             for m in members if not can_read(m.user, experiment)]
    anonymous = live_sessions(instance).filter(user=None).count()
    if anonymous and not is_open(experiment):
        names.append(f"{anonymous} guest{'s' if anonymous > 1 else ''} without an account")
    return names


def detach(user, instance, experiment):
    """Take an experiment's data off a desktop: its mount agent unmounts it. False if it was not attached."""
    with transaction.atomic():
        locked = _data_change(user, instance, "detach")
        if not locked.experiments.filter(pk=experiment.pk).exists():
            return False
        locked.experiments.remove(experiment)
        team.dismiss(locked)
        note(locked, user.username, f"detached the data of {experiment.proposal_id}")
    return True


def launched(user, key):
    """The instance this user launched with this Idempotency-Key, if any."""
    return Instance.objects.filter(owner=user, launch_key=key).first() if key else None


def launch(user, experiments, image, flavour, name="", key=""):
    """Record a new instance (PENDING) with the experiments' data attached, and queue its build.
    Raises PermissionDenied, or quotas' LaunchRefused with what to do, and then records nothing.
    A launch with a `key` the user launched with before makes nothing and returns that instance,
    so a retried request never makes a second desktop."""
    if earlier := launched(user, key):
        return earlier
    try:
        instance = _launch(user, experiments, image, flavour, name, key)
    except PermissionDenied:
        metrics.REFUSALS.labels("data_not_readable").inc()
        raise
    except LaunchRefused as refusal:
        metrics.REFUSALS.labels(refusal.code).inc()
        raise
    except IntegrityError:  # the same key, at the same time: one_instance_per_launch_key let one in
        if earlier := launched(user, key):
            return earlier
        raise
    metrics.LAUNCHES.inc()
    return instance


def check_identity(user):
    """Raise IdentityRequired if the site needs the user's facility identity for their account in
    the VM (VISA_REQUIRE_FACILITY_IDENTITY) and visa does not know it."""
    if settings.VISA_REQUIRE_FACILITY_IDENTITY and cloudinit.facility_identity(user) is None:
        raise IdentityRequired(
            f"Desktops here run as your account at {settings.VISA_FACILITY}, and visa does not know it yet "
            "(your login name and user id). Sign out and sign in again; if this message stays, ask the user "
            "office to complete your facility account.")


def _launch(user, experiments, image, flavour, name, key):
    for experiment in experiments:
        if not can_read(user, experiment):
            raise PermissionDenied(f"You may not read the data of {experiment.proposal_id}.")
    check_identity(user)
    limits = quota.admissible(user, flavour, image, purpose_of(user, experiments))
    where = placement.choose(user, experiments, image, flavour)  # after the refusals: a burst is mostly refused
    with transaction.atomic():
        quota.reserve(user, flavour, image, limits)
        now = timezone.now()
        instance = Instance.objects.create(
            owner=user, image=image, flavour=flavour, cloud_id=image.provider_id, purpose=limits.purpose,
            name=name or (experiments[0].title[:100] if experiments else image.name),
            # the shorter of the quota's and the flavour's lifetimes
            state_changed_at=now, expires_at=now + min(limits.lifetime, lifetime_of(flavour)), last_activity_at=now,
            launch_key=key, networks=where.networks, security_groups=where.security_groups,
            placement_reasons=where.reasons,
        )
        instance.experiments.set(experiments)
        team.admit(instance, experiments)
        InstanceEvent.objects.create(
            instance=instance, from_state=State.PENDING, to_state=State.PENDING,
            actor=user.username, reason="launched",
        )
        transaction.on_commit(lambda: queue.advance(instance.pk))
        live.announce(instance)
    return instance


def _change(instance, new_state, actor, reason, act=False):
    """Record the change the actor asked for; a task makes the cloud call and confirms it."""
    with transaction.atomic():
        transition(instance, new_state, actor, reason)
        transaction.on_commit(lambda: queue.advance(instance.pk, act=act))
    return instance


def delete(instance, actor, reason=""):
    return _change(instance, State.DELETING, actor, reason or f"deleted by {actor}")


def stop(instance, actor):
    return _change(instance, State.STOPPING, actor, f"stopped by {actor}")


def start(instance, actor):
    return _change(instance, State.STARTING, actor, f"started by {actor}")


def reboot(instance, actor):
    return _change(instance, State.REBOOTING, actor, f"rebooted by {actor}", act=True)


def record_activity(instance_id):
    """Someone connected to the desktop or used it: the inactivity clock starts again and any
    warning is void. One UPDATE at most every VISA_ACTIVITY_THROTTLE seconds per instance."""
    now = timezone.now()
    recent = now - timedelta(seconds=settings.VISA_ACTIVITY_THROTTLE)
    stale = Q(last_activity_at__lt=recent) | Q(last_activity_at__isnull=True)
    Instance.objects.filter(stale, pk=instance_id).update(last_activity_at=now, inactivity_warned_at=None)
