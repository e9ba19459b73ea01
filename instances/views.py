from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.contrib.auth.views import redirect_to_login
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import http_date, url_has_allowed_host_and_scheme, urlencode
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_http_methods, require_POST

from openaccess import entry, search
from openaccess.models import Experiment
from openaccess.policy import can_read
from quotas.models import Purpose
from quotas.services import LaunchRefused, launch_choices, limits_for, purpose_of, usage

from . import cloudinit, expiry, lifecycle, services, sharing, sharing_views
from .forms import ExtensionForm, LaunchForm
from .models import Flavour, Image, Instance, InstanceMember, Role, Thumbnail
from .states import IllegalTransition, State


# The buttons a resting instance offers besides Delete; services decide what is allowed.
BUTTONS = {State.ACTIVE: ["stop", "reboot"], State.STOPPED: ["start"]}
# How a message says "it is ..." of these states; of the others, by their lower-case name.
STATE_WORDS = {State.ERROR: "in error", State.UNKNOWN: "unreachable"}
# The building steps the instance page shows, in order.
STEPS = [(State.PENDING, "Queued"), (State.BUILDING, "Building"), (State.STARTING, "Starting"), (State.ACTIVE, "Ready")]


def progress(instance):
    """The building steps as (state, label, "done" | "current" | "") for the instance's state."""
    order = [state for state, _ in STEPS]
    at = order.index(instance.state) if instance.state in order else -1
    return [(state, label, "done" if i < at or instance.state == State.ACTIVE else "current" if i == at else "")
            for i, (state, label) in enumerate(STEPS)]


# What the instance page says in each state: a heading, what is happening and what to do about it.
STATE_TEXT = {
    State.PENDING: ("Preparing your desktop", "Your request is queued; building starts in a moment."),
    State.BUILDING: ("Preparing your desktop", "The cloud is creating the virtual machine and attaching the data. "
                                               "This takes a minute or two."),
    State.STARTING: ("Preparing your desktop", "The machine is up and its desktop is starting. It opens here by itself."),
    State.ACTIVE: ("Opening the desktop…", "The desktop is running."),
    State.STOPPING: ("Stopping…", "The desktop is shutting down. Its disk and files are kept."),
    State.STOPPED: ("This desktop is stopped", "Its disk and files are kept: start it to carry on where you left off."),
    State.REBOOTING: ("Restarting…", "The desktop is restarting. It opens here again by itself."),
    State.DELETING: ("Deleting…", "This desktop is being deleted."),
    State.DELETED: ("This desktop was deleted", "Its disk is gone. Launch a new desktop from your data to carry on."),
    State.ERROR: ("This desktop failed", "Something went wrong with its virtual machine. Delete it and launch a new "
                                         "one; if that fails too, write to support and give them the desktop's name."),
    State.UNKNOWN: ("The cloud does not answer", "So we cannot tell how this desktop is. Nothing is lost: this page "
                                                 "updates by itself when the cloud answers again."),
}
# States on the way to another: the page shows what is being done (the state's reason).
TRANSITIONAL = [State.PENDING, State.BUILDING, State.STARTING, State.STOPPING, State.REBOOTING, State.DELETING]
# The owner's answers to a support operator who asks for access.
ANSWERS = [("guest", "Admit as guest"), ("support", "Admit as support"), ("refused", "Refuse")]
ACTIONS = {"start": services.start, "stop": services.stop, "reboot": services.reboot, "delete": services.delete}


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
        "busy": lifecycle.TRANSIENT,
    }


def home_fragment(user):
    """The home page's live part, re-rendered for LiveConsumer when one of its instances changes."""
    return render_to_string("instances/_home_live.html", _home_context(user))


def instance_fragment(user, session, uuid):
    """The instance page's live part (state, progress, who is connected, the owner's share
    panel), re-rendered for LiveConsumer."""
    instance = Instance.objects.select_related("image", "flavour").get(uuid=uuid)
    return render_to_string("instances/_status.html", _live_context(user, session, instance))


def _live_context(user, session, instance):
    role = sharing.page_role(user, session, instance)
    refusal = _refusal(user, session, instance, role)
    heading, text = STATE_TEXT[instance.state]
    if role is None and instance.state not in (State.DELETING, State.DELETED):
        heading, text = "You have no access to this desktop", "Its owner can share it with you."
    elif refusal:
        heading, text = "The desktop is not open to you now", refusal
    context = {"instance": instance, "role": role, "steps": progress(instance), "is_owner": role == Role.OWNER,
               "building": instance.state in (State.PENDING, State.BUILDING, State.STARTING),
               "transitional": TRANSITIONAL, "heading": heading, "state_text": text, "refusal": refusal,
               "staff": user.is_staff,
               "asked": role is None and instance.access_requests.filter(user_id=user.pk, answer="").exists(),
               "time_left": instance.expires_at and timeuntil(instance.expires_at, depth=1),
               "actions": BUTTONS.get(instance.state, []),
               "present": list(sharing.live_sessions(instance)) if role else [],
               "events": instance.events.all()}
    if role == Role.OWNER:
        context.update(sharing_views.panel(instance), answers=ANSWERS)
    return context


