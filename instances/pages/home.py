"""The home page: the user's own desktops and those shared with them, as cards, with the quotas
they use; its live part is pushed again whenever one of its instances changes (pages.live)."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.shortcuts import render
from django.template.loader import render_to_string

from instances.lifecycle.quota import usage
from instances.models import Instance, InstanceMember
from instances.states import RESTING, TRANSIENT, State
from openaccess.models import Experiment
from quotas.limits import limits_for
from quotas.models import Purpose

# The buttons a resting instance offers besides Delete; services decide what is allowed.
BUTTONS = {State.ACTIVE: ["stop", "reboot"], State.STOPPED: ["start"]}


@login_required
def home(request):
    return render(request, "instances/home.html", _home_context(request.user))


def _home_context(user):
    """The user's own instances and those shared with them (with their role there), as cards, and
    the quotas they use. A fixed number of queries, however many cards."""
    my_role = InstanceMember.objects.filter(instance=OuterRef("pk"), user=user).values("role")[:1]
    instances = list(
        Instance.objects.visible_to(user)
        .select_related("image", "flavour", "owner")
        .prefetch_related(Prefetch("experiments", Experiment.objects.prefetch_related("datasets")))
        .annotate(thumbnail_at=F("thumbnail__taken_at"), my_role=Subquery(my_role))
    )
    for instance in instances:
        instance.actions = BUTTONS.get(instance.state, [])
    purposes = [Purpose.MEMBER, Purpose.OPEN_DATA] if settings.VISA_OPEN_DATA else [Purpose.MEMBER]
    return {
        "user": user,
        "own": [i for i in instances if i.owner_id == user.pk],
        "shared": [i for i in instances if i.owner_id != user.pk],
        "quotas": [{"limits": limits_for(user, p), "usage": usage(user, p)} for p in purposes],
        "busy": TRANSIENT,
        "resting": RESTING,
    }


def home_fragment(user):
    """The home page's live part, re-rendered for LiveConsumer when one of its instances changes."""
    return render_to_string("instances/_home_live.html", _home_context(user))
