import yaml

from instances import cloudinit
from instances.models import Instance
from tests.factories import demo_image_and_flavour, make_experiment, make_user


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
    for source, point, fstype, options, *_ in config["mounts"]:
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
