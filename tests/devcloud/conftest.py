import pytest

from deploy.devcloud import catalogue
from deploy.devcloud.testing import start_devcloud, vnc_user_data
from tests.support.devcloud import PASSWORD
from tests.support.rfbclient import RfbClient


@pytest.fixture(scope="session", autouse=True)
def seeded():
    """devcloud's tests need no database: they replace the project's autouse database seeding."""


@pytest.fixture(scope="module")
def devcloud(tmp_path_factory):
    """One devcloud per test module, with the builtin VNC server; `create` empties it after each test."""
    cloud = start_devcloud(tmp_path_factory.mktemp("devcloud"))
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def conn(devcloud):
    return devcloud.connect()


@pytest.fixture
def create(conn):
    """Create a server (with a VNC password unless it is None); it is deleted after the test."""
    created = []

    def create(name="desktop", password=PASSWORD, **attrs):
        attrs = {
            "image_id": catalogue.IMAGES["ubuntu-desktop"].id,
            "flavor_id": catalogue.FLAVOURS["m1.small"].id,
            **({"user_data": vnc_user_data(password)} if password is not None else {}),
            **attrs,
        }
        created.append(conn.compute.create_server(name=name, **attrs))
        return created[-1]

    yield create
    for server in created:
        conn.compute.delete_server(server)


@pytest.fixture
def boot(conn, create):
    """Create a server and wait until it is ACTIVE."""

    def boot(**kwargs):
        return conn.compute.wait_for_server(create(**kwargs), interval=0.05, wait=10)

    return boot


@pytest.fixture
def desktop():
    """Open an RFB connection to a server's desktop; closed after the test."""
    clients = []

    def desktop(server, password=PASSWORD, **kwargs):
        clients.append(RfbClient(server.access_ipv4, 5900, password, **kwargs))
        return clients[-1]

    yield desktop
    for client in clients:
        client.close()
