from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from visa.params import text
from visa.redirects import safe_back

from . import approval


@login_required
@require_POST
def request_approval(request):
    """Ask the operators to let this user launch on open data."""
    approval.request_approval(request.user, text(request.POST.get("reason", ""), "reason").strip()[:2000])
    messages.success(request, "Your request was sent to the operators; you will get an e-mail when they decide.")
    return redirect(safe_back(request, "home"))
