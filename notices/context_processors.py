from functools import cache

from . import services


def notices(request):
    """What base.html shows before its socket opens: the notices and the unread count, each asked
    of the database once however often the page uses it (a template calls a callable at each use).
    None on a page answered before the middleware ran (Django's 400 for a foreign Host)."""
    if not hasattr(request, "user"):
        return {}
    return {"notices": cache(lambda: services.showing(request.user, request.session)),
            "unread": cache(lambda: services.unread(request.user))}
