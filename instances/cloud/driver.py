"""The cloud driver: OpenStack through openstacksdk, the one code path for production,
tests and the demo (which point it at devcloud, the project's OpenStack simulator).

visa launches on several clouds (`instances.models.Cloud`): `connect(cloud)` gives the connection
of one, and every call below counts under that cloud's name, so an error of one cloud is never
taken for another's."""
import base64
import functools

import openstack
from django.conf import settings
from keystoneauth1 import exceptions as auth_errors
from openstack import exceptions as sdk_errors

from visa import metrics

METADATA_KEY = "visa_instance"
# Errors worth trying again: the cloud did not answer, or answered that it failed (5xx).
UNREACHABLE, FAILED = "unreachable", "failed"


class NotConfigured(sdk_errors.SDKException):
    """A cloud whose secret is missing from visa's environment: not worth trying again."""


def connect(cloud, timeout=None):
    """The connection to `cloud` (an instances.models.Cloud) for this process: its token and
    catalogue are reused across tasks, until the cloud's row changes (the key has its options). A
    `timeout` other than VISA_CLOUD_TIMEOUT (the readiness check's) has a connection of its own."""
    timeout = timeout or settings.VISA_CLOUD_TIMEOUT
    options = cloud.connection
    if options is None:  # the cloud of the OPENSTACK_* settings
        options = {"cloud": settings.OPENSTACK_CLOUD} if settings.OPENSTACK_CLOUD else settings.OPENSTACK
    elif options.get("password", "") is None or options.get("application_credential_secret", "") is None:
        raise NotConfigured(f"{cloud.secret_variable} is not set in visa's environment (the secret of {cloud.name})")
    return _connection(cloud.pk, cloud.name, tuple(sorted(options.items())), timeout)


@functools.lru_cache(maxsize=32)
def _connection(pk, name, options, timeout):
    conn = openstack.connect(api_timeout=timeout, **dict(options))
    conn.visa_cloud = name  # what `counted` labels its calls with
    return conn


def counted(call):
    """Count the calls of a cloud API function, and those that failed (visa_cloud_calls_total,
    visa_cloud_errors_total, by the function's name and the cloud's)."""
    @functools.wraps(call)
    def counting(conn, *args, **kwargs):
        where = getattr(conn, "visa_cloud", "")
        metrics.CLOUD_CALLS.labels(call.__name__, where).inc()
        try:
            return call(conn, *args, **kwargs)
        except ERRORS:
            metrics.CLOUD_ERRORS.labels(call.__name__, where).inc()
            raise
    return counting


def transient(error):
    """UNREACHABLE or FAILED if `error` may pass when tried again, else None."""
    if isinstance(error, auth_errors.ConnectionError):  # refused, timed out, reset
        return UNREACHABLE
    status = getattr(error, "status_code", None) or getattr(error, "http_status", None)
    if status and status >= 500:
        return FAILED
    return None


# Every error a cloud call may raise; `transient` tells which are worth another try.
ERRORS = (sdk_errors.SDKException, auth_errors.ClientException)


@counted
def find_server(conn, instance):
    """The server made for this instance, if any: matched by name and confirmed by metadata."""
    for server in conn.compute.servers(name=f"^{instance.server_name}$"):
        if server.metadata.get(METADATA_KEY) == str(instance.uuid):
            return server
    return None


@counted
def visa_servers(conn):
    """Every server visa made, by the instance UUID in its metadata."""
    return {
        server.metadata[METADATA_KEY]: server
        for server in conn.compute.servers(details=True)
        if METADATA_KEY in (server.metadata or {})
    }


