"""manage.py import_experiments on catalogue records the project writes itself."""
import http.server
import io
import threading
from functools import partial
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from openaccess.models import Dataset, Experiment
from tests.support.factories import make_experiment

CATALOGUE = Path(__file__).parent / "catalogue"


def run_import(source):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_experiments", str(source), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_panosc_import_is_idempotent_and_reports_each_bad_record(db):
    out, err = run_import(CATALOGUE / "panosc.json")
    assert out.strip() == "2 imported, 3 skipped."
    assert "p900102: no start date (startDate)" in err
    assert "p900103: “not-a-doi” is not a DOI" in err
    assert "record 5: not a JSON object" in err

    experiment = Experiment.objects.get(proposal_id="p900100")
    assert (experiment.instrument, experiment.facility, experiment.licence) == ("SCS", "European XFEL", "CC-BY-4.0")
    assert experiment.techniques == ["x-ray absorption spectroscopy", "x-ray magnetic circular dichroism"]
    assert sorted(experiment.datasets.values_list("doi", flat=True)) == [
        "10.5555/panosc-900100", "10.5555/panosc-900100-raw"]
    assert experiment.data_path == "/pnfs/European XFEL/proposals/p900100"

    experiment.title = "changed here"
    experiment.save()
    assert run_import(CATALOGUE / "panosc.json")[0].strip() == "2 imported, 3 skipped."
    assert Experiment.objects.filter(proposal_id__startswith="p9001").count() == 2
    assert Dataset.objects.filter(doi__startswith="10.5555/panosc").count() == 2
    assert Experiment.objects.get(proposal_id="p900100").title == "Ultrafast demagnetisation in FeRh"


def test_a_record_is_written_whole_or_not_at_all(db):
    make_experiment(proposal_id="other", dois=["10.5555/panosc-900100-raw"])
    out, err = run_import(CATALOGUE / "panosc.json")
    assert "p900100: DOI 10.5555/panosc-900100-raw already belongs to proposal other" in err
    assert not Experiment.objects.filter(proposal_id="p900100").exists()
    assert not Dataset.objects.filter(doi="10.5555/panosc-900100").exists()


@pytest.fixture
def catalogue_url():
    """The catalogue folder served over real HTTP on loopback, as a portal's API would be."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=CATALOGUE)
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_datacite_json_from_a_url(db, catalogue_url):
    out, _ = run_import(f"{catalogue_url}/datacite.json")
    assert out.strip() == "1 imported, 0 skipped."
    experiment = Dataset.objects.get(doi="10.5555/datacite-77").experiment
    assert experiment.proposal_id == "2277" and experiment.keywords == ["perovskite", "powder diffraction"]
    assert str(experiment.start_date) == "2019-05-01" and str(experiment.end_date) == "2019-05-04"
    assert timezone.localtime(experiment.release_date).isoformat() == "2022-05-04T00:00:00+02:00"


def test_an_unreadable_source_is_a_clear_error(db):
    with pytest.raises(CommandError, match="Could not read /nowhere.json"):
        run_import("/nowhere.json")
