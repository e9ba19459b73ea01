"""The cloud driver: OpenStack through openstacksdk, the one code path for production,
tests and the demo (which point it at devcloud, the project's OpenStack simulator)."""
import base64
import functools

import openstack
from django.conf import settings
from keystoneauth1 import exceptions as auth_errors
from openstack import exceptions as sdk_errors

METADATA_KEY = "visa_instance"
# Errors worth trying again: the cloud did not answer, or answered that it failed (5xx).
UNREACHABLE, FAILED = "unreachable", "failed"


def connect():
    """A connection per worker process: its token and catalogue are reused across tasks."""
    return _connection(settings.OPENSTACK_CLOUD, tuple(sorted(settings.OPENSTACK.items())))


@functools.lru_cache(maxsize=1)
def _connection(cloud_name, options):
    if cloud_name:
        return openstack.connect(cloud=cloud_name, api_timeout=settings.VISA_CLOUD_TIMEOUT)
    return openstack.connect(api_timeout=settings.VISA_CLOUD_TIMEOUT, **dict(options))


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


def find_server(conn, instance):
    """The server made for this instance, if any: matched by name and confirmed by metadata."""
    for server in conn.compute.servers(name=f"^{instance.server_name}$"):
        if server.metadata.get(METADATA_KEY) == str(instance.uuid):
            return server
    return None


def visa_servers(conn):
    """Every server visa made, by the instance UUID in its metadata."""
    return {
        server.metadata[METADATA_KEY]: server
        for server in conn.compute.servers(details=True)
        if METADATA_KEY in (server.metadata or {})
    }


def create_server(conn, instance, user_data: str):
    return conn.compute.create_server(
        name=instance.server_name,
        image_id=instance.image.cloud_id,
        flavor_id=instance.flavour.cloud_id,
        metadata={METADATA_KEY: str(instance.uuid)},
        user_data=base64.b64encode(user_data.encode()).decode(),
    )


def get_server(conn, server_id):
    """The server, or None if the cloud no longer has it."""
    try:
        return conn.compute.get_server(server_id)
    except sdk_errors.NotFoundException:
        return None


def delete_server(conn, server_id):
    conn.compute.delete_server(server_id, ignore_missing=True)


def start_server(conn, server_id):
    conn.compute.start_server(server_id)


def stop_server(conn, server_id):
    conn.compute.stop_server(server_id)


def reboot_server(conn, server_id):
    conn.compute.reboot_server(server_id, "SOFT")


def fault_of(server):
    return (server.fault or {}).get("message") or "the cloud reported an error"


def address_of(server):
    for addresses in (server.addresses or {}).values():
        for address in addresses:
            if address.get("version") == 4:
                return address["addr"]
    return server.access_ipv4 or None


def limits(conn):
    """The project's compute limits as Nova reports them: {resource: (used, maximum)}, -1 for no maximum."""
    absolute = conn.compute.get_limits().absolute
    return {
        "instances": (absolute.instances_used, absolute.instances),
        "cores": (absolute.total_cores_used, absolute.total_cores),
        "ram_mb": (absolute.total_ram_used, absolute.total_ram),
    }
