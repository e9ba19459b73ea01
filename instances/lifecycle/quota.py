"""Quotas at launch: what a user's live instances use, admissible() before and reserve() inside the
launching transaction, the chosen cloud's own room, which clouds a user may launch on, and what a
launch page offers. The limits and their wording are the quotas app's; counting instances is this
app's, since quotas sits below it.

Usage is not stored apart: it is the user's live instances (states.LIVE), so the Instance row a
launch commits is the record of its usage, and the state change that ends it (DELETED, or ERROR
when a build fails) releases it.
"""
import logging
import threading
import time

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from instances.cloud import driver as cloud
from instances.models import Cloud, Flavour, Image, Instance
from quotas import approval, limits
from quotas.limits import Usage
from quotas.models import ApprovalRequest
from quotas.refusals import CloudFull, LaunchRefused

log = logging.getLogger(__name__)
CLOUD_RESOURCES = {"instances": "instances", "cores": "vCPUs", "ram_mb": "MB of memory"}
SUMS = {"instances": Count("pk"), "vcpus": Coalesce(Sum("flavour__cpus"), 0),
        "ram_mb": Coalesce(Sum("flavour__ram_mb"), 0), "gpus": Coalesce(Sum("flavour__gpus"), 0)}


def usage(user, purpose) -> Usage:
    return Usage(**Instance.objects.live().filter(owner=user, purpose=purpose).aggregate(**SUMS))


def clouds_for(user):
    """The clouds `user` may launch on, in the order they are offered (priority): enabled, open to
    them, and offering an enabled environment and size."""
    offers = Q(Exists(Image.objects.filter(provider=OuterRef("pk"), enabled=True))) & Q(
        Exists(Flavour.objects.filter(provider=OuterRef("pk"), enabled=True)))
    return Cloud.objects.filter(offers, _open_to(user), enabled=True).distinct()


def _open_to(user):
    """Clouds open to `user`: no groups chosen, or one of theirs."""
    return Q(groups=None) | Q(groups__in=user.groups.all())


def _check_catalogue(user, flavour, image):
    """An enabled environment and size of the same cloud, one of clouds_for(user) (which offers them,
    so only that it is enabled and open to the user is asked: a query of a third of the cost)."""
    for item, kind in ((image, "environment"), (flavour, "size")):
        if not item.enabled:
            raise LaunchRefused(f"The {kind} {item.name} is no longer offered: choose another.",
                                resource=type(item)._meta.model_name)
    if flavour.provider_id != image.provider_id:
        raise LaunchRefused(f"The size {flavour.name} is not offered where {image.name} runs: choose another size.",
                            resource="flavour")
    if not Cloud.objects.filter(_open_to(user), pk=image.provider_id, enabled=True).exists():
        raise LaunchRefused(f"You may not launch on {image.provider.name}: choose another cloud.", resource="cloud")


def admissible(user, flavour, image, purpose) -> limits.Limits:
    """Refuse, from what is committed and before any lock or transaction, a launch that does not
    fit: in a burst most do, and each would otherwise wait in line for the user's lock holding a
    database connection only to be refused. A launch that may fit asks its cloud for room here,
    so that no lock is held across that HTTP call. Returns the limits that apply, for reserve(),
    which decides."""
    applying = limits.limits_for(user, purpose)
    limits.check(user, applying, usage(user, purpose), flavour, image)  # first: what refuses most launches
    _check_catalogue(user, flavour, image)
    _check_cloud(image.provider, flavour)
    return applying


def reserve(user, flavour, image, applying: limits.Limits):
    """Check that `user` may launch one more instance of `flavour` and `image` within the limits
    that admissible() returned, against the usage committed now.

    Call it inside the transaction that creates the Instance: the lock taken here holds until
    that instance is committed, so concurrent launches cannot pass a limit together. The limits
    are those read by admissible() moments before, as an operator's change of a quota is not
    serialised with launches either (nor does it end instances already past a lowered limit);
    under the lock only the usage is read, so the lock is held for two queries and the insert.
    """
    limits.lock(user)
    limits.check(user, applying, usage(user, purpose=applying.purpose), flavour, image)


def _check_cloud(where, flavour):
    """Refuse, before anything is recorded, a launch the cloud's own limits (Nova's) cannot hold.
    Launches recorded here but not yet on the cloud (no server yet) count as in use. Two users can
    still pass this together for the last place, and the cloud's figures may be up to
    VISA_CLOUD_ROOM_SECONDS old (a server built meanwhile is then counted neither as used nor as
    waiting); the cloud then refuses a build, which ends in ERROR with the reason and releases its
    usage. Users' quotas are not checked here but in reserve(), exactly."""
    try:
        room = _room(where)
    except cloud.ERRORS as error:
        log.warning("cloud %s limits: %s", where.name, error)
        if cloud.transient(error) == cloud.UNREACHABLE:
            raise CloudFull(f"{the_cloud(where)} did not answer: try again in a few minutes.",
                            resource="cloud") from None
        return  # it answered but failed this once: the build retries its own calls and says why it fails
    waiting = Instance.objects.live().filter(cloud=where, server_id="").aggregate(**SUMS)
    needed = {
        "instances": (waiting["instances"], 1),
        "cores": (waiting["vcpus"], flavour.cpus),
        "ram_mb": (waiting["ram_mb"], flavour.ram_mb),
    }
    for resource, (pending, wanted) in needed.items():
        used, maximum = room[resource]
        if maximum >= 0 and used + pending + wanted > maximum:
            raise CloudFull(
                f"{the_cloud(where)} is full: {used + pending} of {maximum} {CLOUD_RESOURCES[resource]} are in use. "
                "Try again later, or choose a smaller size.",
                resource=f"cloud_{resource}", used=used + pending, limit=maximum, requested=wanted,
            )


