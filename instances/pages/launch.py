"""Launching: the new-desktop wizard (also the portal's entry point, /instances/new?dois=&proposals=)
and the launch forms of other pages (the DOI page). A refusal keeps every choice and says what
stopped the launch beside the field it is about."""
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from instances.lifecycle import placement, services
from instances.lifecycle.quota import launch_choices
from instances.models import Cloud, Flavour, Image
from openaccess import entry, search
from openaccess.models import Experiment
from openaccess.policy import can_read
from quotas.limits import purpose_of
from quotas.refusals import LaunchRefused, QuotaExceeded, ask_for_more
from visa.params import an_id, ids, is_id
from visa.redirects import safe_back

from .forms import LaunchForm


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
    experiments = list(Experiment.objects.filter(pk__in=ids(request.POST.getlist("experiment"), "experiment")))
    image = get_object_or_404(Image, pk=an_id(request.POST.get("image"), "image"), enabled=True)
    flavour = get_object_or_404(Flavour, pk=an_id(request.POST.get("flavour"), "flavour"), enabled=True)
    if running := _to_running(request, experiments):
        return running
    try:
        instance = services.launch(request.user, experiments, image, flavour, key=launch_key(request))
    except QuotaExceeded as error:
        messages.error(request, format_html('{} <a href="{}">Ask for more</a>', error,
                                            ask_for_more(error.details["purpose"])))
        return redirect(safe_back(request, "home"))
    except (LaunchRefused, PermissionDenied) as error:
        messages.error(request, str(error))
        return redirect(safe_back(request, "home"))
    return redirect("instance", uuid=instance.uuid)


# The wizard field a refusal is about (quotas' `resource`); others are shown above the Launch button.
REFUSED_FIELD = {"flavour": "flavour", "vcpus": "flavour", "ram_gb": "flavour", "gpus": "flavour", "image": "image"}


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
                                       form.cleaned_data["flavour"], form.cleaned_data["name"], launch_key(request))
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


@login_required
def new_placement(request):
    """The wizard's placement preview again, for the environment and size now chosen (htmx)."""
    experiments = _readable(request.user, request.GET.getlist("experiment"))
    return render(request, "instances/wizard_placement.html",
                  {"placement": _placement(request.user, experiments, request.GET)})


def _placement(user, experiments, data):
    """Where the operators' rules place a launch with the environment and size in `data` (form
    values: what is not an id of an enabled one counts as none)."""
    def chosen(model, value):
        value = value or ""
        return model.objects.filter(pk=int(value), enabled=True).first() if is_id(value) else None
    return placement.choose(user, experiments, chosen(Image, data.get("image")), chosen(Flavour, data.get("flavour")))


def _readable(user, pks):
    """The experiments with these primary keys that `user` may read, in the order given; what is not
    an id (5,000 digits, "²") names none."""
    ids = list(dict.fromkeys(int(pk) for pk in pks if is_id(pk)))
    found = Experiment.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found and can_read(user, found[pk])]


def _options(request, form, experiments):
    """What the wizard's right-hand side shows for these experiments: the clouds the user may use
    and, on the one chosen, the choices the quota that applies allows, which of them is chosen (the
    user's if still listed, else the first allowed), and whether the user already has a desktop
    with this data."""
    data = form.data if form.is_bound else request.GET
    where = Cloud.objects.filter(pk=an_id(data["cloud"], "cloud")).first() if data.get("cloud") else None
    choices = launch_choices(request.user, purpose_of(request.user, experiments), where)
    listed = {"cloud": [c.pk for c in choices["clouds"]], "image": [i.pk for i, _ in choices["environments"]],
              "flavour": [f.pk for f, _ in choices["sizes"]]}
    proposals = ",".join(experiment.proposal_id for experiment in experiments)
    chosen = {field: data.get(field) if data.get(field) in {str(pk) for pk in listed[field]} else suggested
              for field, suggested in choices["chosen"].items()}
    return {
        **choices, "form": form, "experiments": experiments, "wizard": True, "chosen": chosen,
        "placement": _placement(request.user, experiments, chosen),
        "name": data.get("name", ""), "default_name": experiments[0].title if experiments else "",
        "running": services.running_with(request.user, experiments),
        "back": reverse("new-instance") + (f"?{urlencode({'proposals': proposals})}" if proposals else ""),
    }


def new_launch_key():
    """A launch form's own key: pressing Launch twice (a double click, a resent form) makes one desktop."""
    return uuid.uuid4().hex


def launch_key(request):
    return request.POST.get("launch_key", "")[:100]


def _wizard(request, form, experiments, left_out):
    found, count = search.pick(request.user)
    listed = {experiment.pk for experiment in experiments}
    return render(request, "instances/new.html", {
        **_options(request, form, experiments), "left_out": left_out,
        "attachable": services.attachable(request.user, experiments),
        "found": [(experiment, experiment.pk in listed) for experiment in found], "count": count,
        "open_data": settings.VISA_OPEN_DATA, "launch_key": launch_key(request) or new_launch_key(),
    })
