"""The portal form of the entry point, /instances/new?dois=A,B&proposals=P, as search portals
generate it: which experiments the DOIs and proposals name, and why any of them is left out."""
from .dois import MalformedDOI, UnknownDOI, find_dataset
from .models import Experiment
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
            take(raw, find_dataset(raw).experiment)
        except MalformedDOI:
            left_out.append((raw, "this is not a DOI"))
        except UnknownDOI:
            take(raw, None)
    for proposal in proposals:
        take(proposal, Experiment.objects.filter(proposal_id=proposal).first())
    return experiments, left_out


def names(query_value):
    """The comma-separated names of a query parameter (NUL characters, which no name has and the
    database refuses, taken out)."""
    return [name.strip() for name in (query_value or "").replace("\x00", "").split(",") if name.strip()]
