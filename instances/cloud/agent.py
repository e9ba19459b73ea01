"""The endpoint a VM's mount agent (protocols/mount_agent.py) asks which data to mount.

An instance's agent token is its UUID and an HMAC of it under the service's SECRET_KEY, so
nothing secret is stored and every web process can check it. It is derived, not stored hashed,
because the user data it goes into can be rendered twice for one server (a create that timed out
in the cloud after it succeeded is found again, not rendered anew), and both renderings must agree.
It is not the VNC secret, and it opens nothing but this endpoint for this instance.
"""
import hashlib
import json
import uuid

from django.http import HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.http import require_GET

from instances.models import Instance
from instances.states import LIVE

from . import dcache
from .mounts import data_mounts, how_to_mount

SALT = "instances.agent.token"


def token_of(instance_uuid):
    return f"{instance_uuid}.{salted_hmac(SALT, str(instance_uuid), algorithm='sha256').hexdigest()}"


def _instance_uuid(request):
    """The UUID an Authorization: Bearer <agent token> header proves, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    claimed, _, _ = token.partition(".")
    try:
        claimed = uuid.UUID(claimed)
    except ValueError:
        return None
    return claimed if scheme == "Bearer" and constant_time_compare(token, token_of(claimed)) else None


def _error(status, message):
    answer = JsonResponse({"error": message}, status=status)
    if status == 401:
        answer["WWW-Authenticate"] = 'Bearer realm="visa agent"'
    return answer


@require_GET
def mounts(request):
    """What the instance should have mounted now: exactly its attached experiments that the
    owner may read (data_mounts), with fresh macaroons for WebDAV. The ETag names that
    set, so an agent with nothing to change gets 304 and dCache is not asked for macaroons."""
    instance_uuid = _instance_uuid(request)
    if instance_uuid is None:
        return _error(401, "A valid agent token is required.")
    instance = Instance.objects.select_related("owner").filter(uuid=instance_uuid, state__in=LIVE).first()
    if instance is None:
        return _error(403, "This instance is deleted.")
    wanted = data_mounts(instance)
    etag = '"%s"' % hashlib.sha256(json.dumps(wanted).encode()).hexdigest()[:32]
    if request.headers.get("If-None-Match") == etag:
        answer = HttpResponse(status=304)
    else:
        try:
            answer = JsonResponse({"mounts": how_to_mount(instance, wanted)})
        except dcache.DataMountError as error:
            return _error(502, str(error))
    answer["ETag"] = etag
    answer["Cache-Control"] = "no-store"  # macaroons
    return answer
