"""The mount agent: installed by the user data with the instance's own token, and the endpoint it
asks, which answers exactly the data the instance may mount now."""
import io
import json

import pytest
import requests
import yaml
from django.core.management import CommandError, call_command

from instances.cloud import cloudinit, mounts, vmsecrets
from instances.cloud.vmsecrets import files_token_of, token_of
from instances.models import Instance
from instances.states import State
from openaccess.models import ExperimentMember
from tests.support.factories import make_experiment, make_instance, make_user

URL = "/api/agent/mounts"


def files(user_data):
    return {entry["path"]: entry for entry in yaml.safe_load(user_data)["write_files"]}


def ask(client, instance=None, token=None, etag=None):
    headers = {"Authorization": f"Bearer {token or token_of(instance)}"}
    return client.get(URL, headers={**headers, "If-None-Match": etag} if etag else headers)


def test_the_user_data_installs_the_agent_with_this_instance_token_alone(db, settings):
    settings.VISA_AGENT_URL = "https://visa.example.org/"
    owner = make_user()
    instance, other = make_instance(owner), make_instance(owner)
    user_data = cloudinit.render(instance)
    written = files(user_data)

    config = json.loads(written[cloudinit.AGENT_CONFIG_PATH]["content"])
    assert config == {"url": "https://visa.example.org/api/agent/mounts", "token": token_of(instance),
                      "root": "/data", "interval": settings.VISA_AGENT_POLL_SECONDS,
                      "files_token": files_token_of(instance), "files_port": 8091, "home": f"/home/{owner.username}"}
    assert config["files_token"] != config["token"]  # the file API's address never learns the agent token
    assert "def receive(" in written[f"{cloudinit.FILE_API_DIR}/file_api.py"]["content"]
    assert written[cloudinit.AGENT_CONFIG_PATH]["permissions"] == "0600"
    assert "def apply(mounts, root):" in written[cloudinit.AGENT_PATH]["content"]
    assert "ExecStart=/usr/bin/python3 /usr/local/sbin/visa-agent" in written[cloudinit.AGENT_UNIT_PATH]["content"]
    assert ["systemctl", "enable", "--now", "visa-agent.service"] in yaml.safe_load(user_data)["runcmd"]
    # its own secrets, not the VNC secret again, and nothing of another instance
    secret = config["token"].partition(".")[2]
    assert len(secret) == 64 and instance.vnc_secret not in config["token"]
    assert token_of(other) not in user_data and other.vnc_secret not in user_data
    assert str(other.uuid) not in user_data


def test_the_endpoint_answers_exactly_the_data_the_owner_may_read(db, client):
    owner, stranger = make_user(), make_user()
    mine = make_experiment(data_path="/pnfs/xfel/raw/a1", members=[owner])
    theirs = make_experiment(data_path="/pnfs/xfel/raw/a2", members=[stranger])
    make_experiment(data_path="/pnfs/xfel/raw/not-attached", members=[owner])
    instance = make_instance(owner, [mine, theirs])

    answer = ask(client, instance)
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    assert answer.json() == {"mounts": [{
        "path": "/pnfs/xfel/raw/a1", "point": f"/data/{mine.proposal_id}", "type": "nfs4",
        "source": "dcache.example.org:/pnfs/xfel/raw/a1", "options": mounts.READ_ONLY_NFS_OPTIONS}]}


def test_nothing_changed_is_304_and_an_attachment_changes_the_answer(db, client):
    owner = make_user()
    first, second = (make_experiment(members=[owner]) for _ in range(2))
    instance = make_instance(owner, [first])
    etag = ask(client, instance)["ETag"]
    assert ask(client, instance, etag=etag).status_code == 304
    instance.experiments.add(second)
    answer = ask(client, instance, etag=etag)
    assert answer.status_code == 200 and answer["ETag"] != etag
    assert [m["point"] for m in answer.json()["mounts"]] == sorted(
        [f"/data/{first.proposal_id}", f"/data/{second.proposal_id}"])


