"""Where a form may send the browser back to: a page of this site only, never elsewhere."""
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_back(request, default):
    """The form's `back` field if it names a page of this site by its path (over HTTPS when the
    request came so), else `default` (a URL or a URL name). A relative `back` ("0") is refused:
    redirect() would take it for a URL name."""
    back = request.POST.get("back", "")
    here = {request.get_host()}
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, here, require_https=request.is_secure()):
        return back
    return resolve_url(default)
