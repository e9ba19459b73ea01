"""How a visa user reaches an instance's notebook origin, which never sees visa's session cookie:
visa's origin issues a one-time ticket (signed, valid for TICKET_SECONDS, its nonce in the cache
until redeemed), the notebook origin redeems it once and sets a cookie of its own, signed, naming
the instance and the user, valid for COOKIE_SECONDS. Access itself is decided again at every
request and connection (`sharing.access.jupyter_access`): the cookie only says who asks."""
import secrets

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.http.cookie import parse_cookie

from instances.sharing.access import Refused, SignInRequired, jupyter_access

from .origins import header, secure

TICKET_SECONDS = 30
COOKIE_SECONDS = 3600  # then a page load goes through visa again (a new ticket, if access holds)
TICKET_SALT = "instances.jupyter.ticket"
COOKIE_SALT = "instances.jupyter.cookie"
NOT_VALID = "This link to JupyterLab is not valid any more: open JupyterLab again from the instance's page."


def issue(instance, user):
    nonce = secrets.token_urlsafe(16)
    cache.set(_key(nonce), instance.pk, TICKET_SECONDS)
    return signing.dumps({"i": str(instance.uuid), "u": user.pk, "n": nonce}, salt=TICKET_SALT)


def redeem(ticket, instance_uuid):
    """The user id a ticket for this instance names; Refused if forged, expired, for another
    instance or used before."""
    try:
        claim = signing.loads(ticket, salt=TICKET_SALT, max_age=TICKET_SECONDS)
    except signing.BadSignature:
        raise Refused(NOT_VALID) from None
    if claim.get("i") != str(instance_uuid) or not cache.delete(_key(claim.get("n"))):
        raise Refused(NOT_VALID)
    return claim["u"]


def _key(nonce):
    return f"jupyter-ticket:{nonce}"


def cookie_name():
    # __Host-: sent only to this very host, set only by it over HTTPS with no Domain, so a sibling
    # notebook origin cannot plant one.
    return "__Host-visa-notebook" if secure() else "visa-notebook"


def cookie_header(instance_uuid, user_id):
    value = signing.dumps({"i": str(instance_uuid), "u": user_id}, salt=COOKIE_SALT)
    return (f"{cookie_name()}={value}; Path=/; Max-Age={COOKIE_SECONDS}; HttpOnly; SameSite=Lax"
            + ("; Secure" if secure() else "")).encode()


def user_id_of(scope, instance_uuid):
    """The user id in the request's notebook cookie for this instance, or None."""
    value = parse_cookie(header(scope, b"cookie") or "").get(cookie_name())
    if not value:
        return None
    try:
        claim = signing.loads(value, salt=COOKIE_SALT, max_age=COOKIE_SECONDS)
    except signing.BadSignature:
        return None
    return claim.get("u") if claim.get("i") == str(instance_uuid) else None


def without_cookie(cookie_text):
    """The browser's Cookie header without ours (Jupyter's own, e.g. _xsrf, go on to Jupyter)."""
    kept = [part for part in cookie_text.split(";") if part.strip().partition("=")[0] != cookie_name()]
    return ";".join(kept).strip()


def access_of(scope, instance_uuid):
    """Who asks on the notebook origin (its cookie's user) and their access now, or raise Refused
    (SignInRequired without a valid cookie: the way in is through visa's origin)."""
    user_id = user_id_of(scope, instance_uuid)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise SignInRequired("Open JupyterLab from the instance's page in visa.")
    return jupyter_access(user, instance_uuid)
