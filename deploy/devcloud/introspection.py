"""Devcloud's own API for tests: what a real cloud would not tell, such as what reached a VM."""
from . import userdata
from .cloud import desktop_notice
from .web import Reply, Routes

routes = Routes()


def counts(server):
    return {kind: server.inputs[kind] for kind in ("key", "pointer", "clipboard")}


@routes.add("GET", "/devcloud/servers", public=True)
def servers(request):
    cloud = request.app.cloud
    return Reply(
        200,
        {
            "servers": [
                {
                    "id": server.id,
                    "name": server.name,
                    "status": server.status,
                    "metadata": server.metadata,
                    "address": server.address,
                    "vnc_port": cloud.vnc_port,
                    "vnc": cloud.desktops.name,
                    "user_data": userdata.decode(server.user_data),
                    "written": server.written,  # files it wrote since, such as rotated secrets
                    # The account cloud-init made for the user, which its desktop session runs as.
                    "account": userdata.account(server.user_data),
                    "networks": server.networks,
                    "security_groups": server.security_groups,
                    # What it has mounted now: from the user data at boot, then as its mount agent says.
                    "mounts": [{"path": path, "point": point, "read_only": read_only}
                               for path, point, read_only in cloud.mounts(server.id)],
                    "notice": desktop_notice(server.name, cloud.mounts(server.id), cloud.door),
                    # Only the builtin VNC server counts the input messages it receives.
                    "inputs": counts(server) if cloud.desktops.name == "builtin" else None,
                }
                for server in cloud.servers()
            ]
        },
    )


@routes.add("GET", "/devcloud/config", public=True)
def config(request):
    """How this devcloud was started: what a benchmark subtracts or a test relies on."""
    cloud = request.app.cloud
    return Reply(200, {"build_seconds": cloud.build_seconds, "vnc_port": cloud.vnc_port, "quota": cloud.quota})
