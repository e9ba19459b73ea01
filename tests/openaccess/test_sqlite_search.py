"""The search module on the embedded default, SQLite, as the demo runs it: `manage.py` with no
DATABASE_URL in a directory of its own, so FTS5, its triggers and bm25 ranking really run (the
other tests run on PostgreSQL)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import copy, datetime, json
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from openaccess.models import Dataset, Experiment
from openaccess.search import Criteria, pick, search

day = datetime.date(2020, 1, 1)
def experiment(proposal, title, abstract="", techniques=(), **fields):
    return Experiment.objects.create(**{"proposal_id": proposal, "title": title, "abstract": abstract,
                                        "instrument": "SPB", "techniques": list(techniques), "start_date": day,
                                        "end_date": day, "data_path": "/p", "open_override": "open", **fields})
experiment("p-1", "Lysozyme crystals", "Proteins crystallising in water", ["crystallography"])
crystal = experiment("p-2", "Protein crystal dynamics", "Crystal crystal crystal", ["crystallography", "tomography"])
experiment("p-3", "Magnetic films", "Spin waves in thin films", ["tomography"], keywords=["magnetism"])
experiment("p-4", "Closed protein study", open_override="closed")
Dataset.objects.create(doi="10.5555/SQLITE-1", experiment=crystal)
anonymous = AnonymousUser()

def titles(text="", **criteria):
    page, facets = search(anonymous, Criteria(text=text, **criteria))
    return [e.title for e in page]

answers = {
    "stemmed": titles("crystallised proteins"),
    "ranked": titles("crystal"),
    "keywords": titles("magnetism"),
    "doi": titles("https://doi.org/10.5555/sqlite-1"),
    "linked": [e.doi for e in search(anonymous, Criteria(text="crystal"))[0]],
    "proposal": titles("p-3"),
    "hostile": {text: titles(text) for text in ['"', "*", "NEAR(", 'crystal" OR "', "a AND", "-- ^ '", "\\x00"]},
    "techniques": search(anonymous, Criteria())[1]["technique"],
    "closed": titles("closed"),
}
crystal.title = "Protein glass dynamics"
crystal.save()
Experiment.objects.filter(proposal_id="p-3").delete()
answers["updated"] = [titles("glass"), titles("magnetism")]
# SQLite remakes a table to alter it, dropping its triggers: migrate puts them back.
field = Experiment._meta.get_field("licence")
wider = copy.copy(field)
wider.max_length = 300
with connection.schema_editor() as editor:
    editor.alter_field(Experiment, field, wider)
call_command("migrate", verbosity=0)
experiment("p-5", "Quartz after the remake")
answers["after_remake"] = titles("quartz")
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("DJANGO_") and key not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(VISA_VAR_DIR=str(tmp_path_factory.mktemp("sqlite")), DJANGO_SETTINGS_MODULE="visa.settings")

    def manage(*args):
        run = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        return run.stdout

    manage("migrate", "--verbosity", "0")
    return json.loads(manage("shell", "--command", SCRIPT).splitlines()[-1])


def test_fts5_stems_ranks_and_searches_keywords(answers):
    assert answers["stemmed"] == ["Lysozyme crystals"]
    assert answers["ranked"] == ["Protein crystal dynamics", "Lysozyme crystals"]  # bm25: more, and in the title
    assert answers["keywords"] == ["Magnetic films"]
    assert answers["closed"] == []  # anonymous visitors find open data only


def test_a_doi_or_a_proposal_number_finds_its_experiment(answers):
    assert answers["doi"] == ["Protein crystal dynamics"]
    assert answers["linked"] == ["10.5555/sqlite-1", None]  # the page links each to its first DOI
    assert answers["proposal"] == ["Magnetic films"]


def test_fts5_syntax_in_user_text_is_taken_as_words(answers):
    assert answers["hostile"] == {'"': [], "*": [], "NEAR(": [], 'crystal" OR "': [],
                                  "a AND": [], "-- ^ '": [], "\x00": []}


def test_techniques_are_counted_per_element(answers):
    assert answers["techniques"] == [["crystallography", 2], ["tomography", 2]]


def test_the_index_follows_changes_and_survives_a_remade_table(answers):
    assert answers["updated"] == [["Protein glass dynamics"], []]
    assert answers["after_remake"] == ["Quartz after the remake"]
