"""Quotas: which limits apply to a user, what they use, and reserve(), which checks a launch
inside the transaction that records it.

Usage is not counted separately: it is the user's live instances (states.LIVE), so the Instance
row a launch commits is the record of its usage, and usage is released by the state change that
ends it (DELETED, or ERROR when a build fails).
"""
import dataclasses
import datetime
import logging
import math

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from instances import cloud
from openaccess.policy import reads_only_because_open
from instances.models import Flavour, Image, Instance

from .models import DEFAULT_LIMITS, ApprovalRequest, Purpose, Quota

log = logging.getLogger(__name__)


class LaunchRefused(Exception):
    """A launch that quotas or the cloud do not allow; the message says what to do."""

    code = "refused"

    def __init__(self, message, **details):
        super().__init__(message)
        self.details = details

    def as_dict(self):
        return {"code": self.code, "detail": str(self), **self.details}


class QuotaExceeded(LaunchRefused):
    code = "quota_exceeded"


class ApprovalRequired(LaunchRefused):
    code = "approval_required"


class CloudFull(LaunchRefused):
    code = "cloud_full"


@dataclasses.dataclass(frozen=True)
class Limits:
    """The limits that apply to one user for one purpose, and where they come from."""

    purpose: str
    source: str
    instances: int
    vcpus: int
    ram_gb: int
    lifetime: datetime.timedelta
    flavour_ids: frozenset | None  # None: every size
    image_ids: frozenset | None  # None: every environment
    requires_approval: bool

    @property
    def lifetime_text(self):
        hours = int(self.lifetime.total_seconds() // 3600)
        return f"{hours // 24} days" if hours % 24 == 0 and hours > 24 else f"{hours} hours"


@dataclasses.dataclass(frozen=True)
class Usage:
    instances: int = 0
    vcpus: int = 0
    ram_mb: int = 0


def _limits(quotas, source):
    """One Limits from quotas of the same level: the most generous value of each limit."""
    def allowed(name):
        ids = [frozenset(item.pk for item in getattr(q, name).all()) if q.pk else frozenset() for q in quotas]
        return None if any(not chosen for chosen in ids) else frozenset().union(*ids)

    return Limits(
        purpose=quotas[0].purpose,
        source=source,
        instances=max(q.max_instances for q in quotas),
        vcpus=max(q.max_vcpus for q in quotas),
        ram_gb=max(q.max_ram_gb for q in quotas),
        lifetime=datetime.timedelta(hours=max(q.max_lifetime_hours for q in quotas)),
        flavour_ids=allowed("flavours"),
        image_ids=allowed("images"),
        requires_approval=all(q.requires_approval for q in quotas),
    )


def purpose_of(user, experiments) -> Purpose:
    """The quota a launch with these experiments counts against; openaccess decides whether the
    user reads them as a member or only because they are open."""
    return Purpose.OPEN_DATA if reads_only_because_open(user, experiments) else Purpose.MEMBER


def limits_for(user, purpose) -> Limits:
    """The most specific quota: the user's own, else their groups' merged, else the default
    (and the model's defaults when an operator has deleted the default quota)."""
    quotas = list(
        Quota.objects.filter(purpose=purpose)
        .filter(Q(user=user) | Q(group__in=user.groups.all()) | Q(user=None, group=None))
        .select_related("group").prefetch_related("flavours", "images")
    )
    own = [q for q in quotas if q.user_id]
    groups = [q for q in quotas if q.group_id]
    if own:
        return _limits(own, "your own quota")
    if groups:
        names = ", ".join(f"“{q.group.name}”" for q in groups)
        return _limits(groups, f"the quota of your group{'s' if len(groups) > 1 else ''} {names}")
    return _limits([q for q in quotas if q.level == Quota.Level.DEFAULT] or [Quota.default(purpose)],
                   "the default quota")


def _aggregate(instances):
    return instances.aggregate(
        instances=Count("pk"),
        vcpus=Coalesce(Sum("flavour__cpus"), 0),
        ram_mb=Coalesce(Sum("flavour__ram_mb"), 0),
    )


def usage(user, purpose) -> Usage:
    return Usage(**_aggregate(Instance.objects.live().filter(owner=user, purpose=purpose)))


def _gb(mb):
    return f"{mb / 1024:g}"


def _lock(user):
    """Serialise the launches of one user until the launching transaction ends.

    PostgreSQL: a row lock on the user, so the usage read by one launch cannot change before it
    commits its instance; NO KEY UPDATE leaves other rows free to refer to the user meanwhile.
    SQLite (the demo) ignores row locks; there every transaction begins IMMEDIATE, taking the
    database's write lock before its first read (settings.DATABASES), which serialises as much.
    """
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).first()


