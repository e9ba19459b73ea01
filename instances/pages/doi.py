"""A data portal's entry point, /doi/<doi>: the dataset behind a DOI, and for those who may read
it, Launch (or "Open it in" a desktop they have). It lives here, not in openaccess, because it
launches: openaccess decides who may read, this page offers what to do with it."""
from django.conf import settings
from django.shortcuts import render

from instances.lifecycle import services
from instances.lifecycle.quota import launch_choices
from openaccess import dois
from openaccess.policy import can_read, is_open, release_date
from quotas.limits import purpose_of

from .launch import new_launch_key


def doi_landing(request, doi):
    try:
        dataset = dois.find_dataset(doi)
    except dois.MalformedDOI as error:
        return render(request, "instances/doi_error.html", {"message": str(error)}, status=400)
    except dois.UnknownDOI as error:
        return render(request, "instances/doi_error.html", {"message": str(error)}, status=404)
    experiment = dataset.experiment
    may_read = can_read(request.user, experiment)
    # A signed-in reader who may not read is told so (403) and when the data opens; the
    # anonymous are asked to sign in first. Neither sees the data paths.
    status = 403 if request.user.is_authenticated and not may_read else 200
    context = {
        "dataset": dataset,
        "experiment": experiment,
        "facility": experiment.facility or settings.VISA_FACILITY,
        "open": is_open(experiment),
        "opens": release_date(experiment),
        "may_read": may_read,
    }
    if may_read:  # the environments and sizes the user's quota allows, and the quota
        context.update(launch_choices(request.user, purpose_of(request.user, [experiment])))
        context["running"] = services.running_with(request.user, [experiment])
        context["attachable"] = services.attachable(request.user, [experiment])
        context["experiment_list"] = [experiment]
        context["launch_key"] = new_launch_key()
    return render(request, "instances/doi.html", context, status=status)
