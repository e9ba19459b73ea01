"""Devices (GPUs) on sizes, counted by quotas beside vCPUs and RAM: none unless an operator grants
them, a launch past them refused with what to do, and the launch page greying such sizes."""
import pytest

from deploy.devcloud import catalogue
from instances.lifecycle import services
from instances.lifecycle.quota import usage
from instances.models import Flavour, Image
from quotas.limits import limits_for, unfit
from quotas.models import Purpose, Quota
from quotas.refusals import QuotaExceeded
from tests.support.factories import make_experiment, make_user

pytestmark = pytest.mark.usefixtures("cloud")


@pytest.fixture
def member(db):
    user = make_user()
    user.experiment = make_experiment(members=[user])
    Quota.objects.create(user=user, max_instances=5, max_vcpus=100, max_ram_gb=100)
    return user


@pytest.fixture
def gpu_size(db):
    return Flavour.objects.create(name="g1.small", cloud_id=catalogue.FLAVOURS["m1.small"].id, cpus=2, ram_mb=4096,
                                  gpus=1)


def launch(user, flavour):
    return services.launch(user, [user.experiment], Image.objects.get(name="Ubuntu 24.04 Desktop"), flavour)


def test_gpus_are_none_until_granted_then_counted_over_running_instances(member, gpu_size):
    with pytest.raises(QuotaExceeded, match=r"^g1.small needs 1 GPU and 0 of your 0 GPUs are in use: choose a size "
                                            r"without GPUs, delete an instance, or ask the operators for GPUs\.$"):
        launch(member, gpu_size)
    assert unfit(gpu_size, limits_for(member, Purpose.MEMBER), usage(member, Purpose.MEMBER)) == \
        "needs 1 GPU, your quota has 0 left"

    Quota.objects.filter(user=member).update(max_gpus=1)
    assert launch(member, gpu_size).flavour == gpu_size
    assert usage(member, Purpose.MEMBER).gpus == 1
    with pytest.raises(QuotaExceeded, match="1 of your 1 GPUs are in use") as refusal:
        launch(member, gpu_size)
    assert refusal.value.as_dict() | {"ask_for_more": ""} == {
        "code": "quota_exceeded", "detail": str(refusal.value), "resource": "gpus", "used": 1, "limit": 1,
        "requested": 1, "purpose": "member", "quota": "your own quota", "ask_for_more": ""}
    launch(member, Flavour.objects.get(name="m1.small"))  # sizes without GPUs still fit


def test_the_launch_page_greys_a_size_past_the_gpu_quota_with_the_reason(member, gpu_size, client):
    client.force_login(member)
    page = client.get("/instances/new/options", {"experiment": member.experiment.pk}).content.decode()
    assert "2 vCPUs · 4 GB RAM · 1 GPU <span class=\"why\">Unavailable: needs 1 GPU, your quota has 0 left.</span>" \
        in page
    assert f'name="flavour" value="{gpu_size.pk}" disabled' in page

    Quota.objects.filter(user=member).update(max_gpus=2)
    page = client.get("/instances/new/options", {"experiment": member.experiment.pk}).content.decode()
    assert f'name="flavour" value="{gpu_size.pk}" disabled' not in page
    assert "0 of 2 GPUs" in page  # the quota line names them once granted
