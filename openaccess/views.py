from django.shortcuts import render

from quotas.services import launch_choices, purpose_of

from . import dois
from .models import Dataset
from .policy import can_read, is_open


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
    context = {"dataset": dataset, "experiment": experiment, "open": is_open(experiment), "may_read": may_read}
    if may_read:
        context.update(launch_choices(request.user, purpose_of(request.user, [experiment])))
    return render(request, "openaccess/doi.html", context)
