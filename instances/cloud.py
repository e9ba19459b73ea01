"""The cloud driver: OpenStack through openstacksdk, the one code path for production,
tests and the demo (which point it at devcloud, the project's OpenStack simulator)."""
import base64

import openstack
from django.conf import settings
from keystoneauth1 import exceptions as auth_errors
from openstack import exceptions as sdk_errors

METADATA_KEY = "visa_instance"
# What a call to the cloud raises when it fails: the SDK's errors, and keystoneauth's when the
# cloud cannot be reached at all.
ERRORS = (sdk_errors.SDKException, auth_errors.ClientException)


def connect():
    if settings.OPENSTACK_CLOUD:
        return openstack.connect(cloud=settings.OPENSTACK_CLOUD)
    return openstack.connect(**settings.OPENSTACK)


def find_server(conn, instance):
    """The server made for this instance, if any: matched by name and confirmed by metadata."""
    for server in conn.compute.servers(name=f"^{instance.server_name}$"):
        if server.metadata.get(METADATA_KEY) == str(instance.uuid):
            return server
    return None


def create_server(conn, instance, user_data: str):
    return conn.compute.create_server(
        name=instance.server_name,
        image_id=instance.image.cloud_id,
        flavor_id=instance.flavour.cloud_id,
        metadata={METADATA_KEY: str(instance.uuid)},
        user_data=base64.b64encode(user_data.encode()).decode(),
    )


def get_server(conn, server_id):
    return conn.compute.get_server(server_id)


def delete_server(conn, server_id):
    conn.compute.delete_server(server_id, ignore_missing=True)


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
