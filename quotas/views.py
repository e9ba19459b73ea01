from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services


@login_required
@require_POST
def request_approval(request):
    """Ask the operators to let this user launch on open data."""
    services.request_approval(request.user, request.POST.get("reason", "").strip()[:2000])
    messages.success(request, "Your request was sent to the operators; you will get an e-mail when they decide.")
    back = request.POST.get("back", "")
    return redirect(back if url_has_allowed_host_and_scheme(back, {request.get_host()}) else "home")
