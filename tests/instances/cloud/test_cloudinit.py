import configparser
import datetime
import time

import pytest
import requests
import yaml
from django.utils import timezone

from instances.cloud import cloudinit, dcache
from instances.models import Instance
from tests.support.factories import demo_image_and_flavour, make_experiment, make_user


def test_user_data_mounts_exactly_the_attached_experiments_read_only(db):
    owner = make_user()
    attached = [make_experiment(data_path="/pnfs/xfel/raw/p1", members=[owner]),
                make_experiment(data_path="/pnfs/xfel/raw/p2", members=[owner])]
    make_experiment(data_path="/pnfs/xfel/raw/not-attached", members=[owner])
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=owner, image=image, flavour=flavour, name="t")
    instance.experiments.set(attached)

    user_data = cloudinit.render(instance)
    assert user_data.startswith("#cloud-config\n")
    config = yaml.safe_load(user_data)

    sources = sorted(mount[0].split(":", 1)[1] for mount in config["mounts"])
    assert sources == ["/pnfs/xfel/raw/p1", "/pnfs/xfel/raw/p2"]
    for _source, _point, fstype, options, *_ in config["mounts"]:
        flags = options.split(",")
        assert "ro" in flags and "rw" not in flags
        assert fstype == "nfs4" and "nfsvers=4.1" in flags
    assert {m[1] for m in config["mounts"]} == {f"/data/{e.proposal_id}" for e in attached}
    assert {"path": cloudinit.VNC_PASSWORD_PATH, "content": instance.vnc_secret} .items() <= config["write_files"][0].items()
    assert {"name": owner.username, "shell": "/bin/bash"} in config["users"]


def test_no_experiment_means_no_mounts(db):
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=make_user(), image=image, flavour=flavour, name="t")
    assert yaml.safe_load(cloudinit.render(instance))["mounts"] == []


def test_attached_data_the_owner_may_no_longer_read_is_not_mounted(db):
    owner, other = make_user(), make_user()
    readable = make_experiment(data_path="/pnfs/xfel/raw/mine", members=[owner])
    closed = make_experiment(data_path="/pnfs/xfel/raw/theirs", members=[other])
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=owner, image=image, flavour=flavour, name="t")
    instance.experiments.set([readable, closed])
    user_data = cloudinit.render(instance)
    assert "/pnfs/xfel/raw/mine" in user_data and "/pnfs/xfel/raw/theirs" not in user_data


@pytest.fixture
def webdav(settings, devcloud):
    settings.VISA_DATA_MOUNT_METHOD = "webdav"
    settings.VISA_DCACHE_WEBDAV_URL = devcloud.url + "/dcache"
    return devcloud


def webdav_instance(owner, experiments):
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=owner, image=image, flavour=flavour, name="t",
                                       expires_at=timezone.now() + datetime.timedelta(days=14))
    instance.experiments.set(experiments)
    return instance


def test_webdav_mounts_read_only_with_a_macaroon_per_path_from_the_door(db, webdav):
    owner = make_user()
    experiments = [make_experiment(data_path=f"/pnfs/xfel/raw/w{n}", members=[owner]) for n in (1, 2)]
    first = yaml.safe_load(cloudinit.render(webdav_instance(owner, experiments)))
    second = yaml.safe_load(cloudinit.render(webdav_instance(owner, experiments[:1])))

    remotes = configparser.ConfigParser()
    remotes.read_string(next(f["content"] for f in first["write_files"] if f["path"] == cloudinit.RCLONE_CONFIG_PATH))
    assert sorted(remotes[name]["url"] for name in remotes.sections()) == [
        webdav.url + "/dcache/pnfs/xfel/raw/w1", webdav.url + "/dcache/pnfs/xfel/raw/w2"]
    mounts = [command for command in first["runcmd"] if command[:2] == ["rclone", "mount"]]
    assert len(mounts) == 2 and all("--read-only" in command for command in mounts)
    assert first["mounts"] == []
    # each instance has macaroons of its own
    tokens = {remotes[name]["bearer_token"] for name in remotes.sections()}
    assert len(tokens) == 2 and not any(token in yaml.safe_dump(second) for token in tokens)

    issued = requests.get(webdav.url + "/devcloud/macaroons").json()["macaroons"][-3:]
    assert {m["path"] for m in issued} == {"/pnfs/xfel/raw/w1", "/pnfs/xfel/raw/w2"}
    assert all(m["caveats"] == ["activity:DOWNLOAD,LIST"] for m in issued)
    assert all(abs(m["expires"] - (time.time() + 14 * 86400)) < 60 for m in issued)


def test_a_door_that_refuses_is_a_clear_error(db, webdav, settings):
    settings.VISA_DCACHE_PASSWORD = "wrong"
    owner = make_user()
    instance = webdav_instance(owner, [make_experiment(data_path="/pnfs/xfel/raw/w9", members=[owner])])
    with pytest.raises(dcache.DataMountError, match="dCache did not give access to /pnfs/xfel/raw/w9: 401"):
        cloudinit.render(instance)


def test_jupyterlab_runs_as_the_owner_with_the_instances_token_only_where_the_image_offers_it(db):
    from instances.cloud import vmsecrets
    from instances.models import Image

    owner = make_user()
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=owner, image=image, flavour=flavour, name="t", state="ACTIVE")
    for offers in (Image.Offers.JUPYTER, Image.Offers.BOTH):
        image.offers = offers
        files = {entry["path"]: entry for entry in yaml.safe_load(cloudinit.render(instance))["write_files"]}
        token = files[cloudinit.JUPYTER_TOKEN_PATH]
        assert token["content"] == vmsecrets.jupyter_token(instance) and token["permissions"] == "0600"
        unit = files[cloudinit.JUPYTER_UNIT_PATH]["content"]
        assert f"User={owner.username}" in unit and "--ServerApp.root_dir=/data" in unit
        assert f"LoadCredential=jupyter-token:{cloudinit.JUPYTER_TOKEN_PATH}" in unit
    image.offers = Image.Offers.DESKTOP
    paths = {entry["path"] for entry in yaml.safe_load(cloudinit.render(instance))["write_files"]}
    assert not {cloudinit.JUPYTER_TOKEN_PATH, cloudinit.JUPYTER_UNIT_PATH} & paths
    # rotated with the VNC secret: the agent is handed the next generation's token
    vmsecrets.rotate(Instance.objects.filter(pk=instance.pk))
    instance.refresh_from_db()
    rotation = vmsecrets.rotation_for(instance)
    assert rotation["jupyter_token"] == vmsecrets.jupyter_token(instance, instance.agent_generation + 1)
    assert vmsecrets.jupyter_tokens(instance) == [vmsecrets.jupyter_token(instance), rotation["jupyter_token"]]
