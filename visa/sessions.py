"""A WebSocket's Django session read again: scope["session"] keeps what it read at connect, and a
kick, a closed notice or a sign-out may have changed it since."""
from importlib import import_module

from django.conf import settings


def fresh(session):
    if session is None or not session.session_key:
        return session
    return import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
