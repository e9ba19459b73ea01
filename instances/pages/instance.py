"""The instance page: the desktop (or what is happening to it, and what to do), its details,
its people for the owner, and the actions start, stop, reboot, delete, attach, detach and extend.
Its live part is pushed again whenever the instance changes (pages.live)."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_POST

from instances.cloud.mounts import mount_point, mounted_experiments
from instances.files.access import may_use as may_use_files
from instances.lifecycle import expiry, services
from instances.models import Instance, Role, ShareToken, Thumbnail
from instances.sharing import access, sessions
from instances.sharing.links import MAX_LINK_HOURS
from instances.states import BUILDING, DATA_CHANGEABLE, GONE, RESTING, TRANSIENT, IllegalTransition, State
from openaccess.models import Experiment
from openaccess.policy import can_read
from visa.params import an_id, ids

from . import sharing
from .forms import ExtensionForm
from .home import BUTTONS

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
    State.STARTING: ("Preparing your desktop",
                     "The machine is up and its desktop is starting. It opens here by itself."),
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
# The owner's answers to a support operator who asks for access.
ANSWERS = [("guest", "Admit as guest"), ("support", "Admit as support"), ("refused", "Refuse")]
# The permission that lets an operator see any instance's page without being admitted to it.
VIEW_ANY = "instances.view_any_instance"
ACTIONS = {"start": services.start, "stop": services.stop, "reboot": services.reboot, "delete": services.delete}


def instance_fragment(user, session, uuid):
    """The instance page's live part (state, progress, who is connected, the owner's share
    panel), re-rendered for LiveConsumer."""
    instance = Instance.objects.select_related("image", "flavour").get(uuid=uuid)
    return render_to_string("instances/_status.html", _live_context(user, session, instance))


def sees_inside(user, role):
    """Whether the visitor sees more than what they need to ask for access (the state): its
    members, link guests, and operators granted "view any instance"; other staff do not."""
    return role is not None or user.has_perm(VIEW_ANY)


def _live_context(user, session, instance):
    role = access.page_role(user, session, instance)
    inside = sees_inside(user, role)
    refusal = _refusal(user, session, instance, role)
    heading, text = STATE_TEXT[instance.state]
    if role is None and instance.state not in GONE:
        heading, text = "You have no access to this desktop", "Its owner can share it with you."
    elif refusal:
        heading, text = "The desktop is not open to you now", refusal
    # JupyterLab is for those who may run code on the desktop (sharing.access.jupyter_access decides)
    offers_jupyter = instance.image.has_jupyter and role in (Role.OWNER, Role.USER, Role.SUPPORT)
    if instance.state == State.ACTIVE and role and not refusal and not instance.image.has_desktop:
        heading, text = "JupyterLab is ready", (
            "This environment has no remote desktop: it offers JupyterLab, which opens in a new tab."
            if offers_jupyter else "This environment offers JupyterLab only, which is for those who may control "
                                   "it: you may only watch, and there is nothing to watch.")
    panel = sharing.panel(instance) if role == Role.OWNER else None  # its "connected" is who is present
    context = {"instance": instance, "role": role, "steps": progress(instance), "is_owner": role == Role.OWNER,
               "building": instance.state in BUILDING,
               "transitional": TRANSIENT, "heading": heading, "state_text": text, "refusal": refusal,
               "staff": user.is_staff,
               "asked": role is None and instance.access_requests.filter(user_id=user.pk, answer="").exists(),
               "time_left": instance.expires_at and timeuntil(instance.expires_at, depth=1),
               "ends_soon": instance.state not in GONE and expiry.ends_soon(instance),
               "actions": BUTTONS.get(instance.state, []),
               "present": panel["connected"] if panel else sessions.connected(instance) if role else [],
               "inside": inside, "events": instance.events.all() if inside else [], "offers_jupyter": offers_jupyter}
    if panel:
        context.update(panel, answers=ANSWERS,
                       extension=instance.extensions.order_by("-requested_at").first(),
                       may_extend=instance.state in RESTING)
    return context


def _refusal(user, session, instance, role):
    """Why the desktop proxy would turn this visitor away now (data no longer readable, owner
    away), so that the page says so instead of trying to connect."""
    if instance.state != State.ACTIVE or role is None:
        return ""
    try:
        access.instance_access(user, session, instance.uuid)
    except access.Refused as refusal:
        return str(refusal)
    return ""


def _own_instance(request, uuid):
    return get_object_or_404(Instance.objects.select_related("image", "flavour"), uuid=uuid, owner=request.user)


def _visible_instance(request, uuid):
    """The instance and the visitor's role on it (None for staff, who may ask for access, and
    operators who may view any instance)."""
    instance = get_object_or_404(Instance.objects.select_related("image", "flavour", "owner"), uuid=uuid)
    role = access.page_role(request.user, request.session, instance)
    if role is None and not (request.user.is_staff or request.user.has_perm(VIEW_ANY)):
        raise Http404("No such instance")
    return instance, role


def readable_mounts(user, instance):
    """(experiment, mount point) of the instance's mounts whose data the visitor may read, and
    how many others it mounts: a data path is shown only to those who may read the data."""
    mounted = mounted_experiments(instance)  # what the owner may read: no need to ask again for them
    shown = [(e, mount_point(e)) for e in mounted if user.pk == instance.owner_id or can_read(user, e)]
    return shown, len(mounted) - len(shown)


def detail(request, uuid):
    if not request.user.is_authenticated and not request.session.get(access.GUEST_SESSION_KEY):
        return redirect_to_login(request.get_full_path())
    instance, role = _visible_instance(request, uuid)
    mounts, unreadable = readable_mounts(request.user, instance)
    return render(request, "instances/detail.html", {
        **_live_context(request.user, request.session, instance),
        "mounts": mounts, "unreadable_mounts": unreadable,
        "changes_data": role in (Role.OWNER, Role.USER) and instance.state in DATA_CHANGEABLE,
        "all_actions": ACTIONS,
        "files": may_use_files(request.user, instance),
        "extension_form": ExtensionForm(),
        "inactivity_days": f"{settings.VISA_INACTIVITY_HOURS / 24:g}",
        # the share dialog's choices: view-only first, the safer default
        "link_access": list(reversed(ShareToken.ACCESS)), "max_link_hours": MAX_LINK_HOURS,
    })


def status(request, uuid):
    instance, role = _visible_instance(request, uuid)
    return JsonResponse({"state": instance.state, "reason": instance.state_reason, "role": role})


def thumbnail(request, uuid):
    """The desktop's latest picture, for whoever may see the instance page. Cards ask for it with
    its time in the query, so a browser may keep each picture: a new one has a new URL."""
    instance, role = _visible_instance(request, uuid)
    if not sees_inside(request.user, role):
        raise Http404("No such picture")
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
    experiments = list(Experiment.objects.filter(pk__in=ids(request.POST.getlist("experiment"), "experiment")))
    if not experiments:
        raise Http404("No such experiment")
    try:
        for experiment in experiments:
            services.attach(request.user, instance, experiment)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("instance", uuid=instance.uuid)
    points = ", ".join(mount_point(e) for e in experiments)
    when = "when you start it" if instance.state in (State.STOPPING, State.STOPPED) else "within seconds"
    messages.success(request, f"The data will appear on this desktop under {points} {when}.")
    return redirect("instance", uuid=instance.uuid)


@login_required
@require_POST
def detach(request, uuid):
    instance, _ = _visible_instance(request, uuid)
    experiment = get_object_or_404(Experiment, pk=an_id(request.POST.get("experiment"), "experiment"))
    try:
        services.detach(request.user, instance, experiment)
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{mount_point(experiment)} is unmounted within seconds.")
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
    except (IllegalTransition, expiry.ExtensionRefused) as error:
        messages.error(request, str(error))
    else:
        if extension.decision == extension.Decision.ACCEPTED:
            messages.success(request, f"Granted: {extension.days} more days.")
        else:
            messages.success(request, "Your request was sent to the operators.")
    return redirect("instance", uuid=instance.uuid)
