"""The endpoint a VM's mount agent (protocols/mount_agent.py) asks which data to mount, and by
which it takes new secrets when they are rotated (vmsecrets.py). Its token opens nothing but this
endpoint for this instance.
"""
import hashlib
import json
import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from instances.states import LIVE

from . import dcache, vmsecrets
from .mounts import data_mounts, how_to_mount

log = logging.getLogger(__name__)


def _error(status, message):
    answer = JsonResponse({"error": message}, status=status)
    if status == 401:
        answer["WWW-Authenticate"] = 'Bearer realm="visa agent"'
    return answer


@require_GET
def mounts(request):
    """What the instance should have mounted now: exactly its attached experiments that the
    owner may read (data_mounts), with fresh macaroons for WebDAV, and the secrets it is to take
    when a rotation waits. The ETag names that answer, so an agent with nothing to change gets
    304 and dCache is not asked for macaroons."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    proven = vmsecrets.instance_of(token) if scheme == "Bearer" else None
    if proven is None:
        return _error(401, "A valid agent token is required.")
    instance, took_rotation = proven
    if instance.state not in LIVE:
        return _error(403, "This instance is deleted.")
    if took_rotation:
        vmsecrets.rotated(instance)
        log.info("instance %s: its VM took new secrets", instance.uuid)
    wanted = data_mounts(instance)
    rotation = vmsecrets.rotation_for(instance)
    etag = '"%s"' % hashlib.sha256(json.dumps([wanted, rotation]).encode()).hexdigest()[:32]
    if request.headers.get("If-None-Match") == etag:
        answer = HttpResponse(status=304)
    else:
        try:
            body = {"mounts": how_to_mount(instance, wanted)}
        except dcache.DataMountError as error:
            return _error(502, str(error))
        answer = JsonResponse({**body, "rotate": rotation} if rotation else body)
    answer["ETag"] = etag
    answer["Cache-Control"] = "no-store"  # macaroons, secrets
    return answer
