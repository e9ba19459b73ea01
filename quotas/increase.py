"""Asking for more: a user whose quota is too small for what they need asks the operators for
bigger limits, with a reason; accepting gives them a quota of their own with at least those limits.
One pending request per user and purpose; the user is told by e-mail either way."""
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from notices import services as notices

from . import operators
from .limits import limits_for
from .models import Quota, QuotaRequest
from .refusals import ask_for_more

FIGURES = ("max_instances", "max_vcpus", "max_ram_gb", "max_lifetime_hours")


def current(limits):
    """The figures of the limits that apply now, as a request names them (and the GPUs, which a
    user's own quota made by accepting keeps; operators grant those in the quota itself)."""
    return {"max_instances": limits.instances, "max_vcpus": limits.vcpus, "max_ram_gb": limits.ram_gb,
            "max_lifetime_hours": int(limits.lifetime.total_seconds() // 3600), "max_gpus": limits.gpus}


def pending(user, purpose):
    return user.quota_requests.filter(purpose=purpose, state=QuotaRequest.State.PENDING).first()


def last_decided(user, purpose):
    return user.quota_requests.filter(purpose=purpose).exclude(state=QuotaRequest.State.PENDING).first()


def ask(user, purpose, figures, reason):
    """A pending request for `figures` (totals, FIGURES); the one already waiting if there is one."""
    try:
        with transaction.atomic():
            made = QuotaRequest.objects.create(user=user, purpose=purpose, reason=reason, **figures)
    except IntegrityError:  # one pending per purpose (a constraint): two submits at once make one
        return pending(user, purpose)
    now = current(limits_for(user, purpose))
    wanted = "\n".join(f"  {QuotaRequest._meta.get_field(name).verbose_name}: {now[name]} -> {figures[name]}"
                       for name in FIGURES if figures[name] != now[name])
    operators.tell(
        f"visa: {user.get_username()} asks for a bigger quota",
        f"{user.get_full_name() or user.get_username()} <{user.email}> asks for more "
        f"({made.get_purpose_display()}):\n{wanted}\n\n{reason}\n\n"
        "Accept or refuse it in the admin, under Quota requests.",
    )
    return made


@transaction.atomic
def decide(request, operator, accept: bool) -> bool:
    """Accept (the user's own quota gets at least the figures asked for, starting from the limits
    that applied) or refuse, and tell the user; False if it was decided before."""
    if not operators.settle(request, operator, accept):
        return False
    user = request.user
    if accept:
        applying = limits_for(user, request.purpose)
        quota, made = Quota.objects.get_or_create(user=user, purpose=request.purpose, defaults={
            **current(applying), "requires_approval": applying.requires_approval})
        if made:  # the sizes and environments that applied still do
            quota.flavours.set(applying.flavour_ids or [])
            quota.images.set(applying.image_ids or [])
        for name in FIGURES:
            setattr(quota, name, max(getattr(quota, name), getattr(request, name)))
        quota.save()
        subject, body = "visa: your quota was raised", (
            f"An operator accepted your request: your quota for {request.get_purpose_display()} is now "
            f"{quota.max_instances} running instances, {quota.max_vcpus} vCPUs, {quota.max_ram_gb} GB of RAM "
            f"and up to {quota.max_lifetime_hours} hours per instance.")
    else:
        subject, body = "visa: your request for a bigger quota was refused", (
            "An operator refused your request for a bigger quota. "
            "Write to the operators if you think it should not have been.")
    send_mail(subject, body, None, [user.email])
    notices.notify(user, body, ask_for_more(request.purpose))
    return True
