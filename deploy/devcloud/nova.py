"""Nova (compute API v2.1): servers and their actions, version documents (flavours and limits: `flavours`)."""
import hashlib
import re
import secrets

from . import catalogue, neutron, userdata
from .cloud import ACTIVE, BUILD, ERROR, REBOOT, SHUTOFF, Conflict, NotFound, QuotaExceeded
from .web import HttpError, Reply, Routes

MIN_VERSION, MAX_VERSION = (2, 1), (2, 79)
API = r"/compute/v2\.1"
# Nova's vm_state, task_state and power_state (1 running, 4 shut down) behind each status.
STATES = {
    BUILD: ("building", "spawning", 0),
    ACTIVE: ("active", None, 1),
    SHUTOFF: ("stopped", None, 4),
    REBOOT: ("active", "rebooting", 1),
    ERROR: ("error", None, 0),
}


def fault(status, kind, message):
    return HttpError(status, {kind: {"code": status, "message": message}})


def bad_request(message):
    return fault(400, "badRequest", message)


def microversion(request):
    """The microversion the client asked for, by either header; 2.1 if it did not."""
    wanted = request.headers.get("X-OpenStack-Nova-API-Version")
    for part in (request.headers.get("OpenStack-API-Version") or "").split(","):
        service, _, version = part.strip().partition(" ")
        if service.lower() == "compute":
            wanted = version.strip()
    if not wanted:
        return MIN_VERSION
    if wanted == "latest":
        return MAX_VERSION
    match = re.fullmatch(r"(\d+)\.(\d+)", wanted)
    if not match:
        raise bad_request(f"API Version String {wanted} is of invalid format.")
    version = (int(match[1]), int(match[2]))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise fault(
            406,
            "computeFault",
            f"Version {wanted} is not supported by the API. Minimum is {_text(MIN_VERSION)} "
            f"and maximum is {_text(MAX_VERSION)}.",
        )
    return version


def _text(version):
    return "%d.%d" % version


def version_headers(request):
    """The microversion of the answer, on every answer past authentication, errors included, as
    Nova's API says it; a microversion Nova would refuse is refused here (no such headers then)."""
    version = _text(microversion(request))
    return {
        "OpenStack-API-Version": f"compute {version}",
        "X-OpenStack-Nova-API-Version": version,
        "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version",
    }


# The version documents of the root are not under microversion control (Nova's `Versions`);
# everything under /v2.1 is.
root = Routes()
routes = Routes(headers=version_headers)


def _version_document(request):
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": _text(MAX_VERSION),
        "min_version": _text(MIN_VERSION),
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": f"{request.base_url}/compute/v2.1/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}],
    }


def links(request, collection, id):
    return [
        {"rel": "self", "href": f"{request.base_url}/compute/v2.1/{collection}/{id}"},
        {"rel": "bookmark", "href": f"{request.base_url}/compute/{collection}/{id}"},
    ]


def _server_summary(request, server):
    return {"id": server.id, "name": server.name, "links": links(request, "servers", server.id)}


def _server_detail(request, server, shown=False):
    """A server as GET /servers/detail lists it, or (`shown`) as GET /servers/{id} shows it, in
    the microversion asked for; fields an administrator alone sees (OS-EXT-SRV-ATTR:*,
    host_status) are left out, as Nova's default policy does for a project's member."""
    identity = request.app.identity
    vm_state, task_state, power_state = STATES[server.status]
    flavour = catalogue.flavour(server.flavor_id)
    version = microversion(request)
    if version >= (2, 47):  # the flavour is embedded since 2.47, referenced before
        flavor = {
            "original_name": flavour.name,
            "vcpus": flavour.vcpus,
            "ram": flavour.ram,
            "disk": flavour.disk,
            "ephemeral": 0,
            "swap": 0,
            "extra_specs": {},
        }
    else:
        flavor = {"id": flavour.id, "links": links(request, "flavors", flavour.id)[1:]}
    detail = {
        **_server_summary(request, server),
        "status": server.status,
        "tenant_id": identity.project_id,
        "user_id": identity.user_id,
        "metadata": server.metadata,
        "hostId": hashlib.sha224(f"{identity.project_id}devcloud".encode()).hexdigest(),
        "image": {"id": server.image_id, "links": links(request, "images", server.image_id)[1:]},
        "flavor": flavor,
        "created": server.created,
        "updated": server.updated,
        "addresses": neutron.addresses(server),
        "accessIPv4": server.address,
        "accessIPv6": "",
        "key_name": None,
        "config_drive": "",
        "progress": 0,
        "security_groups": [{"name": name} for name in server.security_groups],
        "os-extended-volumes:volumes_attached": [],
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": "nova",
        "OS-EXT-STS:vm_state": vm_state,
        "OS-EXT-STS:task_state": task_state,
        "OS-EXT-STS:power_state": power_state,
        "OS-SRV-USG:launched_at": server.launched_at,
        "OS-SRV-USG:terminated_at": None,
    }
    if server.status == ERROR:
        detail["fault"] = {"code": 500, "created": server.updated, "message": server.fault}
    for since, name, value in SINCE:
        if version >= since and (shown or name != "server_groups"):  # server_groups: shown, not listed
            detail[name] = value
    return detail


