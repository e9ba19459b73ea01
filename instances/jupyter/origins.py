"""The notebook origin of an instance (VISA_NOTEBOOK_ORIGIN with its UUID) and the instance a
request on a notebook origin is for. One origin per instance: a notebook's code shares no cookies,
storage or same-origin requests with visa's pages nor with another instance's notebooks."""
import re
import uuid

from django.conf import settings


def header(scope, name):
    """An ASGI request's header (name in lower case, bytes), or None."""
    return next((value.decode("latin1") for key, value in scope.get("headers", ()) if key == name), None)


def origin_of(instance_uuid):
    """The instance's notebook origin as a browser writes it (no default port)."""
    origin = settings.VISA_NOTEBOOK_ORIGIN.format(uuid=instance_uuid).lower()
    return re.sub(r":443$" if origin.startswith("https:") else r":80$", "", origin)


def secure():
    return settings.VISA_NOTEBOOK_ORIGIN.startswith("https:")


UUID = "(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


def _host_pattern():
    """A Host header of a notebook origin: the template's host with a UUID, and its port (which a
    Host leaves out when it is the scheme's default)."""
    scheme, _, host = settings.VISA_NOTEBOOK_ORIGIN.partition("://")
    name, _, port = host.partition(":")
    default = {"http": "80", "https": "443"}[scheme]
    pattern = re.escape(name).replace(re.escape("{uuid}"), UUID)
    return pattern + (f"(?::{default})?" if port in ("", default) else f":{port}")


def instance_uuid(scope):
    """The UUID whose notebook origin this request's Host names, or None (visa's own hosts)."""
    host = (header(scope, b"host") or "").lower()
    match = re.fullmatch(_host_pattern(), host)
    return uuid.UUID(match["uuid"]) if match else None


def same_origin(scope, instance_uuid):
    """Whether a WebSocket upgrade comes from this instance's notebook origin, and no other page."""
    return header(scope, b"origin") == origin_of(instance_uuid)
