"""Which quota applies and what a launch past it is told, through instances.lifecycle.services.launch."""
import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from prometheus_client import REGISTRY

from instances.lifecycle import services
from instances.models import Flavour, Image, Instance
from quotas import approval
from quotas.limits import limits_for
from quotas.models import ApprovalRequest, Purpose, Quota
from quotas.refusals import ApprovalRequired, CloudFull, LaunchRefused, QuotaExceeded
from tests.support.factories import demo_image_and_flavour, make_experiment, make_user

pytestmark = pytest.mark.usefixtures("cloud")


@pytest.fixture
def member(db):
    user = make_user()
    user.experiment = make_experiment(members=[user])
    return user


def launch(user, flavour="m1.small", experiments=None, image=None):
    default_image, _ = demo_image_and_flavour()
    return services.launch(user, [user.experiment] if experiments is None else experiments,
                           image or default_image, Flavour.objects.get(name=flavour))


def test_the_default_quota_applies_and_a_launch_past_it_says_what_to_do(member):
    launch(member)
    launch(member)
    with pytest.raises(QuotaExceeded, match=r"^2 of 2 instances running: delete one, or ask for more\.$") as refusal:
        launch(member)
    assert refusal.value.as_dict() == {
        "code": "quota_exceeded", "detail": "2 of 2 instances running: delete one, or ask for more.",
        "resource": "instances", "used": 2, "limit": 2, "requested": 1, "purpose": "member",
        "quota": "the default quota", "ask_for_more": "/quotas/more?purpose=member",
    }
    assert Instance.objects.filter(owner=member).count() == 2


def test_the_most_specific_quota_applies(member):
    staff, beamline = Group.objects.create(name="staff"), Group.objects.create(name="beamline")
    member.groups.add(staff, beamline)
    Quota.objects.create(group=staff, max_instances=3, max_vcpus=4, max_lifetime_hours=48)
    Quota.objects.create(group=beamline, max_instances=1, max_vcpus=16, max_lifetime_hours=24)
    limits = limits_for(member, Purpose.MEMBER)
    # Groups merge to the most generous value of each limit.
    assert (limits.instances, limits.vcpus, limits.lifetime) == (3, 16, datetime.timedelta(hours=48))
    assert limits.source == "the quota of your groups “staff”, “beamline”"

    Quota.objects.create(user=member, max_instances=1, max_lifetime_hours=8)
    limits = limits_for(member, Purpose.MEMBER)
    assert (limits.instances, limits.source) == (1, "your own quota")
    instance = launch(member)
    assert abs(instance.expires_at - (timezone.now() + datetime.timedelta(hours=8))) < datetime.timedelta(minutes=1)
    with pytest.raises(QuotaExceeded, match="1 of 1 instances running"):
        launch(member)


def test_vcpus_and_ram_count_every_running_instance(member):
    Quota.objects.create(user=member, max_instances=5, max_vcpus=6, max_ram_gb=100)
    launch(member, "m1.medium")  # 4 vCPUs
    with pytest.raises(QuotaExceeded, match="m1.medium needs 4 vCPUs and 4 of your 6 vCPUs are in use: "
                                                   "choose a smaller size, delete an instance, or ask for more"):
        launch(member, "m1.medium")
    launch(member, "m1.small")

    Quota.objects.filter(user=member).update(max_vcpus=100, max_ram_gb=14)  # 12 GB used of 14
    with pytest.raises(QuotaExceeded, match="m1.small needs 4 GB of memory and 12 of your 14 GB are in use") as refusal:
        launch(member)
    assert refusal.value.details["resource"] == "ram_gb"


def test_usage_is_released_when_an_instance_is_deleted_or_fails_to_build(member):
    Quota.objects.create(user=member, max_instances=1)
    first = launch(member)
    services.transition(first, "ERROR", "test", "the build failed")
    second = launch(member)
    services.delete(second, member.username)
    services.transition(second, "DELETED", "test", "gone")
    launch(member)


def test_only_the_sizes_and_environments_a_quota_allows(member):
    quota = Quota.objects.create(user=member, max_instances=5, max_vcpus=100, max_ram_gb=100)
    quota.flavours.set(Flavour.objects.filter(name="m1.small"))
    with pytest.raises(QuotaExceeded, match="The size m1.medium is not allowed for you: choose m1.small"):
        launch(member, "m1.medium")
    alma = Image.objects.create(name="AlmaLinux 9 Desktop", cloud_id="6f0c6f2a-1d1e-4a7e-9d5b-2b6a0d9e0002")
    quota.images.set([alma])
    with pytest.raises(QuotaExceeded, match="The environment Ubuntu 24.04 Desktop is not allowed for you"):
        launch(member)
    assert launch(member, image=alma).image == alma


