"""Which limits apply to a user for a purpose, and whether one more instance fits in them.

Usage is not counted here: it is the user's live instances, which the app above (instances)
counts and passes in, so the Instance row a launch commits is the record of its usage.
"""
import dataclasses
import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q

from openaccess.policy import reads_only_because_open

from . import approval
from .models import Purpose, Quota
from .refusals import QuotaExceeded


@dataclasses.dataclass(frozen=True)
class Limits:
    """The limits that apply to one user for one purpose, and where they come from."""

    purpose: str
    source: str
    instances: int
    vcpus: int
    ram_gb: int
    gpus: int
    lifetime: datetime.timedelta
    flavour_ids: frozenset | None  # None: every size
    image_ids: frozenset | None  # None: every environment
    requires_approval: bool

    @property
    def lifetime_text(self):
        hours = int(self.lifetime.total_seconds() // 3600)
        return f"{hours // 24} days" if hours % 24 == 0 and hours > 24 else f"{hours} hours"

    @property
    def needs_approval(self):
        return self.requires_approval and self.purpose == Purpose.OPEN_DATA


@dataclasses.dataclass(frozen=True)
class Usage:
    """What a user's live instances of one purpose take."""

    instances: int = 0
    vcpus: int = 0
    ram_mb: int = 0
    gpus: int = 0


def _chosen(quotas, name):
    """{quota's pk: the pks of the `name` (flavours, images) it allows}, in one query of ids (no
    prefetch: a quota is read at every launch, and a prefetch costs several times the CPU)."""
    through = getattr(Quota, name).through
    pairs = through.objects.filter(quota__in=[q.pk for q in quotas if q.pk]).values_list("quota_id", f"{name[:-1]}_id")
    found = {}
    for quota, item in pairs:
        found.setdefault(quota, set()).add(item)
    return found


def _limits(quotas, source):
    """One Limits from quotas of the same level: the most generous value of each limit."""
    def allowed(name):  # None (every one) if a quota chose none
        chosen = _chosen(quotas, name)
        ids = [chosen.get(q.pk) for q in quotas]
        return frozenset().union(*ids) if all(ids) else None

    return Limits(
        purpose=quotas[0].purpose,
        source=source,
        instances=max(q.max_instances for q in quotas),
        vcpus=max(q.max_vcpus for q in quotas),
        ram_gb=max(q.max_ram_gb for q in quotas),
        gpus=max(q.max_gpus for q in quotas),
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
        .select_related("group")
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


def lock(user):
    """Serialise the launches of one user until the launching transaction ends.

    PostgreSQL: a row lock on the user, so the usage read by one launch cannot change before it
    commits its instance; NO KEY UPDATE leaves other rows free to refer to the user meanwhile.
    SQLite (the demo) ignores row locks; there every transaction begins IMMEDIATE, taking the
    database's write lock before its first read (settings.DATABASES), which serialises as much.
    """
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).first()


def check(user, limits, used, flavour, image):
    """Raise QuotaExceeded (or ApprovalRequired) unless one more instance of `flavour` and
    `image` fits in `limits` beside `used`; the message says what to do."""
    purpose = limits.purpose
    if limits.needs_approval:
        approval.check_approved(user)
    _check_allowed(flavour, limits.flavour_ids, "size", purpose)
    _check_allowed(image, limits.image_ids, "environment", purpose)
    kind = " open-data" if purpose == Purpose.OPEN_DATA else ""
    details = {"purpose": purpose, "quota": limits.source}
    if used.instances + 1 > limits.instances:
        raise QuotaExceeded(no_more_instances(limits, used), resource="instances", used=used.instances,
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
    if used.gpus + flavour.gpus > limits.gpus:
        raise QuotaExceeded(
            f"{flavour.name} needs {_gpus(flavour.gpus)} and {used.gpus} of your {limits.gpus}{kind} GPUs are in "
            "use: choose a size without GPUs, delete an instance, or ask the operators for GPUs.",
            resource="gpus", used=used.gpus, limit=limits.gpus, requested=flavour.gpus, **details,
        )


def no_more_instances(limits, used):
    kind = " open-data" if limits.purpose == Purpose.OPEN_DATA else ""
    return f"{used.instances} of {limits.instances}{kind} instances running: delete one, or ask for more."


def unfit(flavour, limits, used):
    """Why `flavour` does not fit what `limits` leave after `used`, in a few words for a launch
    page to show beside it; "" when it fits. check() decides at launch."""
    if limits.flavour_ids is not None and flavour.pk not in limits.flavour_ids:
        return "not allowed by your quota"
    if used.instances >= limits.instances:  # the count is full whatever the size: say so, as check() does
        kind = " open-data" if limits.purpose == Purpose.OPEN_DATA else ""
        return f"{used.instances} of {limits.instances}{kind} instances running"
    vcpus_left = max(limits.vcpus - used.vcpus, 0)
    if flavour.cpus > vcpus_left:
        return f"needs {flavour.cpus} vCPUs, your quota has {vcpus_left} left"
    ram_left = max(limits.ram_gb * 1024 - used.ram_mb, 0)
    if flavour.ram_mb > ram_left:
        return f"needs {_gb(flavour.ram_mb)} GB of memory, your quota has {_gb(ram_left)} GB left"
    gpus_left = max(limits.gpus - used.gpus, 0)
    if flavour.gpus > gpus_left:
        return f"needs {_gpus(flavour.gpus)}, your quota has {gpus_left} left"
    return ""


def _gb(mb):
    return f"{mb / 1024:g}"


def _gpus(count):
    return f"{count} GPU{'s' if count > 1 else ''}"


def _check_allowed(item, allowed_ids, noun, purpose):
    """An image or flavour the quota does not allow: say which of its kind it does."""
    if allowed_ids is None or item.pk in allowed_ids:
        return
    model = type(item)
    choices = ", ".join(str(m.name) for m in model.objects.filter(pk__in=allowed_ids, enabled=True))
    raise QuotaExceeded(
        f"The {noun} {item.name} is not allowed for you: choose {choices or 'another'}, or ask for more.",
        resource=f"{model._meta.model_name}", requested=item.name, allowed=choices.split(", ") if choices else [],
        purpose=purpose,
    )
