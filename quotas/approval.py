"""Approval of open-data launches: where the open-data quota that applies requires it, a user asks,
an operator accepts or refuses, and the user is told by e-mail either way."""
from django.core.mail import send_mail

from notices import services as notices

from . import operators
from .models import ApprovalRequest
from .refusals import ApprovalRequired


def approval(user):
    """The user's last decided request, else their pending one, else None."""
    requests = user.approval_requests.all()
    return requests.exclude(state=ApprovalRequest.State.PENDING).first() or requests.first()


def check_approved(user):
    last = approval(user)
    if last is not None and last.state == ApprovalRequest.State.ACCEPTED:
        return
    if last is None:
        message = "Launching on open data needs an operator's approval first: request it, and you will get an e-mail."
    elif last.state == ApprovalRequest.State.PENDING:
        message = "Your request to launch on open data is waiting for an operator; you will get an e-mail."
    else:
        message = ("Your request to launch on open data was refused; "
                   "write to the operators if you think it should not be.")
    raise ApprovalRequired(message, state=last.state if last else None)


def request_approval(user, reason=""):
    """Ask the operators to let `user` launch on open data; one pending request at a time."""
    pending = user.approval_requests.filter(state=ApprovalRequest.State.PENDING).first()
    if pending:
        return pending
    created = ApprovalRequest.objects.create(user=user, reason=reason)
    operators.tell(
        f"visa: {user.get_username()} asks to launch on open data",
        f"{user.get_full_name() or user.get_username()} <{user.email}> asks to launch on open data.\n\n"
        f"{reason}\n\nAccept or refuse it in the admin, under Approval requests.",
    )
    return created


def decide(approval_request, operator, accept: bool) -> bool:
    """Accept or refuse a pending request and tell the user by e-mail; False if it was decided before."""
    if not operators.settle(approval_request, operator, accept):
        return False
    user = approval_request.user
    if accept:
        subject, body = "visa: you may now launch on open data", (
            "An operator accepted your request: you may now launch desktops on open data.")
    else:
        subject, body = "visa: your request to launch on open data was refused", (
            "An operator refused your request to launch desktops on open data. "
            "Write to the operators if you think it should not have been.")
    send_mail(subject, body, None, [user.email])
    notices.notify(user, body)
    return True
