"""What every request to the operators shares: telling them, and settling it once."""
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import timezone

from .models import RequestState


def tell(subject, body):
    """E-mail every active staff member who has an address."""
    operators = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    send_mail(subject, body, None, [operator.email for operator in operators])


def settle(request, operator, accept: bool) -> bool:
    """Accept or refuse a pending request (an ApprovalRequest or a QuotaRequest) by a conditional
    UPDATE, so two operators deciding at once decide once; False if it was decided before."""
    updated = type(request).objects.filter(pk=request.pk, state=RequestState.PENDING).update(
        state=RequestState.ACCEPTED if accept else RequestState.REFUSED,
        decided_by=operator, decided_at=timezone.now(),
    )
    if updated:
        request.refresh_from_db()
    return bool(updated)