_asked = {}  # cloud's pk: (connection, monotonic time, its limits or the error it answered)
_asking = {}  # cloud's pk: the lock its askers take turns at
_asking_lock = threading.Lock()


def _room(where):
    """The cloud's limits (driver.limits), asked at most once every VISA_CLOUD_ROOM_SECONDS per
    cloud and process: in a burst of launches one HTTP call answers them all, where each asked it
    before (holding a database connection meanwhile). Launches passed since count as waiting in
    _check_cloud until their servers exist. A cloud that did not answer is not asked again within
    that time either: a burst is refused at once, not after one time-out per launch."""
    with _asking_lock:
        lock = _asking.setdefault(where.pk, threading.Lock())
    with lock:  # one asks, the others wait for its answer
        conn = cloud.connect(where)  # a changed Cloud row gives a new connection: asked afresh
        known = _asked.get(where.pk)
        if known is None or known[0] is not conn or time.monotonic() - known[1] >= settings.VISA_CLOUD_ROOM_SECONDS:
            try:
                known = (conn, time.monotonic(), cloud.limits(conn))
            except cloud.ERRORS as error:
                known = (conn, time.monotonic(), error)
            _asked[where.pk] = known
    if isinstance(known[2], Exception):
        raise known[2].with_traceback(None)  # one error for many launches: no traceback grown by each
    return known[2]


def the_cloud(where):
    """How a message names a cloud: by its name once there are several."""
    return f"The cloud {where.name}" if Cloud.objects.exclude(pk=where.pk).exists() else "The cloud"


def launch_choices(user, purpose, where=None):
    """What a launch page offers this user: the clouds they may launch on and the one chosen
    (`where` if allowed, else the first), the limits, current usage, every enabled environment and
    size of that cloud with why the quota does not allow it (`environments`, `sizes`: (item, reason)
    pairs, reason "" when allowed), what to preselect (`chosen`: the first environment allowed and
    the smallest size that fits, as form values), why no launch fits at all (`full`), and whether
    an operator's approval is still missing."""
    applying, used = limits.limits_for(user, purpose), usage(user, purpose)
    clouds = list(clouds_for(user))
    chosen = next((c for c in clouds if where is not None and c.pk == where.pk), clouds[0] if clouds else None)
    images = Image.objects.filter(enabled=True, provider=chosen)
    flavours = Flavour.objects.filter(enabled=True, provider=chosen).order_by("cpus", "ram_mb", "gpus", "pk")
    last = approval.approval(user) if applying.needs_approval else None
    environments = [(image, "" if applying.image_ids is None or image.pk in applying.image_ids
                     else "not allowed by your quota") for image in images]
    sizes = [(flavour, limits.unfit(flavour, applying, used)) for flavour in flavours]
    return {
        "limits": applying,
        "usage": used,
        "clouds": clouds,
        "cloud": chosen,
        "environments": environments,
        "sizes": sizes,
        "chosen": {"cloud": str(chosen.pk) if chosen else "",
                   "image": next((str(image.pk) for image, why in environments if not why), ""),
                   "flavour": next((str(flavour.pk) for flavour, why in sizes if not why), "")},
        "full": limits.no_more_instances(applying, used) if used.instances >= applying.instances else "",
        "needs_approval": applying.needs_approval
        and (last is None or last.state != ApprovalRequest.State.ACCEPTED),
        "approval": last,
    }


def usage_of_quotas(quotas) -> dict:
    """Current usage beside each quota (quotas' admin): a user's own; a group's members' together;
    everyone's for the default. Three queries for any number of quotas."""
    live = Instance.objects.live().order_by()
    by_user = {(row.pop("owner"), row.pop("purpose")): Usage(**row) for row in live.filter(
        owner__in=[q.user_id for q in quotas if q.user_id]).values("owner", "purpose").annotate(**SUMS)}
    by_group = {(row.pop("owner__groups"), row.pop("purpose")): Usage(**row) for row in live.filter(
        owner__groups__in=[q.group_id for q in quotas if q.group_id]
    ).values("owner__groups", "purpose").annotate(**SUMS)}
    overall = {row.pop("purpose"): Usage(**row) for row in live.values("purpose").annotate(**SUMS)}
    found = {}
    for q in quotas:
        if q.user_id:
            found[q.pk] = by_user.get((q.user_id, q.purpose), Usage())
        elif q.group_id:
            found[q.pk] = by_group.get((q.group_id, q.purpose), Usage())
        else:
            found[q.pk] = overall.get(q.purpose, Usage())
    return found
