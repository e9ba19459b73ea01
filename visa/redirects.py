"""Where a form may send the browser back to: a page of this site only, never elsewhere."""
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_back(request, default):
    """The form's `back` field if it names a page of this site (over HTTPS when the request came
    so), else `default` (a URL or a URL name)."""
    back = request.POST.get("back", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return resolve_url(default)
