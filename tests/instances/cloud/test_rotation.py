"""Rotating a running VM's secrets (manage.py rotate_vm_secrets) through the real stack: the VM's
mount agent takes them, desktops keep working through the proxy, and the old VNC secret and agent
token stop working."""
import io
import json

import pytest
import requests
import yaml
from django.core.management import call_command

from instances.models import Instance
from protocols.mount_agent import CONFIG_PATH, VNC_PASSWORD_PATH
from tests.support.rfbclient import RfbClient, SecurityFailure, non_blank
from tests.support.waiting import eventually


def server_of(devcloud, instance):
    return next(server for server in requests.get(devcloud.url + "/devcloud/servers").json()["servers"]
                if server["id"] == instance.server_id)


def test_a_running_desktop_takes_new_secrets_without_a_break(owner, launch, devcloud):
    uuid = launch(owner)
    instance = Instance.objects.select_related("image").get(uuid=uuid)
    old = instance.vnc_secret
    with owner.open_desktop(uuid) as before:
        assert non_blank(before.framebuffer())
        call_command("rotate_vm_secrets", str(uuid), stdout=io.StringIO())

        def taken():
            """the VM's agent took the new secrets"""
            instance.refresh_from_db()
            return not instance.vnc_secret_next and instance.agent_generation == 1
        eventually(taken, timeout=20)
        assert non_blank(before.framebuffer())  # VNC authenticates once: an open desktop goes on

    assert instance.vnc_secret != old
    assert server_of(devcloud, instance)["written"][VNC_PASSWORD_PATH] == instance.vnc_secret
    with owner.open_desktop(uuid) as after:
        assert non_blank(after.framebuffer())
    with pytest.raises(SecurityFailure):
        RfbClient(instance.address, instance.image.vnc_port, password=old)
    RfbClient(instance.address, instance.image.vnc_port, password=instance.vnc_secret).close()
    # The agent's first token is refused now, so a copy of it opens nothing.
    user_data = yaml.safe_load(server_of(devcloud, instance)["user_data"])
    config = next(entry["content"] for entry in user_data["write_files"] if entry["path"] == CONFIG_PATH)
    first_token = json.loads(config)["token"]
    answer = requests.get(owner.base_url + "/api/agent/mounts", headers={"Authorization": f"Bearer {first_token}"})
    assert answer.status_code == 401


def test_while_a_vm_changes_over_the_proxy_tries_the_old_secret_then_the_new(owner, launch):
    uuid = launch(owner)
    instance = Instance.objects.get(uuid=uuid)
    # as between the agent writing the new password and telling visa: the VM has the new one
    Instance.objects.filter(pk=instance.pk).update(vnc_secret="not-this", vnc_secret_next=instance.vnc_secret)
    with owner.open_desktop(uuid) as desktop:
        assert non_blank(desktop.framebuffer())