def _refusal(user, session, instance, role):
    """Why the desktop proxy would turn this visitor away now (data no longer readable, owner
    away), so that the page says so instead of trying to connect."""
    if instance.state != State.ACTIVE or role is None:
        return ""
    try:
        sharing.desktop_access(user, session, instance.uuid)
    except sharing.Refused as refusal:
        return str(refusal)
    return ""


def _to_running(request, experiments):
    """A Launch goes to the desktop the user already has with this data, unless they asked for
    another; None when there is none to go to."""
    running = None if request.POST.get("another") else services.running_with(request.user, experiments)
    if running is None:
        return None
    messages.info(request, "You already have a desktop with this data, so you are taken to it "
                           "instead of waiting for a new one.")
    return redirect("instance", uuid=running.uuid)


@login_required
@require_POST
def launch(request):
    """The launch forms of other pages (the DOI page): a refusal goes back there as a message."""
    experiments = list(Experiment.objects.filter(pk__in=request.POST.getlist("experiment")))
    image = get_object_or_404(Image, pk=request.POST.get("image"), enabled=True)
    flavour = get_object_or_404(Flavour, pk=request.POST.get("flavour"), enabled=True)
    if running := _to_running(request, experiments):
        return running
    try:
        instance = services.launch(request.user, experiments, image, flavour)
    except (LaunchRefused, PermissionDenied) as error:
        messages.error(request, str(error))
        back = request.POST.get("back", "")  # only back to a page of ours, never elsewhere
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
        return redirect(back if safe else "home")
    return redirect("instance", uuid=instance.uuid)


# The wizard field a refusal is about (quotas' `resource`); others are shown above the Launch button.
REFUSED_FIELD = {"flavour": "flavour", "vcpus": "flavour", "ram_gb": "flavour", "image": "image"}


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """The new-instance wizard. GET is also the portal form of the entry point:
    /instances/new?dois=A,B&proposals=P preselects every experiment named that the user may read
    and says which names are left out, and why. POST launches, or shows the page again with every
    choice the user made and what stopped the launch beside the field it is about."""
    if request.method != "POST":
        experiments, left_out = entry.resolve(
            request.user, entry.names(request.GET.get("dois")), entry.names(request.GET.get("proposals")))
        return _wizard(request, LaunchForm(), experiments, left_out)
    form = LaunchForm(request.POST)
    if form.is_valid():
        experiments = form.experiments()
        if running := _to_running(request, experiments):
            return running
        try:
            instance = services.launch(request.user, experiments, form.cleaned_data["image"],
                                       form.cleaned_data["flavour"], form.cleaned_data["name"])
        except PermissionDenied as error:
            form.add_error("experiment", str(error))
        except LaunchRefused as error:
            form.add_error(REFUSED_FIELD.get(error.details.get("resource")), str(error))
        else:
            return redirect("instance", uuid=instance.uuid)
    return _wizard(request, form, _readable(request.user, request.POST.getlist("experiment")), [])


@login_required
def new_options(request):
    """The wizard's environment, size, name and quota again, for the experiments now chosen
    (htmx, when the choice changes: they decide which quota applies)."""
    experiments = _readable(request.user, request.GET.getlist("experiment"))
    return render(request, "instances/wizard_options.html", _options(request, LaunchForm(), experiments))


@login_required
def new_search(request):
    """The wizard's experiment picker: what the user may read that matches (htmx)."""
    found, count = search.pick(request.user, request.GET.get("q", ""), request.GET.get("access", ""))
    listed = set(request.GET.getlist("listed"))  # already on the page's list, chosen or not
    return render(request, "instances/wizard_results.html", {
        "found": [(experiment, str(experiment.pk) in listed) for experiment in found], "count": count, "oob": True,
    })


@login_required
def new_pick(request, pk):
    """One experiment added to the wizard's choice (htmx): its row, if the user may read it."""
    experiment = get_object_or_404(Experiment, pk=pk)
    if not can_read(request.user, experiment):
        raise Http404("No such experiment")
    return render(request, "instances/wizard_pick.html", {"experiment": experiment, "checked": True, "added": True})


def _readable(user, pks):
    """The experiments with these primary keys that `user` may read, in the order given."""
    ids = list(dict.fromkeys(int(pk) for pk in pks if pk.isdigit()))
    found = Experiment.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found and can_read(user, found[pk])]


def _options(request, form, experiments):
    """What the wizard's right-hand side shows for these experiments: the choices the quota that
    applies allows, which of them is chosen (the user's, else the first allowed), and whether the
    user already has a desktop with this data."""
    choices = launch_choices(request.user, purpose_of(request.user, experiments))
    data = form.data if form.is_bound else request.GET
    proposals = ",".join(experiment.proposal_id for experiment in experiments)
    return {
        **choices, "form": form, "experiments": experiments, "wizard": True,
        "chosen": {field: data.get(field) or suggested for field, suggested in choices["chosen"].items()},
        "name": data.get("name", ""), "default_name": experiments[0].title if experiments else "",
        "running": services.running_with(request.user, experiments),
        "back": reverse("new-instance") + (f"?{urlencode({'proposals': proposals})}" if proposals else ""),
    }