@counted
def server_statuses(conn):
    """{server id: status} of every server of the project, read straight from Nova's JSON: the
    watcher lists a cloud every VISA_POLL_INTERVAL, and openstacksdk's resources cost tens of
    milliseconds of CPU per listing where the statuses alone cost a few."""
    statuses, url, asked = {}, "/servers/detail", set()
    while url:
        if url in asked:  # a cloud (or a proxy before it) whose "next" page repeats: the watcher gives up this look
            raise ValueError(f"the server list's pages go round in a circle at {url}")
        asked.add(url)
        answer = conn.compute.get(url)
        sdk_errors.raise_from_response(answer)
        page = answer.json()
        statuses.update((server["id"], server["status"]) for server in page["servers"])
        url = next((link["href"] for link in page.get("servers_links", []) if link.get("rel") == "next"), None)
    return statuses


class UnknownPlacement(Exception):
    """A network or security group the instance's placement names does not exist in the cloud."""


def _find(conn, networks, security_groups):
    """The cloud's networks by these names, and what of them and of the groups it does not have."""
    found = {name: conn.network.find_network(name, ignore_missing=True) for name in networks}
    missing = [f"network {name}" for name, network in found.items() if network is None]
    missing += [f"security group {name}" for name in security_groups
                if conn.network.find_security_group(name, ignore_missing=True) is None]
    return found, missing


@counted
def unknown_names(conn, networks, security_groups):
    """What of these networks and security groups the cloud does not have ("network x", ...)."""
    return _find(conn, networks, security_groups)[1]


@counted
def placement_of(conn, instance):
    """The create call's networks (by id) and security groups for the instance's placement
    (none given: the cloud's defaults); UnknownPlacement, before anything is made, for a name
    the cloud does not have."""
    networks, missing = _find(conn, instance.networks, instance.security_groups)
    if missing:
        raise UnknownPlacement(f"The cloud has no {' and no '.join(missing)}: an operator must correct the "
                               "placement rules (Django admin) or the cloud; then launch again.")
    chosen = {}
    if networks:
        chosen["networks"] = [{"uuid": network.id} for network in networks.values()]
    if instance.security_groups:
        chosen["security_groups"] = [{"name": name} for name in instance.security_groups]
    return chosen


@counted
def create_server(conn, instance, user_data: str, placement=None):
    """`placement`: the networks and security groups `placement_of` gives; None for the cloud's defaults."""
    return conn.compute.create_server(
        name=instance.server_name,
        image_id=instance.image.cloud_id,
        flavor_id=instance.flavour.cloud_id,
        metadata={METADATA_KEY: str(instance.uuid)},
        user_data=base64.b64encode(user_data.encode()).decode(),
        **(placement or {}),
    )


@counted
def get_server(conn, server_id):
    """The server, or None if the cloud no longer has it."""
    try:
        return conn.compute.get_server(server_id)
    except sdk_errors.NotFoundException:
        return None


@counted
def delete_server(conn, server_id):
    conn.compute.delete_server(server_id, ignore_missing=True)


@counted
def start_server(conn, server_id):
    conn.compute.start_server(server_id)


@counted
def stop_server(conn, server_id):
    conn.compute.stop_server(server_id)


@counted
def reboot_server(conn, server_id):
    conn.compute.reboot_server(server_id, "SOFT")


def fault_of(server):
    return (server.fault or {}).get("message") or "the cloud reported an error"


def address_of(server, networks=()):
    """The server's IPv4 address where visa reaches it: on the first of `networks` (its
    placement's) that has one, else on any network."""
    addresses = server.addresses or {}
    for name in [*networks, *addresses]:
        for address in addresses.get(name, []):
            if address.get("version") == 4:
                return address["addr"]
    return server.access_ipv4 or None


@counted
def limits(conn):
    """The project's compute limits as Nova reports them: {resource: (used, maximum)}, -1 for no maximum."""
    absolute = conn.compute.get_limits().absolute
    return {
        "instances": (absolute.instances_used, absolute.instances),
        "cores": (absolute.total_cores_used, absolute.total_cores),
        "ram_mb": (absolute.total_ram_used, absolute.total_ram),
    }
