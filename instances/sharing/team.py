"""The experiment's team on its desktops (VISA_TEAM_ACCESS, off by default). Where operators turn it
on, the members of an attached experiment are admitted to the desktop without a link, as ILL's VISA
does, with the access the setting names. They are InstanceMember rows marked `team`, so the owner
sees, changes and removes them like anyone admitted by a link, and the desktop proxy, live pages
and home page follow them as they follow every membership (receivers.py).

The team is admitted when its data is attached (launch, attach) and when someone joins an attached
experiment; detaching the data or leaving the experiment removes those admitted for it alone. An
owner's removal stands: someone removed is admitted again only by a new attach or a new joining,
never by a later change to someone else, and a blocked person never."""
from django.conf import settings

from instances.models import BlockedUser, InstanceMember, ShareToken
from instances.states import LIVE
from openaccess.models import ExperimentMember
from openaccess.policy import can_read


def _role():
    return ShareToken.ACCESS.get(settings.VISA_TEAM_ACCESS)


def admit(instance, experiments, users=None):
    """Admit the members of `experiments` (only `users` among them, when given) to `instance`: those
    not yet in, neither its owner nor blocked, who may read all the data it shows."""
    role = _role()
    if role is None:
        return
    team = ExperimentMember.objects.filter(experiment__in=experiments).exclude(user=instance.owner_id)
    if users is not None:
        team = team.filter(user__in=users)
    present = InstanceMember.objects.filter(instance=instance).values("user")
    blocked = BlockedUser.objects.filter(instance=instance).values("user")
    attached = list(instance.experiments.all())
    for membership in team.exclude(user__in=present).exclude(user__in=blocked).select_related("user"):
        if all(can_read(membership.user, experiment) for experiment in attached):
            InstanceMember.objects.get_or_create(instance=instance, user=membership.user,
                                                 defaults={"role": role, "team": True})


def dismiss(instance, users=None):
    """Remove those admitted as the team (only `users` among them, when given) who are no longer
    members of any experiment attached to `instance`; each is disconnected (receivers.py)."""
    members = InstanceMember.objects.filter(instance=instance, team=True)
    if users is not None:
        members = members.filter(user__in=users)
    still = ExperimentMember.objects.filter(experiment__in=instance.experiments.all()).values("user")
    for member in members.exclude(user__in=still):
        member.delete()  # one by one: each deletion's receiver closes that member's connections


def joined(membership):
    """Someone joined an experiment: admit them to the live desktops that have its data."""
    for instance in membership.experiment.instances.filter(state__in=LIVE):
        admit(instance, [membership.experiment], users=[membership.user_id])


def left(membership):
    for instance in membership.experiment.instances.filter(state__in=LIVE):
        dismiss(instance, users=[membership.user_id])
