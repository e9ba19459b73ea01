"""Membership changes reach live connections, whoever made them (the owner's page, a support
answer, a revoke, the API or Django admin): a member's new role applies to their open desktop at
once; a removed member is disconnected; pages showing the instance are re-authorised. Joining or
leaving an experiment reaches its live desktops' teams (team.py)."""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from instances import live
from instances.models import Instance, InstanceMember
from openaccess.models import ExperimentMember

from . import sessions, team

log = logging.getLogger(__name__)


@receiver(post_save, sender=InstanceMember)
def member_saved(sender, instance, **kwargs):
    sessions.set_role(instance.instance_id, instance.user_id, instance.role)
    live.announce(instance.instance)


@receiver(post_delete, sender=InstanceMember)
def member_removed(sender, instance, **kwargs):
    sessions.close_on_commit(sessions.live_sessions(instance.instance_id).filter(user=instance.user_id),
                             "You no longer have access to this desktop.")
    desktop = Instance.objects.filter(pk=instance.instance_id).first()  # None when it goes too
    if desktop is not None:
        live.announce(desktop)  # its pages check again who may see them
    transaction.on_commit(lambda: _refresh_home(instance.user_id))


def _refresh_home(user_id):
    """The removed member's home page drops the card (announce() reaches current members only)."""
    try:
        async_to_sync(get_channel_layer().group_send)(live.user_group(user_id), live.MESSAGE)
    except Exception as error:  # best effort, as announce is
        log.warning("could not refresh the home page of user %s: %s", user_id, error)


@receiver(post_save, sender=ExperimentMember)
def experiment_joined(sender, instance, created, **kwargs):
    if created:
        team.joined(instance)


@receiver(post_delete, sender=ExperimentMember)
def experiment_left(sender, instance, **kwargs):
    team.left(instance)
