from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from openaccess.models import Experiment
from quotas.services import LaunchRefused

from . import cloudinit, services
from .models import Flavour, Image, Instance
from .states import IllegalTransition, State


@login_required
def home(request):
    instances = Instance.objects.filter(owner=request.user).exclude(state=State.DELETED)
    return render(request, "instances/home.html", {"instances": instances})


@login_required
@require_POST
def launch(request):
    experiments = list(Experiment.objects.filter(pk__in=request.POST.getlist("experiment")))
    image = get_object_or_404(Image, pk=request.POST.get("image"), enabled=True)
    flavour = get_object_or_404(Flavour, pk=request.POST.get("flavour"), enabled=True)
    try:
        instance = services.launch(request.user, experiments, image, flavour)
    except (LaunchRefused, PermissionDenied) as error:
        messages.error(request, str(error))
        return redirect(request.POST.get("back") or "home")
    return redirect("instance", uuid=instance.uuid)


def _own_instance(request, uuid):
    return get_object_or_404(Instance.objects.select_related("image", "flavour"), uuid=uuid, owner=request.user)


@login_required
def detail(request, uuid):
    instance = _own_instance(request, uuid)
    return render(request, "instances/detail.html", {
        "instance": instance,
        "mounts": cloudinit.data_mounts(instance),
        "events": instance.events.all(),
    })


@login_required
def status(request, uuid):
    instance = _own_instance(request, uuid)
    return JsonResponse({"state": instance.state, "reason": instance.state_reason})


@login_required
@require_POST
def delete(request, uuid):
    instance = _own_instance(request, uuid)
    try:
        services.delete(instance, request.user.username)
    except IllegalTransition as error:
        messages.error(request, str(error))
        return redirect("instance", uuid=instance.uuid)
    messages.success(request, f"“{instance.name}” is being deleted.")
    return redirect("home")

