from . import services


def notices(request):
    """What base.html shows before its socket opens: the notices and the unread count."""
    return {"notices": lambda: services.showing(request.user, request.session),
            "unread": lambda: services.unread(request.user)}