def reserve(user, flavour, image, purpose) -> Limits:
    """Check that `user` may launch one more instance of `flavour` and `image` for `purpose`, and
    that the cloud has room for it; return the limits that apply (for its lifetime).

    Call it inside the transaction that creates the Instance: the lock taken here holds until
    that instance is committed, so concurrent launches cannot pass a limit together.
    """
    _lock(user)
    limits = limits_for(user, purpose)
    if purpose == Purpose.OPEN_DATA and limits.requires_approval:
        _check_approved(user)
    _check_allowed(flavour, limits.flavour_ids, Flavour, "size", purpose)
    _check_allowed(image, limits.image_ids, Image, "environment", purpose)
    used = usage(user, purpose)
    kind = " open-data" if purpose == Purpose.OPEN_DATA else ""
    details = {"purpose": purpose, "quota": limits.source}
    if used.instances + 1 > limits.instances:
        raise QuotaExceeded(_no_more_instances(limits, used), resource="instances", used=used.instances,
                            limit=limits.instances, requested=1, **details)
    if used.vcpus + flavour.cpus > limits.vcpus:
        raise QuotaExceeded(
            f"{flavour.name} needs {flavour.cpus} vCPUs and {used.vcpus} of your {limits.vcpus}{kind} vCPUs "
            "are in use: choose a smaller size, delete an instance, or ask for more.",
            resource="vcpus", used=used.vcpus, limit=limits.vcpus, requested=flavour.cpus, **details,
        )
    if used.ram_mb + flavour.ram_mb > limits.ram_gb * 1024:
        raise QuotaExceeded(
            f"{flavour.name} needs {_gb(flavour.ram_mb)} GB of memory and {_gb(used.ram_mb)} of your "
            f"{limits.ram_gb} GB{kind} are in use: choose a smaller size, delete an instance, or ask for more.",
            resource="ram_gb", used=used.ram_mb / 1024, limit=limits.ram_gb, requested=flavour.ram_mb / 1024,
            **details,
        )
    _check_cloud(flavour)
    return limits


def _no_more_instances(limits, used):
    kind = " open-data" if limits.purpose == Purpose.OPEN_DATA else ""
    return f"{used.instances} of {limits.instances}{kind} instances running: delete one, or ask for more."


def unfit(flavour, limits, used):
    """Why `flavour` does not fit what `limits` leave after `used`, in a few words for a launch
    page to show beside it; "" when it fits. reserve() decides at launch."""
    if limits.flavour_ids is not None and flavour.pk not in limits.flavour_ids:
        return "not allowed by your quota"
    vcpus_left = max(limits.vcpus - used.vcpus, 0)
    if flavour.cpus > vcpus_left:
        return f"needs {flavour.cpus} vCPUs, your quota has {vcpus_left} left"
    ram_left = max(limits.ram_gb * 1024 - used.ram_mb, 0)
    if flavour.ram_mb > ram_left:
        return f"needs {_gb(flavour.ram_mb)} GB of memory, your quota has {_gb(ram_left)} GB left"
    return ""


