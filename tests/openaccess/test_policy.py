import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from openaccess import dois
from openaccess.models import Experiment
from openaccess.policy import can_read, is_open
from tests.factories import make_experiment, make_user


@pytest.mark.parametrize("raw", [
    "10.22003/XFEL.EU-DATA-700000-00", "doi:10.22003/xfel.eu-data-700000-00",
    "https://doi.org/10.22003/XFEL.EU-DATA-700000-00", "https:/doi.org/10.22003/XFEL.EU-DATA-700000-00",
    "10.22003%2FXFEL.EU-DATA-700000-00",
])
def test_doi_forms_that_portals_link_all_normalise_alike(raw):
    assert dois.normalise(raw) == "10.22003/xfel.eu-data-700000-00"


@pytest.mark.parametrize("raw", ["", "xfel", "11.1234/x", "10.12/x", "10.22003/"])
def test_malformed_dois_are_refused_with_the_expected_form(raw):
    with pytest.raises(dois.MalformedDOI, match="A DOI looks like 10."):
        dois.normalise(raw)


def test_release_date_opens_data_exactly_then(db):
    now = timezone.now()
    experiment = make_experiment(release_date=now)
    assert not is_open(experiment, at=now - datetime.timedelta(seconds=1))
    assert is_open(experiment, at=now)
    assert is_open(experiment, at=now + datetime.timedelta(seconds=1))


def test_override_beats_the_release_date(db):
    past = timezone.now() - datetime.timedelta(days=1)
    assert not is_open(make_experiment(release_date=past, open_override=Experiment.Override.CLOSED))
    assert is_open(make_experiment(release_date=None, open_override=Experiment.Override.OPEN))


def test_members_read_closed_data_others_and_anonymous_do_not(db):
    member, stranger = make_user(), make_user()
    experiment = make_experiment(release_date=None, members=[member])
    assert can_read(member, experiment)
    assert not can_read(stranger, experiment)
    assert not can_read(AnonymousUser(), make_experiment(open_override=Experiment.Override.OPEN))
