"""Fixtures for quota tests: this process's cloud driver on the session's devcloud, or on a full one."""
import pytest

from deploy.devcloud import catalogue
from deploy.devcloud.testing import start_devcloud


@pytest.fixture
def cloud(devcloud, settings):
    """This process's cloud driver pointed at the session's devcloud."""
    settings.OPENSTACK = {**settings.OPENSTACK, "auth_url": devcloud.auth_url}
    return devcloud


@pytest.fixture
def full_cloud(tmp_path, settings):
    """A devcloud of its own whose vCPUs are all taken: five m1.large servers use its 40 cores."""
    full = start_devcloud(tmp_path)
    conn = full.connect()
    for number in range(5):
        conn.compute.create_server(name=f"big-{number}", image_id=catalogue.IMAGES["ubuntu-desktop"].id,
                                   flavor_id=catalogue.FLAVOURS["m1.large"].id)
    settings.OPENSTACK = {**settings.OPENSTACK, "auth_url": full.auth_url}
    yield full
    full.stop()
