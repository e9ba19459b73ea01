"""Which requests are for a notebook origin, and which origin a WebSocket must come from."""
import uuid

import pytest

from instances.jupyter.origins import instance_uuid, origin_of, same_origin

ID = uuid.UUID("3c9092fa-3cf7-47b6-b5da-77e21fa1e59e")


def scope(**headers):
    return {"headers": [(name.encode(), value.encode()) for name, value in headers.items()]}


@pytest.mark.parametrize("template,host,found", [
    ("https://{uuid}.nb.example.net", f"{ID}.nb.example.net", ID),
    ("https://{uuid}.nb.example.net", f"{ID}.nb.example.net:443", ID),
    ("https://{uuid}.nb.example.net:8443", f"{ID}.NB.example.net:8443", ID),
    ("https://{uuid}.nb.example.net:8443", f"{ID}.nb.example.net", None),  # another port
    ("https://{uuid}.nb.example.net", f"{ID}.nb.example.net.evil.org", None),
    ("https://{uuid}.nb.example.net", f"x{ID}.nb.example.net", None),
    ("https://{uuid}.nb.example.net", "visa.example.org", None),
    ("http://{uuid}.localhost:8000", f"{ID}.localhost:8000", ID),
    ("http://{uuid}.localhost:8000", "127.0.0.1:8000", None),
])
def test_a_notebook_origin_is_known_by_its_host(settings, template, host, found):
    settings.VISA_NOTEBOOK_ORIGIN = template
    assert instance_uuid(scope(host=host)) == found


def test_a_websocket_must_come_from_its_own_instances_origin(settings):
    settings.VISA_NOTEBOOK_ORIGIN = "https://{uuid}.nb.example.net:443"
    assert origin_of(ID) == f"https://{ID}.nb.example.net"
    assert same_origin(scope(origin=f"https://{ID}.nb.example.net"), ID)
    for other in (f"https://{uuid.uuid4()}.nb.example.net", "https://visa.example.org", "null", ""):
        assert not same_origin(scope(origin=other), ID)
    assert not same_origin(scope(), ID)
