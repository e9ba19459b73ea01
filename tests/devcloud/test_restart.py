"""devcloud keeps its servers, addresses and tokens across a restart, like a real cloud."""
from deploy.devcloud.testing import listening


def test_servers_survive_a_restart(devcloud, conn, boot, desktop):
    running = boot(name="running", metadata={"visa_instance": "1234"})
    stopped = boot(name="stopped")
    conn.compute.stop_server(stopped)
    watcher = desktop(running)

    devcloud.restart()

    assert watcher.closed_by_server()  # the old process took its desktops down with it
    # The same connection goes on: its token is still valid.
    again = conn.compute.get_server(running.id)
    assert (again.status, again.access_ipv4) == ("ACTIVE", running.access_ipv4)
    assert again.metadata == {"visa_instance": "1234"}
    assert len(desktop(again).framebuffer()) == 1024 * 768 * 4
    assert conn.compute.get_server(stopped.id).status == "SHUTOFF" and not listening(stopped.access_ipv4)
    assert boot(name="new").access_ipv4 not in (running.access_ipv4, stopped.access_ipv4)
