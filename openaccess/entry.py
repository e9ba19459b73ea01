"""The portal form of the entry point, /instances/new?dois=A,B&proposals=P, as search portals
generate it: which experiments the DOIs and proposals name, and why any of them is left out."""
from . import dois as doi_forms
from .models import Dataset, Experiment
from .policy import can_read


def resolve(user, dois, proposals):
    """(experiments the user may read, [(name, why it is left out)]), in the order given."""
    experiments, left_out = [], []

    def take(name, experiment):
        if experiment is None:
            left_out.append((name, "nothing is registered under this name"))
        elif not can_read(user, experiment):
            left_out.append((name, "you may not read this data"))
        elif experiment not in experiments:
            experiments.append(experiment)

    for raw in dois:
        try:
            doi = doi_forms.normalise(raw)
        except doi_forms.MalformedDOI:
            left_out.append((raw, "this is not a DOI"))
            continue
        dataset = Dataset.objects.select_related("experiment").filter(doi=doi).first()
        take(raw, dataset.experiment if dataset else None)
    for proposal in proposals:
        take(proposal, Experiment.objects.filter(proposal_id=proposal).first())
    return experiments, left_out


def names(query_value):
    """The comma-separated names of a query parameter."""
    return [name.strip() for name in (query_value or "").split(",") if name.strip()]