# What later microversions add to a server, none of which devcloud has: (since, field, value).
SINCE = [
    ((2, 9), "locked", False),
    ((2, 19), "description", None),
    ((2, 26), "tags", []),
    ((2, 63), "trusted_image_certificates", None),
    ((2, 71), "server_groups", []),
    ((2, 73), "locked_reason", None),
]


def _no_server(server_id):
    return fault(404, "itemNotFound", f"Instance {server_id} could not be found.")


def _reference(value):
    """The id in an imageRef or flavorRef, which may also be a link."""
    return str(value or "").rstrip("/").rsplit("/", 1)[-1]


def _placement(spec):
    """The network uuids and security group names or ids a create asks for: without networks
    (or "auto") the project's network, "none" none; without security groups, "default"."""
    networks = spec.get("networks", "auto")
    if networks == "auto":
        networks = [{"uuid": neutron.network(neutron.DEFAULT_NETWORK)["id"]}]
    elif networks == "none":
        networks = []
    if not isinstance(networks, list) or not all(isinstance(n, dict) and isinstance(n.get("uuid"), str)
                                                 for n in networks):
        raise bad_request("Invalid input for field/attribute networks (devcloud takes a list of {\"uuid\": ...}).")
    groups = spec.get("security_groups", [{"name": neutron.DEFAULT_GROUP}])
    if not isinstance(groups, list) or not all(isinstance(g, dict) and isinstance(g.get("name"), str) for g in groups):
        raise bad_request("Invalid input for field/attribute security_groups.")
    return [n["uuid"] for n in networks], [g["name"] for g in groups]


@root.add("GET", "/compute/?", public=True)
def versions(request):
    return Reply(200, {"versions": [_version_document(request)]})


@routes.add("GET", API + "/?", public=True)
def version(request):
    return Reply(200, {"version": _version_document(request)})


@routes.add("GET", API + "/servers(?P<detail>/detail)?")
def list_servers(request, detail):
    servers = request.app.cloud.servers()
    if request.param("name"):  # a regular expression, as in Nova
        try:
            pattern = re.compile(request.param("name"))
        except re.error:
            raise bad_request("Invalid name filter") from None
        servers = [s for s in servers if pattern.search(s.name)]
    if request.param("status"):
        servers = [s for s in servers if s.status == request.param("status").upper()]
    view = _server_detail if detail else _server_summary
    return Reply(200, {"servers": [view(request, s) for s in servers]})


@routes.add("POST", API + "/servers")
def create_server(request):
    body = request.json()
    spec = body.get("server") if isinstance(body, dict) else None
    if not isinstance(spec, dict):
        raise bad_request("Invalid input for field/attribute server.")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("Invalid input for field/attribute name.")
    image_id, flavor_id = _reference(spec.get("imageRef")), _reference(spec.get("flavorRef"))
    if catalogue.image(image_id) is None:
        raise bad_request("Can not find requested image")
    if catalogue.flavour(flavor_id) is None:
        raise bad_request(f"Flavor {flavor_id} could not be found.")
    metadata = spec.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise bad_request("Invalid input for field/attribute metadata.")
    user_data = spec.get("user_data")
    if user_data and userdata.decode(user_data) is None:
        raise bad_request("User data needs to be valid base 64.")
    networks, groups = request.app.network.placement(*_placement(spec))
    try:
        server = request.app.cloud.create(name, image_id, flavor_id, metadata, user_data, networks, groups)
    except QuotaExceeded as error:
        raise fault(403, "forbidden", str(error)) from None
    created = {
        "id": server.id,
        "links": links(request, "servers", server.id),
        "OS-DCF:diskConfig": "MANUAL",
        "security_groups": [{"name": name} for name in server.security_groups],
        "adminPass": secrets.token_urlsafe(9),
    }
    return Reply(202, {"server": created}, {"Location": created["links"][0]["href"]})


def _server(request, server_id):
    server = request.app.cloud.get(server_id)
    if server is None:
        raise _no_server(server_id)
    return server


@routes.add("GET", API + "/servers/(?P<server_id>[^/]+)")
def show_server(request, server_id):
    return Reply(200, {"server": _server_detail(request, _server(request, server_id), shown=True)})


@routes.add("GET", API + "/servers/(?P<server_id>[^/]+)/ips")
def addresses(request, server_id):
    return Reply(200, {"addresses": neutron.addresses(_server(request, server_id), detail=False)})


@routes.add("GET", API + "/servers/(?P<server_id>[^/]+)/metadata")
def metadata(request, server_id):
    return Reply(200, {"metadata": _server(request, server_id).metadata})


@routes.add("DELETE", API + "/servers/(?P<server_id>[^/]+)")
def delete_server(request, server_id):
    try:
        request.app.cloud.delete(server_id)
    except NotFound:
        raise _no_server(server_id) from None
    return Reply(204)


@routes.add("POST", API + "/servers/(?P<server_id>[^/]+)/action")
def server_action(request, server_id):
    body = request.json()
    cloud = request.app.cloud
    actions = {"os-start": cloud.start, "os-stop": cloud.stop, "reboot": cloud.reboot}
    names = [name for name in body if name in actions] if isinstance(body, dict) else []
    if not names:
        raise bad_request("There is no such action (devcloud knows os-start, os-stop and reboot)")
    try:
        actions[names[0]](server_id)
    except NotFound:
        raise _no_server(server_id) from None
    except Conflict as error:
        raise fault(409, "conflictingRequest", str(error)) from None
    return Reply(202)
