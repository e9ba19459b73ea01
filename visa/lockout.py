"""Failed sign-ins are throttled by django-axes on every way to sign in: the login page, the admin's
login (both through Django's authenticate) and API tokens (apitokens.authentication). This module
holds axes' hooks: what a failure counts against, and the answer a locked-out client gets.

A failure counts against the account named (if any) and, apart, against the client's address
(REMOTE_ADDR, which uvicorn takes from the trusted proxy's X-Forwarded-For): AXES_FAILURE_LIMIT
failures on either lock it for AXES_COOLOFF_TIME after the last one. Operators see and delete
lockouts in Django admin ("Access attempts") or with `manage.py axes_reset`.
"""
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone


def parameters(request, credentials):
    """Per account and per address apart; a failure that names no account (a wrong API token)
    counts against its address only, so that it never locks out everyone without a name."""
    if get_client_username(request, credentials):
        return ["username", "ip_address"]
    return ["ip_address"]


def retry_at(request, credentials=None):
    """When the lockout on this client's address or account ends."""
    locked = Q(ip_address=getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR"))
    if username := get_client_username(request, credentials):
        locked |= Q(username=username)
    last = AccessAttempt.objects.filter(locked, failures_since_start__gte=settings.AXES_FAILURE_LIMIT).aggregate(
        last=Max("attempt_time"))["last"] or timezone.now()
    return last + settings.AXES_COOLOFF_TIME


def message(until):
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    at = timezone.localtime(until).strftime("%H:%M")
    return (f"Too many failed sign-ins for this account or from your address. Try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}, at {at} ({settings.TIME_ZONE}).")


def response(request, *args):
    """AXES_LOCKOUT_CALLABLE: 429 with when to try again; JSON under /api/. (axes passes the
    credentials in a different position in its sync and async paths, so they are read from the
    request, where axes keeps them.)"""
    until = retry_at(request, getattr(request, "axes_credentials", None))
    wait = max(1, int((until - timezone.now()).total_seconds()))
    if request.path.startswith("/api/"):
        answer = JsonResponse({"detail": message(until)}, status=429)
    else:
        answer = render(request, "registration/locked_out.html", {"message": message(until)}, status=429)
    answer["Retry-After"] = str(wait)
    return answer
