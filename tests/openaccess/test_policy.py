import datetime
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from openaccess import dois
from openaccess.models import Experiment, ExperimentMember
from openaccess.policy import can_read, is_open, readable, release_date
from tests.support.factories import make_experiment, make_user

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("raw", [
    "10.22003/XFEL.EU-DATA-700000-00", "doi:10.22003/xfel.eu-data-700000-00",
    "https://doi.org/10.22003/XFEL.EU-DATA-700000-00", "https:/doi.org/10.22003/XFEL.EU-DATA-700000-00",
    "10.22003%2FXFEL.EU-DATA-700000-00", "DOI:10.22003/XFEL.EU-DATA-700000-00",
])
def test_doi_forms_that_portals_link_all_normalise_alike(raw):
    assert dois.normalise(raw) == "10.22003/xfel.eu-data-700000-00"


@pytest.mark.parametrize("raw", ["", "xfel", "11.1234/x", "10.12/x", "10.22003/", "10.22003/x%00y", "10.22003/a\x1fb"])
def test_malformed_dois_are_refused_with_the_expected_form(raw):
    with pytest.raises(dois.MalformedDOI, match="A DOI looks like 10."):
        dois.normalise(raw)


def agree(user, experiment, at):
    """can_read() one by one and readable() over the database give the same answer."""
    one = can_read(user, experiment, at=at)
    assert one == readable(user, at=at).filter(pk=experiment.pk).exists()
    return one


def test_release_date_opens_data_exactly_then(db):
    now = timezone.now()
    reader, experiment = make_user(), make_experiment(release_date=now)
    assert not agree(reader, experiment, now - datetime.timedelta(seconds=1))
    assert agree(reader, experiment, now)
    assert agree(reader, experiment, now + datetime.timedelta(seconds=1))


def test_embargo_rule_opens_at_facility_midnight_years_after_the_end(db, settings):
    settings.VISA_EMBARGO_YEARS, settings.TIME_ZONE = 3, "Europe/Berlin"
    reader = make_user()
    experiment = make_experiment(end_date=datetime.date(2020, 2, 29))
    opens = datetime.datetime(2023, 3, 1, tzinfo=BERLIN)  # no 29 February in 2023
    assert release_date(experiment) == opens
    assert opens.astimezone(datetime.UTC).hour == 23  # stored and compared in UTC
    assert not agree(reader, experiment, opens - datetime.timedelta(seconds=1))
    assert agree(reader, experiment, opens)


def test_embargo_extended_after_release_closes_the_data_again(db):
    now = timezone.now()
    reader, experiment = make_user(), make_experiment(release_date=now - datetime.timedelta(days=1))
    assert agree(reader, experiment, now)
    experiment.release_date = now + datetime.timedelta(days=365)
    experiment.save()
    assert not agree(reader, experiment, now)


def test_override_beats_the_release_date(db):
    past, reader = timezone.now() - datetime.timedelta(days=1), make_user()
    closed = make_experiment(release_date=past, open_override=Experiment.Override.CLOSED)
    forced_open = make_experiment(release_date=None, open_override=Experiment.Override.OPEN)
    assert not agree(reader, closed, timezone.now()) and not is_open(closed)
    assert agree(reader, forced_open, timezone.now())


def test_open_data_switched_off_leaves_only_members(db, settings):
    settings.VISA_OPEN_DATA = False
    member, stranger = make_user(), make_user()
    experiment = make_experiment(open_override=Experiment.Override.OPEN, members=[member])
    assert agree(member, experiment, timezone.now())
    assert not agree(stranger, experiment, timezone.now())


def test_members_read_closed_data_until_removed(db):
    member, stranger = make_user(), make_user()
    experiment = make_experiment(members=[member])
    assert agree(member, experiment, timezone.now())
    assert not agree(stranger, experiment, timezone.now())
    ExperimentMember.objects.filter(user=member).delete()
    assert not agree(member, experiment, timezone.now())


def test_anonymous_visitors_find_open_data_only_and_use_none(db):
    opened = make_experiment(open_override=Experiment.Override.OPEN)
    closed = make_experiment(open_override=Experiment.Override.CLOSED)
    embargoed = make_experiment(release_date=timezone.now() + datetime.timedelta(days=1))
    found = readable(AnonymousUser())
    assert found.filter(pk=opened.pk).exists()
    assert not found.filter(pk__in=[closed.pk, embargoed.pk]).exists()
    assert not can_read(AnonymousUser(), opened)  # using data (launch, paths, mounts) needs signing in


def test_several_dois_lead_to_one_experiment(db):
    experiment = make_experiment(dois=["10.5555/A-1", "10.5555/a-2"])
    assert sorted(experiment.datasets.values_list("doi", flat=True)) == ["10.5555/a-1", "10.5555/a-2"]
