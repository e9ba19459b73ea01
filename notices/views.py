from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from visa.redirects import safe_back

from . import services
from .models import Notice


@require_POST
def close(request, pk):
    """Close or acknowledge a notice; htmx gets the notices as they are now, a plain form goes back."""
    services.close(get_object_or_404(Notice, pk=pk), request.user, request.session)
    if request.headers.get("HX-Request"):
        return render(request, "notices/_live.html", {
            "notices": services.showing(request.user, request.session), "unread": services.unread(request.user)})
    return redirect(safe_back(request, "home"))


@login_required
def notifications(request):
    """The user's notifications, newest first; opening this page reads them."""
    unread = services.unread(request.user)
    return render(request, "notices/notifications.html", {
        "shown": services.read(request.user), "new": unread, "unread": 0})
