from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from instances.services import attachable, running_with
from quotas.services import launch_choices, purpose_of

from . import dois, search
from .models import Dataset
from .policy import can_read, is_open, release_date


def doi_landing(request, doi):
    """A data portal's entry point: the dataset behind a DOI, and Launch for those who may read it."""
    try:
        doi = dois.normalise(doi)
    except dois.MalformedDOI as error:
        return render(request, "openaccess/doi_error.html", {"message": str(error)}, status=400)
    dataset = Dataset.objects.select_related("experiment").filter(doi=doi).first()
    if dataset is None:
        return render(
            request, "openaccess/doi_error.html",
            {"message": f"No dataset with the DOI {doi} is registered here."}, status=404,
        )
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
        context["running"] = running_with(request.user, [experiment])
        context["attachable"] = attachable(request.user, [experiment])
        context["experiment_list"] = [experiment]
    return render(request, "openaccess/doi.html", context, status=status)


@login_required
def search_page(request):
    """Search what the signed-in user may read: their own experiments and open data."""
    criteria = search.Criteria.from_query(request.GET)
    page, facets = search.search(request.user, criteria)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "openaccess/search.html", {
        "criteria": criteria, "page": page, "facets": facets, "query": query.urlencode(),
    })
