"""devcloud breaks at run time the ways a real cloud does, told over HTTP."""
import time

import pytest
from keystoneauth1 import exceptions as auth_errors
from openstack import exceptions as sdk_errors


@pytest.fixture(autouse=True)
def healthy(devcloud):
    yield
    devcloud.clear_faults()


def test_a_share_of_calls_fail_with_http_500(devcloud, conn):
    list(conn.compute.flavors())  # signed in before the faults start
    devcloud.faults(error_rate=1.0)
    with pytest.raises(sdk_errors.HttpException) as failure:
        list(conn.compute.flavors())
    assert failure.value.status_code == 500
    devcloud.faults(error_rate=0.5)
    answers = [conn.compute.get("/flavors").status_code for _ in range(40)]
    assert 5 < answers.count(500) < 35 and answers.count(200) == 40 - answers.count(500)
    assert devcloud.faults(error_rate=0) == {"error_rate": 0.0, "delay": 0.0, "hang": False}


def test_slow_answers_and_no_answers(devcloud, conn):
    devcloud.faults(delay=0.3)
    started = time.monotonic()
    list(conn.compute.servers())
    assert time.monotonic() - started >= 0.3
    devcloud.faults(delay=0, hang=True)
    with pytest.raises(auth_errors.ConnectTimeout):
        conn.compute.get("/servers", timeout=0.5)


def test_a_server_breaks_or_vanishes(devcloud, conn, boot):
    broken, gone = boot(name="broken"), boot(name="gone")
    devcloud.break_server(broken.id, "disk on fire")
    server = conn.compute.get_server(broken.id)
    assert server.status == "ERROR" and server.fault["message"] == "disk on fire"
    devcloud.vanish(gone.id)
    assert conn.compute.find_server(gone.id, ignore_missing=True) is None
