"""The page where a user makes and revokes personal API tokens for scripts."""
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import services
from .forms import TokenForm


@login_required
def tokens(request):
    """GET lists the user's tokens; POST makes one and shows its secret, in this answer only."""
    form, secret = TokenForm(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in"]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        _, secret = services.create(request.user, form.cleaned_data["name"], expires_at)
        form = TokenForm()
    return render(request, "apitokens/tokens.html", {
        "form": form, "secret": secret, "tokens": request.user.api_tokens.all(),
    }, status=201 if secret else 200)


@login_required
@require_POST
def revoke(request, pk):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.revoke(token)
    messages.success(request, f"“{token.name}” is revoked: scripts using it are refused from now on.")
    return redirect("api-tokens")
