"""Small helpers that make the rows tests need."""
import datetime
import itertools

from django.contrib.auth import get_user_model

from instances.models import Flavour, Image, Instance
from openaccess.models import Dataset, Experiment, ExperimentMember

_numbers = itertools.count(1)


def make_user(name=None, password="pw-for-tests"):
    name = name or f"user{next(_numbers)}"
    return get_user_model().objects.create_user(name, f"{name}@visa.test", password)


def make_experiment(release_date=None, members=(), dois=(), **fields):
    """An experiment that ended yesterday: closed under any embargo rule unless told otherwise."""
    number = next(_numbers)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    experiment = Experiment.objects.create(
        proposal_id=fields.pop("proposal_id", f"9{number:05d}"),
        title=fields.pop("title", f"Experiment {number}"),
        instrument=fields.pop("instrument", "SPB/SFX"),
        start_date=fields.pop("start_date", yesterday - datetime.timedelta(days=4)),
        end_date=fields.pop("end_date", yesterday),
        data_path=fields.pop("data_path", f"/pnfs/facility/raw/p{number}"),
        release_date=release_date,
        **fields,
    )
    for user in members:
        ExperimentMember.objects.create(experiment=experiment, user=user)
    for doi in dois:
        Dataset.objects.create(doi=doi, experiment=experiment)
    return experiment


def demo_image_and_flavour():
    return Image.objects.get(name="Ubuntu 24.04 Desktop"), Flavour.objects.get(name="m1.small")


def make_instance(owner, experiments=(), state="ACTIVE"):
    """An instance row only (no server), with the experiments attached, expiring in 14 days."""
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=owner, image=image, flavour=flavour, name="t", state=state,
                                       expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=14))
    instance.experiments.set(experiments)
    return instance


def make_plain_instance(owner, state="ACTIVE", experiments=(), **fields):
    """An instance row with only the fields given (no name, no expiry unless told), as the home page's cards show it."""
    image, flavour = demo_image_and_flavour()
    instance = Instance.objects.create(owner=owner, image=image, flavour=flavour, state=state, **fields)
    instance.experiments.set(experiments)
    return instance


def give_room(user, instances=30):
    """Quotas of the user's own, for both purposes, wide enough for a test that launches many."""
    from quotas.models import Purpose, Quota

    for purpose in Purpose.values:
        Quota.objects.create(user=user, purpose=purpose, max_instances=instances,
                             max_vcpus=8 * instances, max_ram_gb=16 * instances)
    return user
