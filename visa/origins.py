"""Which pages may open a WebSocket here: only this site's own, compared by scheme, host and port.

Browsers send cookies with a WebSocket upgrade from any page, so the Origin header is the only
defence against another site (or another service on this host, on another port) driving a
signed-in user's desktop. channels' AllowedHostsOriginValidator compares host names only; this
compares whole origins, as Django's CSRF check does for forms:
- the origin the request itself came to: its Host (one of ALLOWED_HOSTS) with the scheme Django
  sees (SECURE_PROXY_SSL_HEADER, i.e. X-Forwarded-Proto from nginx under DJANGO_HTTPS=1, else the
  server's own ws/wss);
- VISA_SITE_URL and CSRF_TRUSTED_ORIGINS (a leading `*.` in a trusted origin's host allows its
  subdomains, as for CSRF).
An upgrade without an Origin header is refused: browsers always send one, and a script that
holds a session cookie can send one too.
"""
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def parse(origin):
    """(scheme, host, port) of an origin or URL, with the scheme's default port; None if malformed."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port


def header(scope, name):
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def scheme_of(scope):
    """http or https, as Django's request.scheme would say for this connection."""
    if settings.SECURE_PROXY_SSL_HEADER:
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        forwarded = header(scope, meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode())
        if forwarded is not None:
            return "https" if forwarded.split(",", 1)[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def own_origin(scope):
    """The origin this request was addressed to, if its Host is one of ALLOWED_HOSTS."""
    host = header(scope, b"host") or ""
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return parse(f"{scheme_of(scope)}://{host}")


def trusted(origin):
    """Whether an origin is the site's configured one or a CSRF-trusted one."""
    for allowed in (settings.VISA_SITE_URL, *settings.CSRF_TRUSTED_ORIGINS):
        wildcard = "://*." in allowed
        pattern = parse(allowed.replace("://*.", "://", 1))
        if pattern is None:
            continue
        scheme, host, port = pattern
        if origin[0] == scheme and origin[2] == port and (
                origin[1] == host or wildcard and is_same_domain(origin[1], "." + host)):
            return True
    return False


def allowed(scope):
    sent = header(scope, b"origin")
    origin = parse(sent) if sent else None
    return origin is not None and (origin == own_origin(scope) or trusted(origin))


class SameOriginValidator:
    """ASGI middleware: a WebSocket from another origin is refused before it reaches a consumer
    (HTTP 403 on the upgrade)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
