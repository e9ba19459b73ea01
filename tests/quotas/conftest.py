import time

import pytest

from deploy.devcloud import catalogue
from deploy.devcloud.testing import start_devcloud
from instances.lifecycle import services
from instances.states import State


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


def remove(instances, timeout=60):
    """Delete instances the stack's worker is building, as their owner would, once it has finished
    with them, and then their rows: so no server is left on the session's devcloud."""
    deadline = time.monotonic() + timeout
    for instance in instances:
        while instance.state in (State.PENDING, State.BUILDING, State.STARTING):
            assert time.monotonic() < deadline, f"{instance} still {instance.state}"
            time.sleep(0.2)
            instance.refresh_from_db()
        if instance.state != State.DELETED:
            services.delete(instance, "test cleanup")
    for instance in instances:
        while instance.state != State.DELETED:
            assert time.monotonic() < deadline, f"{instance} still {instance.state}"
            time.sleep(0.2)
            instance.refresh_from_db()
        instance.delete()
