"""Who may do what on a shared desktop: a user's role on an instance, and what each role may do.
The roles themselves (models.Role) and what a link's access means (ShareToken.ACCESS) are in models."""
from django.db.models import OuterRef, Q, Subquery

from instances.models import Instance, InstanceMember, Role

CONTROLLERS = (Role.OWNER, Role.SUPPORT)


def role_of(instance, user):
    """The signed-in user's role on this instance, or None."""
    if not user.is_authenticated:
        return None
    if instance.owner_id == user.pk:
        return Role.OWNER
    return InstanceMember.objects.filter(instance=instance, user=user).values_list("role", flat=True).first()


def instances_of(user):
    """role_of() as a query: the instances the user owns or is a member of, each annotated with
    the user's member_role (None where they own it)."""
    member_role = InstanceMember.objects.filter(instance=OuterRef("pk"), user=user).values("role")[:1]
    return (Instance.objects.filter(Q(owner=user) | Q(members__user=user)).distinct()
            .annotate(member_role=Subquery(member_role)))


def may_control(role, room_locked):
    return role in CONTROLLERS or (role == Role.USER and not room_locked)