def test_revoked_access_drops_the_experiment(db, client):
    owner = make_user()
    kept, revoked = make_experiment(members=[owner]), make_experiment(members=[owner])
    instance = make_instance(owner, [kept, revoked])
    assert len(ask(client, instance).json()["mounts"]) == 2
    ExperimentMember.objects.filter(experiment=revoked, user=owner).delete()
    assert [m["path"] for m in ask(client, instance).json()["mounts"]] == [kept.data_path]


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer nonsense", "Basic dXNlcjpwdw==",
    "Bearer 00000000-0000-4000-8000-000000000000.0000",
])
def test_no_or_a_wrong_token_is_401(db, client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = client.get(URL, headers=headers)
    assert answer.status_code == 401 and answer["WWW-Authenticate"].startswith("Bearer")


def test_another_instance_token_or_a_vnc_secret_is_401(db, client):
    owner = make_user()
    instance, other = make_instance(owner, [make_experiment(members=[owner])]), make_instance(owner)
    forged = f"{instance.uuid}.{token_of(other).partition('.')[2]}"
    assert ask(client, token=forged).status_code == 401
    assert ask(client, token=f"{instance.uuid}.{instance.vnc_secret}").status_code == 401


@pytest.mark.parametrize("state", [State.DELETED, State.ERROR])
def test_a_deleted_instance_is_403(db, client, state):
    owner = make_user()
    instance = make_instance(owner, [make_experiment(members=[owner])], state=state)
    answer = ask(client, instance)
    assert answer.status_code == 403 and answer.json() == {"error": "This instance is deleted."}


def test_webdav_answers_fresh_read_only_macaroons(db, client, settings, devcloud):
    settings.VISA_DATA_MOUNT_METHOD = "webdav"
    settings.VISA_DCACHE_WEBDAV_URL = devcloud.url + "/dcache"
    owner = make_user()
    instance = make_instance(owner, [make_experiment(data_path="/pnfs/xfel/raw/agent-w1", members=[owner])])
    first, second = ask(client, instance).json()["mounts"], ask(client, instance).json()["mounts"]
    assert first[0]["url"] == devcloud.url + "/dcache/pnfs/xfel/raw/agent-w1" and first[0]["type"] == "webdav"
    assert first[0]["bearer_token"] != second[0]["bearer_token"]
    issued = requests.get(devcloud.url + "/devcloud/macaroons").json()["macaroons"][-2:]
    assert [m["path"] for m in issued] == ["/pnfs/xfel/raw/agent-w1"] * 2
    assert all(m["caveats"] == ["activity:DOWNLOAD,LIST"] for m in issued)


def test_a_door_that_refuses_is_502_and_says_why(db, client, settings, devcloud):
    settings.VISA_DATA_MOUNT_METHOD = "webdav"
    settings.VISA_DCACHE_WEBDAV_URL = devcloud.url + "/dcache"
    settings.VISA_DCACHE_PASSWORD = "wrong"
    owner = make_user()
    instance = make_instance(owner, [make_experiment(data_path="/pnfs/xfel/raw/agent-w2", members=[owner])])
    answer = ask(client, instance)
    assert answer.status_code == 502 and "dCache did not give access to /pnfs/xfel/raw/agent-w2" in answer.json()["error"]


def test_a_rotation_is_answered_with_current_token_and_taken_with_the_new(db, client):
    owner = make_user()
    instance = make_instance(owner, [make_experiment(members=[owner])])
    old_token, old_secret = token_of(instance), instance.vnc_secret
    assert vmsecrets.rotate(Instance.objects.filter(pk=instance.pk)) == 1
    instance.refresh_from_db()
    assert instance.vnc_secrets == [old_secret, instance.vnc_secret_next]

    answer = ask(client, token=old_token).json()
    rotation = answer["rotate"]
    assert rotation["vnc_password"] == instance.vnc_secret_next and len(answer["mounts"]) == 1
    assert rotation["token"] == token_of(instance, instance.agent_generation + 1) != old_token
    assert rotation["files_token"] == files_token_of(instance, instance.agent_generation + 1) != files_token_of(instance)
    assert "rotate" in ask(client, token=old_token).json()  # asked again until taken

    taken = ask(client, token=rotation["token"])
    assert taken.status_code == 200 and "rotate" not in taken.json()
    instance.refresh_from_db()
    assert (instance.vnc_secret, instance.vnc_secret_next, instance.agent_generation) == (
        rotation["vnc_password"], "", 1)
    assert ask(client, token=old_token).status_code == 401
    assert ask(client, token=rotation["token"]).status_code == 200


def test_a_rotated_etag_is_not_304_and_only_live_instances_rotate(db, client):
    owner = make_user()
    instance = make_instance(owner, [make_experiment(members=[owner])])
    deleted = make_instance(owner, state=State.DELETED)
    etag = ask(client, instance)["ETag"]
    assert vmsecrets.rotate(Instance.objects.all()) == 1
    assert vmsecrets.rotate(Instance.objects.all()) == 0  # one rotation waits at a time
    answer = ask(client, instance, etag=etag)
    assert answer.status_code == 200 and "rotate" in answer.json()
    deleted.refresh_from_db()
    assert deleted.vnc_secret_next == ""


def test_a_token_under_a_fallback_key_counts_until_the_fallback_goes(db, client, settings):
    owner = make_user()
    instance = make_instance(owner)
    old_token = token_of(instance)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-service-key-" + "x" * 40
    assert old_token != token_of(instance)
    assert ask(client, token=old_token).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert ask(client, token=old_token).status_code == 401


def test_the_command_rotates_live_instances_and_reports_what_waits(db):
    owner = make_user()
    instance = make_instance(owner)
    make_instance(owner, state=State.DELETED)
    out = io.StringIO()
    call_command("rotate_vm_secrets", stdout=out)
    assert out.getvalue().splitlines() == [
        "New secrets for 1 instance(s); each VM's agent takes them at its next poll.",
        f"waiting: {instance.uuid} {instance.name} ({instance.state})",
        "1 instance(s) have not taken their new secrets yet."]
    out = io.StringIO()
    call_command("rotate_vm_secrets", "--status", str(instance.uuid), stdout=out)
    assert out.getvalue().splitlines()[-1] == "1 instance(s) have not taken their new secrets yet."
    with pytest.raises(CommandError, match="No instance with UUID 00000000-0000-4000-8000-000000000000"):
        call_command("rotate_vm_secrets", "00000000-0000-4000-8000-000000000000")