def _wizard(request, form, experiments, left_out):
    found, count = search.pick(request.user)
    listed = {experiment.pk for experiment in experiments}
    return render(request, "instances/new.html", {
        **_options(request, form, experiments), "left_out": left_out,
        "attachable": services.attachable(request.user, experiments),
        "found": [(experiment, experiment.pk in listed) for experiment in found], "count": count,
        "open_data": settings.VISA_OPEN_DATA,
    })


def _own_instance(request, uuid):
    return get_object_or_404(Instance.objects.select_related("image", "flavour"), uuid=uuid, owner=request.user)


def _visible_instance(request, uuid):
    """The instance and the visitor's role on it (None for support staff, who may ask for access)."""
    instance = get_object_or_404(Instance.objects.select_related("image", "flavour"), uuid=uuid)
    role = sharing.page_role(request.user, request.session, instance)
    if role is None and not request.user.is_staff:
        raise Http404("No such instance")
    return instance, role


def detail(request, uuid):
    if not request.user.is_authenticated and not request.session.get(sharing.GUEST_SESSION_KEY):
        return redirect_to_login(request.get_full_path())
    instance, role = _visible_instance(request, uuid)
    return render(request, "instances/detail.html", {
        **_live_context(request.user, request.session, instance),
        "mounts": [(e, cloudinit.mount_point(e)) for e in cloudinit.mounted_experiments(instance)],
        "changes_data": role in (Role.OWNER, Role.USER) and instance.state in services.DATA_CHANGEABLE,
        "all_actions": ACTIONS,
        "extension_form": ExtensionForm() if instance.state in expiry.EXPIRING else None,
        "inactivity_days": f"{settings.VISA_INACTIVITY_HOURS / 24:g}",
        "pending_extension": instance.extensions.filter(decision="PENDING").first(),
    })


def status(request, uuid):
    instance, role = _visible_instance(request, uuid)
    return JsonResponse({"state": instance.state, "reason": instance.state_reason, "role": role})


def thumbnail(request, uuid):
    """The desktop's latest picture, for whoever may see the instance page. Cards ask for it with
    its time in the query, so a browser may keep each picture: a new one has a new URL."""
    instance, _ = _visible_instance(request, uuid)
    picture = get_object_or_404(Thumbnail, instance=instance)
    response = HttpResponse(bytes(picture.jpeg), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["Last-Modified"] = http_date(picture.taken_at.timestamp())
    return response


@login_required
@require_POST
def act(request, uuid, action):
    """Start, stop, reboot or delete: recorded now, carried out by a task. A home page card (htmx)
    gets no content, as the live update redraws it, or a message to show (409) when the instance's
    state no longer allows the action."""
    instance = _own_instance(request, uuid)
    try:
        ACTIONS[action](instance, request.user.username)
    except IllegalTransition:
        instance.refresh_from_db()
        now = STATE_WORDS.get(instance.state, instance.get_state_display().lower())
        message = f"You cannot {action} “{instance.name}” now: it is {now}."
        if request.headers.get("HX-Request"):
            return HttpResponse(escape(message), status=409)
        messages.error(request, message)
        return redirect("instance", uuid=instance.uuid)
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    if action == "delete":
        messages.success(request, f"“{instance.name}” is being deleted.")
        return redirect("home")
    return redirect("instance", uuid=instance.uuid)


@login_required
@require_POST
def attach(request, uuid):
    """Open data in a desktop the user has: attach it; the VM's agent mounts it within seconds."""
    instance, _ = _visible_instance(request, uuid)
    experiments = list(Experiment.objects.filter(pk__in=request.POST.getlist("experiment")))
    if not experiments:
        raise Http404("No such experiment")
    try:
        for experiment in experiments:
            services.attach(request.user, instance, experiment)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("instance", uuid=instance.uuid)
    points = ", ".join(cloudinit.mount_point(e) for e in experiments)
    when = "when you start it" if instance.state in (State.STOPPING, State.STOPPED) else "within seconds"
    messages.success(request, f"The data will appear on this desktop under {points} {when}.")
    return redirect("instance", uuid=instance.uuid)


@login_required
@require_POST
def detach(request, uuid):
    instance, _ = _visible_instance(request, uuid)
    experiment = get_object_or_404(Experiment, pk=request.POST.get("experiment"))
    try:
        services.detach(request.user, instance, experiment)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{cloudinit.mount_point(experiment)} is unmounted within seconds.")
    return redirect("instance", uuid=instance.uuid)


@login_required
@require_POST
def extend(request, uuid):
    instance = _own_instance(request, uuid)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("instance", uuid=instance.uuid)
    try:
        extension = expiry.request_extension(instance, request.user, **form.cleaned_data)
    except IllegalTransition as error:
        messages.error(request, str(error))
    else:
        if extension.decision == extension.Decision.ACCEPTED:
            messages.success(request, f"Granted: {extension.days} more days.")
        else:
            messages.success(request, "Your request was sent to the operators.")
    return redirect("instance", uuid=instance.uuid)