def _check_allowed(item, allowed_ids, model, noun, purpose):
    if allowed_ids is None or item.pk in allowed_ids:
        return
    choices = ", ".join(str(m.name) for m in model.objects.filter(pk__in=allowed_ids, enabled=True))
    raise QuotaExceeded(
        f"The {noun} {item.name} is not allowed for you: choose {choices or 'another'}, or ask for more.",
        resource=f"{model._meta.model_name}", requested=item.name, allowed=choices.split(", ") if choices else [],
        purpose=purpose,
    )


CLOUD_RESOURCES = {"instances": "instances", "cores": "vCPUs", "ram_mb": "MB of memory"}


def _check_cloud(flavour):
    """Refuse, before anything is recorded, a launch the cloud's own limits (Nova's) cannot hold.
    Launches recorded here but not yet on the cloud (no server yet) count as in use. Two users can
    still pass this together for the last place; the cloud then refuses one build, which ends in
    ERROR with the reason and releases its usage."""
    try:
        room = cloud.limits(cloud.connect())
    except cloud.ERRORS as error:
        log.warning("cloud limits: %s", error)
        if cloud.transient(error) == cloud.UNREACHABLE:
            raise CloudFull("The cloud did not answer: try again in a few minutes.", resource="cloud") from None
        return  # it answered but failed this once: the build retries its own calls and says why it fails
    waiting = _aggregate(Instance.objects.live().filter(server_id=""))
    needed = {
        "instances": (waiting["instances"], 1),
        "cores": (waiting["vcpus"], flavour.cpus),
        "ram_mb": (waiting["ram_mb"], flavour.ram_mb),
    }
    for resource, (pending, wanted) in needed.items():
        used, maximum = room[resource]
        if maximum >= 0 and used + pending + wanted > maximum:
            raise CloudFull(
                f"The cloud is full: {used + pending} of {maximum} {CLOUD_RESOURCES[resource]} are in use. "
                "Try again later, or choose a smaller size.",
                resource=f"cloud_{resource}", used=used + pending, limit=maximum, requested=wanted,
            )


def launch_choices(user, purpose):
    """What a launch page offers this user: the limits, current usage, every enabled environment
    and size with why the quota does not allow it (`environments`, `sizes`: (item, reason) pairs,
    reason "" when allowed), what to preselect (`chosen`: the first environment allowed and the
    smallest size that fits, as form values), why no launch fits at all (`full`), and whether an
    operator's approval is still missing."""
    limits, used = limits_for(user, purpose), usage(user, purpose)
    images = Image.objects.filter(enabled=True)
    flavours = Flavour.objects.filter(enabled=True).order_by("cpus", "ram_mb", "pk")  # smallest first
    last = approval(user) if purpose == Purpose.OPEN_DATA and limits.requires_approval else None
    environments = [(image, "" if limits.image_ids is None or image.pk in limits.image_ids
                     else "not allowed by your quota") for image in images]
    sizes = [(flavour, unfit(flavour, limits, used)) for flavour in flavours]
    return {
        "limits": limits,
        "usage": used,
        "environments": environments,
        "sizes": sizes,
        "chosen": {"image": next((str(image.pk) for image, why in environments if not why), ""),
                   "flavour": next((str(flavour.pk) for flavour, why in sizes if not why), "")},
        "full": _no_more_instances(limits, used) if used.instances >= limits.instances else "",
        "needs_approval": limits.requires_approval and purpose == Purpose.OPEN_DATA
        and (last is None or last.state != ApprovalRequest.State.ACCEPTED),
        "approval": last,
    }


# Approval of open-data launches

def approval(user):
    """The user's last decided request, else their pending one, else None."""
    requests = user.approval_requests.all()
    return requests.exclude(state=ApprovalRequest.State.PENDING).first() or requests.first()


def _check_approved(user):
    last = approval(user)
    if last is not None and last.state == ApprovalRequest.State.ACCEPTED:
        return
    if last is None:
        message = "Launching on open data needs an operator's approval first: request it, and you will get an e-mail."
    elif last.state == ApprovalRequest.State.PENDING:
        message = "Your request to launch on open data is waiting for an operator; you will get an e-mail."
    else:
        message = "Your request to launch on open data was refused; write to the operators if you think it should not be."
    raise ApprovalRequired(message, state=last.state if last else None)


