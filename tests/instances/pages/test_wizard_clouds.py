"""The wizard with two clouds, in Debian's chromium: the user chooses where the desktop runs, and
the environments and sizes are that cloud's, a size past the GPU quota greyed with the reason."""
import re

import pytest

from deploy.devcloud import catalogue
from instances.models import Cloud, Flavour, Image
from quotas.models import Purpose, Quota
from tests.support.a11y import assert_accessible
from tests.support.browser import SHOTS
from tests.support.factories import make_experiment, make_user
from tests.support.threads import elsewhere


@pytest.fixture
def site_b(stack, committed):
    """A second cloud as an operator registers it (nothing is launched on it here)."""
    cloud = Cloud.objects.create(name="Site B", description="GPUs for tomography", priority=200,
                                 auth_url="http://127.0.0.1:9/v3", username="visa",
                                 password_variable="OPENSTACK_PASSWORD_SITE_B")
    Image.objects.create(provider=cloud, name="Tomography workstation", cloud_id=catalogue.IMAGES["ubuntu-desktop"].id,
                         icon=Image.Icon.IMAGE)
    Flavour.objects.create(provider=cloud, name="g1.large", cloud_id=catalogue.FLAVOURS["m1.large"].id, cpus=8,
                           ram_mb=16384, gpus=2)
    Flavour.objects.create(provider=cloud, name="b1.small", cloud_id=catalogue.FLAVOURS["m1.small"].id, cpus=2,
                           ram_mb=4096)
    yield cloud
    elsewhere(lambda: (cloud.images.all().delete(), cloud.flavours.all().delete(), cloud.delete()))


def test_choosing_a_cloud_lists_its_environments_and_sizes(signed_in, site_b):
    user = make_user()
    Quota.objects.create(user=user, purpose=Purpose.MEMBER, max_instances=2, max_vcpus=16, max_ram_gb=32, max_gpus=1)
    experiment = make_experiment(title="Tomography of fossil teeth", members=[user])
    page = signed_in(user, f"/instances/new?proposals={experiment.proposal_id}")
    clouds = page.get_by_role("group", name="Where it runs")
    default = Cloud.objects.get(from_settings=True).name
    assert clouds.get_by_role("radio", name=re.compile(f"^{default}")).is_checked()  # first by priority
    assert page.get_by_role("radio", name=re.compile("Ubuntu 24.04 Desktop")).is_visible()

    clouds.get_by_role("radio", name=re.compile("^Site B")).check()
    page.get_by_role("radio", name=re.compile("Tomography workstation")).wait_for()
    assert page.get_by_role("radio", name=re.compile("Ubuntu 24.04 Desktop")).count() == 0
    assert page.get_by_role("radio", name=re.compile("Tomography workstation")).is_checked()
    large = page.locator("label.tile", has=page.get_by_role("radio", name=re.compile("g1.large")))
    assert large.get_by_role("radio").is_disabled()
    assert large.get_by_text("8 vCPUs · 16 GB RAM · 2 GPUs Unavailable: needs 2 GPUs, your quota has 1 left.").is_visible()
    assert page.get_by_role("radio", name=re.compile("b1.small")).is_checked()  # the smallest that fits
    assert page.get_by_text(re.compile("0 of 1 GPUs")).is_visible()
    assert_accessible(page)
    page.screenshot(path=SHOTS / "wizard-clouds.png")
