"""The page on visa's origin that sends a user to their instance's JupyterLab: it decides access
with visa's session and hands over a one-time ticket in the address of the notebook origin, which
never sees visa's cookies. The notebook origin sends a visitor without a valid cookie back here."""
import re
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from instances.sharing.access import Refused, jupyter_access

from . import tickets
from .origins import origin_of

TICKET_PATH = "/_visa/ticket"  # on the notebook origin (proxy.py); Jupyter has no path under /_visa


def landing(path):
    """Where to go on the notebook origin: a path of it (as the notebook origin sent), else JupyterLab."""
    return path if re.fullmatch(r"/(?![/\\])[^\s\\]*", path or "") else "/lab"


@require_GET
@never_cache
@login_required
def open_jupyter(request, uuid):
    try:
        access = jupyter_access(request.user, uuid)
    except Refused as refusal:
        return render(request, "instances/jupyter_refused.html", {"problem": str(refusal), "uuid": uuid}, status=403)
    ticket = tickets.issue(access.instance, request.user)
    query = urlencode({"ticket": ticket, "next": landing(request.GET.get("next"))})
    response = HttpResponseRedirect(f"{origin_of(access.instance.uuid)}{TICKET_PATH}?{query}")
    response["Referrer-Policy"] = "no-referrer"
    return response
