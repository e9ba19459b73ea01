"""The operators' placement rules: which networks and security groups a launch gets, and why."""
import datetime

import pytest
from django.contrib.auth.models import Group

from instances.lifecycle import placement, services
from instances.models import Flavour, Image, PlacementRule
from openaccess.models import Experiment
from tests.support.factories import demo_image_and_flavour, give_room, make_experiment, make_user


def rule(name, networks="", security_groups="", groups=(), images=(), flavours=(), **fields):
    made = PlacementRule.objects.create(name=name, networks=networks, security_groups=security_groups, **fields)
    made.groups.set(groups)
    made.images.set(images)
    made.flavours.set(flavours)
    return made


@pytest.fixture
def choices(db):
    return demo_image_and_flavour()


def test_no_rule_means_the_clouds_defaults_or_the_sites(choices, settings):
    chosen = placement.choose(make_user(), [], *choices)
    assert (chosen.networks, chosen.security_groups) == ([], [])
    assert chosen.reasons == ["No rule matched: the cloud's defaults."]
    settings.VISA_DEFAULT_NETWORKS, settings.VISA_DEFAULT_SECURITY_GROUPS = ["internet-net"], ["open-data"]
    chosen = placement.choose(make_user(), [], *choices)
    assert (chosen.networks, chosen.security_groups) == (["internet-net"], ["open-data"])
    assert chosen.reasons == ["No rule matched: the site's defaults."]


def test_every_matching_rule_adds_in_priority_order_each_name_once_until_a_last_rule(choices):
    image, flavour = choices
    staff = Group.objects.create(name="spb-staff")
    owner = make_user()
    owner.groups.add(staff)
    spb = make_experiment(members=[owner], instrument="SPB/SFX", facility="European XFEL")
    rule("everyone", security_groups="default,desktop", priority=50)
    rule("instrument control", networks="devcloud-net,instrument-net", security_groups="desktop,instrument",
         groups=[staff], instrument="spb/sfx", priority=60, last=True)
    rule("after the last", networks="internet-net", priority=70)
    rule("disabled", networks="internet-net", priority=10, enabled=False)
    rule("other size", networks="internet-net", priority=20, flavours=[Flavour.objects.get(name="m1.large")])

    chosen = placement.choose(owner, [spb], image, flavour)
    assert chosen.networks == ["devcloud-net", "instrument-net"]
    assert chosen.security_groups == ["default", "desktop", "instrument"]
    assert chosen.reasons == [
        "everyone: it applies to every launch.",
        "instrument control: the owner is in spb-staff; the data is of instrument spb/sfx.",
    ]
    # without the group, or with another instrument's data, the instrument rule does not apply
    assert placement.choose(make_user(), [spb], image, flavour).networks == ["internet-net"]
    fxe = make_experiment(members=[owner], instrument="FXE")
    assert placement.choose(owner, [fxe], image, flavour).networks == ["internet-net"]


@pytest.mark.parametrize("data, attached, holds", [
    ("open", ["open"], True), ("open", ["open", "closed"], False), ("open", [], False),
    ("closed", ["open", "closed"], True), ("closed", ["open"], False),
    ("none", [], True), ("none", ["open"], False),
])
def test_the_data_condition(choices, data, attached, holds):
    owner = make_user()
    opened = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    experiments = [make_experiment(members=[owner], release_date=opened if kind == "open" else None)
                   for kind in attached]
    rule("by data", networks="internet-net", data=data)
    assert (placement.choose(owner, experiments, *choices).networks == ["internet-net"]) is holds


def test_role_facility_and_environment_conditions(choices):
    image, flavour = choices
    other_image = Image.objects.exclude(pk=image.pk).first()
    rule("staff on alma", networks="instrument-net", role="staff", images=[other_image], facility="European XFEL")
    staff = make_user()
    staff.is_staff = True
    staff.save()
    xfel = Experiment.objects.get(proposal_id="700000")
    assert placement.choose(staff, [xfel], other_image, flavour).reasons == [
        f"staff on alma: the owner is staff; the data is of facility European XFEL; the environment is {other_image}."]
    assert placement.choose(staff, [xfel], image, flavour).networks == []
    assert placement.choose(make_user(), [xfel], other_image, flavour).networks == []
    assert placement.choose(staff, [], other_image, flavour).networks == []


def test_a_launch_stores_what_was_chosen_and_why(choices, settings, devcloud):
    settings.OPENSTACK = {**settings.OPENSTACK, "auth_url": devcloud.auth_url}  # the cloud's room is asked
    owner = give_room(make_user())
    rule("desktops", networks="devcloud-net", security_groups="desktop")
    instance = services.launch(owner, [], *choices)
    instance.refresh_from_db()
    assert (instance.networks, instance.security_groups) == (["devcloud-net"], ["desktop"])
    assert instance.placement_reasons == ["desktops: it applies to every launch."]
