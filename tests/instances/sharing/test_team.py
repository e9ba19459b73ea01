"""The experiment's team on its desktops (VISA_TEAM_ACCESS): members of attached experiments are
admitted without a link when operators turn it on, follow joining and leaving the experiment, and an
owner's removal or block stands."""
import pytest
from django.contrib.auth import get_user_model

from instances.lifecycle import services
from instances.models import BlockedUser, Instance, InstanceMember, Role
from instances.sharing import members
from openaccess.models import Experiment, ExperimentMember
from tests.support.factories import demo_image_and_flavour, make_experiment, make_plain_instance, make_user
from tests.support.rfbclient import non_blank
from tests.support.sharing import eventually, inputs
from tests.support.threads import elsewhere


@pytest.fixture
def team_access(settings):
    settings.VISA_TEAM_ACCESS = "interactive"
    return settings


def team_of(instance):
    return {(m.user.username, m.role) for m in InstanceMember.objects.filter(instance=instance, team=True)}


def test_launching_admits_the_team_who_may_read_all_the_data(db, team_access, devcloud):
    team_access.OPENSTACK = {**team_access.OPENSTACK, "auth_url": devcloud.auth_url}  # the cloud's own limits
    owner, colleague, other = make_user(), make_user(), make_user()
    experiment = make_experiment(members=[owner, colleague])
    instance = services.launch(owner, [experiment], *demo_image_and_flavour())
    assert team_of(instance) == {(colleague.username, Role.USER)}
    assert other.username not in {name for name, _ in team_of(instance)}


def test_off_by_default_nobody_is_admitted(db):
    owner, colleague = make_user(), make_user()
    experiment = make_experiment(members=[owner, colleague])
    instance = make_plain_instance(owner, experiments=[experiment])
    services.attach(owner, instance, make_experiment(members=[owner, colleague]))
    ExperimentMember.objects.create(experiment=experiment, user=make_user())
    assert not InstanceMember.objects.filter(instance=instance).exists()


def test_attach_and_detach_bring_and_take_the_team_of_that_data(db, team_access):
    owner, first, second = make_user(), make_user(), make_user()
    mine = make_experiment(members=[owner, first])
    open_one = Experiment.objects.get(proposal_id="700000")  # open: everyone may read it
    ExperimentMember.objects.create(experiment=open_one, user=second)
    instance = make_plain_instance(owner, experiments=[open_one])
    services.attach(owner, instance, mine)
    # first may read both; second may not read `mine`, so stays out (they would see its data)
    assert team_of(instance) == {(first.username, Role.USER)}
    services.detach(owner, instance, mine)
    assert team_of(instance) == set()  # first was there for `mine` alone


def test_joining_and_leaving_the_experiment_reach_its_live_desktops(db, team_access):
    owner, joiner = make_user(), make_user()
    experiment = make_experiment(members=[owner])
    live = make_plain_instance(owner, experiments=[experiment])
    gone = make_plain_instance(owner, state="DELETED", experiments=[experiment])
    membership = ExperimentMember.objects.create(experiment=experiment, user=joiner)
    assert team_of(live) == {(joiner.username, Role.USER)} and team_of(gone) == set()
    membership.delete()
    assert team_of(live) == set()


def test_an_owners_removal_and_block_stand(db, team_access):
    owner, removed, blocked, later = make_user(), make_user(), make_user(), make_user()
    experiment = make_experiment(members=[owner, removed, blocked])
    instance = make_plain_instance(owner)
    team_access.VISA_TEAM_ACCESS = "view-only"
    services.attach(owner, instance, experiment)
    assert team_of(instance) == {(removed.username, Role.GUEST), (blocked.username, Role.GUEST)}
    members.remove(InstanceMember.objects.get(instance=instance, user=removed))
    members.remove(InstanceMember.objects.get(instance=instance, user=blocked), block=True)
    ExperimentMember.objects.create(experiment=experiment, user=later)  # someone else joins: only they come in
    assert team_of(instance) == {(later.username, Role.GUEST)}
    ExperimentMember.objects.filter(experiment=experiment, user=blocked).delete()
    ExperimentMember.objects.create(experiment=experiment, user=blocked)  # rejoining does not lift a block
    assert not InstanceMember.objects.filter(instance=instance, user=blocked).exists()
    assert BlockedUser.objects.filter(instance=instance, user=blocked).exists()


def test_a_team_member_works_on_the_desktop_and_leaving_the_experiment_disconnects_them(
        owner, person, launch, devcloud, team_access):
    uuid = launch(owner)
    colleague = person()
    experiment = Instance.objects.get(uuid=uuid).experiments.get()
    membership = elsewhere(ExperimentMember.objects.create, experiment=experiment,
                           user=get_user_model().objects.get(username=colleague.username))
    try:
        shown = owner.get(f"/instances/{uuid}/sharing").json()["members"]
        assert [(m["username"], m["role"], m["via"]) for m in shown] == [(colleague.username, "user", None)]
        assert "member of the experiment" in owner.get(f"/instances/{uuid}/").text
        with owner.open_desktop(uuid), colleague.open_desktop(uuid) as working:
            assert non_blank(working.framebuffer())
            before = inputs(devcloud, uuid)["key"]
            working.key(0x61)
            working.framebuffer()
            assert inputs(devcloud, uuid)["key"] == before + 1  # interactive, as the setting says
            elsewhere(membership.delete)
            assert working.closed_by_server(timeout=1)
            assert working.close_reason == (4401, "You no longer have access to this desktop.")
        assert eventually(lambda: uuid not in colleague.get("/").text)
    finally:
        elsewhere(ExperimentMember.objects.filter(pk=membership.pk).delete)
