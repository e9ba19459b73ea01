from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from visa.params import text
from visa.redirects import safe_back

from . import approval, increase
from .forms import MoreForm, purpose
from .limits import limits_for


@login_required
@require_POST
def request_approval(request):
    """Ask the operators to let this user launch on open data."""
    approval.request_approval(request.user, text(request.POST.get("reason", ""), "reason").strip()[:2000])
    messages.success(request, "Your request was sent to the operators; you will get an e-mail when they decide.")
    return redirect(safe_back(request, "home"))


@login_required
@require_http_methods(["GET", "POST"])
def ask_for_more(request):
    """Ask the operators for a bigger quota (`?purpose=member|open`): the limits that apply now,
    the request waiting if there is one, else a form starting from those limits."""
    chosen = purpose(request.GET.get("purpose") or request.POST.get("purpose"))
    limits = limits_for(request.user, chosen)
    form = MoreForm(increase.current(limits), request.POST if request.method == "POST" else None)
    waiting = increase.pending(request.user, chosen)
    if form.is_bound and not waiting and form.is_valid():
        increase.ask(request.user, chosen, form.figures(), text(form.cleaned_data["reason"], "reason").strip())
        messages.success(request, "Your request was sent to the operators; you will get an e-mail when they decide.")
        return redirect(safe_back(request, "home"))
    return render(request, "quotas/more.html", {
        "purpose": chosen, "limits": limits, "form": form, "waiting": waiting,
        "decided": increase.last_decided(request.user, chosen),
        "back": request.POST.get("back") or request.GET.get("back", ""),
    }, status=400 if form.is_bound and form.errors else 200)