def test_open_data_counts_against_its_own_smaller_tier(member):
    open_data = make_experiment(release_date=timezone.now() - datetime.timedelta(days=1))
    instance = launch(member, experiments=[open_data])
    assert instance.purpose == Purpose.OPEN_DATA
    with pytest.raises(QuotaExceeded, match="^1 of 1 open-data instances running"):
        launch(member, experiments=[open_data])
    with pytest.raises(QuotaExceeded, match="^1 of 1 open-data instances running"):
        launch(member, experiments=[])  # a desktop without data is not a member's
    assert launch(member, experiments=[open_data, member.experiment]).purpose == Purpose.MEMBER


def test_open_data_can_require_an_operators_approval(member, mailoutbox):
    Quota.objects.filter(purpose=Purpose.OPEN_DATA, user=None, group=None).update(requires_approval=True)
    operator = make_user("operator")
    operator.is_staff = True
    operator.save()
    open_data = make_experiment(release_date=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ApprovalRequired, match="needs an operator's approval first"):
        launch(member, experiments=[open_data])
    assert launch(member).purpose == Purpose.MEMBER  # their own data needs none

    request = approval.request_approval(member, "Re-analyse PYP for my thesis")
    assert approval.request_approval(member) == request  # one pending request at a time
    assert len(mailoutbox) == 1 and "operator@visa.test" in mailoutbox[0].to
    with pytest.raises(ApprovalRequired, match="waiting for an operator"):
        launch(member, experiments=[open_data])

    assert approval.decide(request, operator, accept=False)
    assert not approval.decide(request, operator, accept=True)  # decided already
    assert mailoutbox[-1].to == [member.email] and "refused" in mailoutbox[-1].subject
    with pytest.raises(ApprovalRequired, match="was refused"):
        launch(member, experiments=[open_data])

    assert approval.decide(approval.request_approval(member), operator, accept=True)
    assert mailoutbox[-1].to == [member.email] and "may now launch" in mailoutbox[-1].subject
    assert launch(member, experiments=[open_data]).purpose == Purpose.OPEN_DATA
    assert ApprovalRequest.objects.filter(user=member).count() == 2


def test_approval_is_only_for_open_data(db):
    with pytest.raises(ValidationError):
        Quota(purpose=Purpose.MEMBER, requires_approval=True).full_clean()


def test_a_full_cloud_refuses_before_anything_is_recorded(member, full_cloud):
    with pytest.raises(CloudFull, match="The cloud is full: 40 of 40 vCPUs are in use. "
                                               "Try again later, or choose a smaller size."):
        launch(member)
    assert not Instance.objects.filter(owner=member).exists()


def test_launches_not_yet_on_the_cloud_count_as_using_it(member, full_cloud):
    conn = full_cloud.connect()
    conn.compute.delete_server(next(conn.compute.servers()))  # 32 of 40 cores used
    Quota.objects.create(user=member, max_instances=10, max_vcpus=100, max_ram_gb=100)
    launch(member, "m1.medium")
    launch(member, "m1.small")
    with pytest.raises(CloudFull, match="The cloud is full: 38 of 40 vCPUs are in use"):
        launch(member, "m1.medium")


def test_a_burst_asks_the_cloud_for_room_once_and_counts_every_launch_it_let_through(member, full_cloud, settings):
    """The cloud's figures serve launches for VISA_CLOUD_ROOM_SECONDS; the launches recorded since
    count as waiting, so the kept figures let no more through than fresh ones would."""
    def asked():
        return REGISTRY.get_sample_value("visa_cloud_calls_total", {"call": "limits", "cloud": cloud_name}) or 0

    settings.VISA_CLOUD_ROOM_SECONDS = 60
    conn = full_cloud.connect()
    conn.compute.delete_server(next(conn.compute.servers()))  # 32 of 40 cores used
    Quota.objects.create(user=member, max_instances=10, max_vcpus=100, max_ram_gb=100)
    cloud_name = demo_image_and_flavour()[0].provider.name
    before = asked()
    launch(member, "m1.medium")
    launch(member, "m1.small")
    with pytest.raises(CloudFull, match="The cloud is full: 38 of 40 vCPUs are in use"):
        launch(member, "m1.medium")
    assert asked() == before + 1
    settings.VISA_CLOUD_ROOM_SECONDS = 0  # the figures are too old now: asked again
    launch(member, "m1.small")
    assert asked() == before + 2


def test_an_environment_no_longer_offered_is_refused(member):
    image, _ = demo_image_and_flavour()
    Image.objects.filter(pk=image.pk).update(enabled=False)
    with pytest.raises(LaunchRefused, match=r"^The environment Ubuntu 24.04 Desktop is no longer offered: choose another\.$"):
        launch(member, image=Image.objects.get(pk=image.pk))
    assert not Instance.objects.filter(owner=member).exists()