def request_approval(user, reason=""):
    """Ask the operators to let `user` launch on open data; one pending request at a time."""
    pending = user.approval_requests.filter(state=ApprovalRequest.State.PENDING).first()
    if pending:
        return pending
    created = ApprovalRequest.objects.create(user=user, reason=reason)
    operators = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    send_mail(
        f"visa: {user.get_username()} asks to launch on open data",
        f"{user.get_full_name() or user.get_username()} <{user.email}> asks to launch on open data.\n\n"
        f"{reason}\n\nAccept or refuse it in the admin, under Approval requests.",
        None, [operator.email for operator in operators],
    )
    return created


def decide(approval_request, operator, accept: bool) -> bool:
    """Accept or refuse a pending request and tell the user by e-mail; False if it was decided before."""
    State = ApprovalRequest.State
    updated = ApprovalRequest.objects.filter(pk=approval_request.pk, state=State.PENDING).update(
        state=State.ACCEPTED if accept else State.REFUSED, decided_by=operator, decided_at=timezone.now(),
    )
    if not updated:
        return False
    approval_request.refresh_from_db()
    user = approval_request.user
    if accept:
        subject, body = "visa: you may now launch on open data", (
            "An operator accepted your request: you may now launch desktops on open data.")
    else:
        subject, body = "visa: your request to launch on open data was refused", (
            "An operator refused your request to launch desktops on open data. "
            "Write to the operators if you think it should not have been.")
    send_mail(subject, body, None, [user.email])
    return True


# Operators' actions

def raise_quota(quota):
    """One more instance, with room for the largest size the quota allows."""
    sizes = quota.flavours.all() if quota.pk and quota.flavours.exists() else Flavour.objects.filter(enabled=True)
    largest = sizes.order_by("-cpus", "-ram_mb").first()
    quota.max_instances += 1
    if largest:
        quota.max_vcpus += largest.cpus
        quota.max_ram_gb += math.ceil(largest.ram_mb / 1024)
    quota.save()


def reset_quota(quota):
    """A user's or group's quota is deleted (the next level applies again); the default gets the
    built-in values back."""
    if quota.level != Quota.Level.DEFAULT:
        quota.delete()
        return
    for name, value in DEFAULT_LIMITS[quota.purpose].items():
        setattr(quota, name, value)
    quota.requires_approval = False
    quota.save()
    quota.flavours.clear()
    quota.images.clear()


def usage_of_quotas(quotas) -> dict:
    """Current usage beside each quota (admin): a user's own; a group's members' together;
    everyone's for the default. Three queries for any number of quotas."""
    live = Instance.objects.live().order_by()
    sums = {"instances": Count("pk"), "vcpus": Coalesce(Sum("flavour__cpus"), 0),
            "ram_mb": Coalesce(Sum("flavour__ram_mb"), 0)}
    by_user = {(row.pop("owner"), row.pop("purpose")): Usage(**row) for row in live.filter(
        owner__in=[q.user_id for q in quotas if q.user_id]).values("owner", "purpose").annotate(**sums)}
    by_group = {(row.pop("owner__groups"), row.pop("purpose")): Usage(**row) for row in live.filter(
        owner__groups__in=[q.group_id for q in quotas if q.group_id]).values("owner__groups", "purpose").annotate(**sums)}
    overall = {row.pop("purpose"): Usage(**row) for row in live.values("purpose").annotate(**sums)}
    found = {}
    for q in quotas:
        if q.user_id:
            found[q.pk] = by_user.get((q.user_id, q.purpose), Usage())
        elif q.group_id:
            found[q.pk] = by_group.get((q.group_id, q.purpose), Usage())
        else:
            found[q.pk] = overall.get(q.purpose, Usage())
    return found
