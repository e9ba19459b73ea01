"""Search over what a user may read, on PostgreSQL's full-text index (tests/openaccess/
test_sqlite_search.py runs the same module on SQLite's FTS5): words, a DOI in any form, a
proposal number, facets, and what anonymous visitors find."""
import datetime
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from openaccess.fulltext import fts5_query
from openaccess.models import Experiment
from openaccess.search import Criteria, chosen, matching, pick, ranked, search
from tests.support.factories import make_experiment, make_user

PAST = timezone.now() - datetime.timedelta(days=30)


@pytest.fixture
def catalogue(db):
    member = make_user()
    mine = make_experiment(title="Closed protein crystallography at SPB", members=[member], facility="XFEL",
                           techniques=["serial crystallography"], keywords=["lysozyme"])
    open_one = make_experiment(title="Open protein dynamics", release_date=PAST, facility="XFEL",
                               instrument="FXE", abstract="Solvated proteins studied by X-ray emission.",
                               start_date=datetime.date(2019, 5, 1))
    other = make_experiment(title="Magnetism in thin films", release_date=PAST, facility="ILL", instrument="D33")
    hidden = make_experiment(title="Someone else's closed protein study")
    return member, mine, open_one, other, hidden


def titles(user, **criteria):
    page, _ = search(user, Criteria(**criteria))
    return [e.title for e in page]


def test_full_text_finds_what_the_user_may_read_and_nothing_closed(catalogue):
    member, *_ = catalogue
    found = titles(member, text="protein")
    assert "Closed protein crystallography at SPB" in found and "Open protein dynamics" in found
    assert "Someone else's closed protein study" not in found
    assert "Closed protein crystallography at SPB" not in titles(make_user(), text="protein")


def test_stemming_keywords_and_abstract_match(catalogue):
    member, *_ = catalogue
    assert titles(member, text="lysozyme") == ["Closed protein crystallography at SPB"]
    assert titles(member, text="emission solvated") == ["Open protein dynamics"]


def test_facets_filter_and_count(catalogue):
    member, *_ = catalogue
    page, facets = search(member, Criteria(text="protein"))
    assert dict(facets["facility"])["XFEL"] == 2
    assert titles(member, facility="ILL") == ["Magnetism in thin films"]
    assert titles(member, technique="serial crystallography") == ["Closed protein crystallography at SPB"]
    assert titles(member, year=2019, text="protein") == ["Open protein dynamics"]
    assert "Closed protein crystallography at SPB" not in titles(member, access="open")
    assert titles(member, access="mine") == ["Closed protein crystallography at SPB"]


@pytest.mark.parametrize("criteria", [
    {}, {"text": "protein"}, {"facility": "XFEL"}, {"instrument": "FXE", "text": "protein"},
    {"technique": "serial crystallography"}, {"year": 2019}, {"facility": "ILL", "year": 2019}, {"access": "mine"},
])
@pytest.mark.parametrize("few", [1000, 0])  # the page from the ids of the matches, or by matching again
def test_facets_and_count_of_the_one_pass_are_those_counted_one_by_one(catalogue, criteria, few, monkeypatch):
    monkeypatch.setattr("openaccess.search.FEW", few)
    member, *_ = catalogue
    page, facets = search(member, Criteria(**criteria))
    found = matching(member, Criteria(**criteria))
    assert page.paginator.count == found.filter(chosen(Criteria(**criteria)) or Q()).count() == len(page)
    kept = ranked(found.filter(chosen(Criteria(**criteria)) or Q()), Criteria(**criteria))
    assert [e.pk for e in page] == list(kept.values_list("pk", flat=True))
    for facet in ("facility", "instrument"):
        expected = Counter(value for value in found.values_list(facet, flat=True) if value)
        assert facets[facet] == sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    assert facets["year"] == sorted(Counter(e.start_date.year for e in found).items(), reverse=True)
    assert all(type(year) is int for year, _ in facets["year"])
    techniques = Counter(name for e in found for name in e.techniques)
    assert sorted(facets["technique"]) == sorted(techniques.items())


def test_query_strings_never_break_the_page(catalogue):
    criteria = Criteria.from_query({"q": "  ' OR 1=1 --  ", "year": "x", "page": "-3", "sort": "evil", "access": "all"})
    assert (criteria.year, criteria.page, criteria.sort, criteria.access) == (None, 1, "relevance", "")
    member, *_ = catalogue
    assert search(member, criteria)[0].paginator.count == 0
    assert titles(member, sort="title")[0] == "Closed protein crystallography at SPB"
    # What fuzzing the API sent: digits int() refuses, years no date has, NUL, which PostgreSQL refuses
    odd = Criteria.from_query({"q": "pro\x00tein", "year": "²", "page": "9" * 5000, "instrument": "\x00"})
    assert (odd.text, odd.year, odd.page, odd.instrument) == ("protein", None, 1, "")
    assert Criteria.from_query({"year": "99999"}).year is None
    assert search(member, odd)[0].paginator.count == len(titles(member, text="protein"))


def test_pages_of_twenty(db):
    user = make_user()
    Experiment.objects.bulk_create([
        Experiment(proposal_id=f"bulk{n}", title=f"Bulk {n}", instrument="X", start_date=datetime.date(2020, 1, 1),
                   end_date=datetime.date(2020, 1, 2), data_path="/p", release_date=PAST)
        for n in range(45)
    ])
    page, _ = search(user, Criteria(access="open", page=3))
    assert page.paginator.count >= 45 and page.number == 3


@pytest.mark.parametrize("form", ["10.5555/Search-DOI-1", "doi:10.5555/search-doi-1", "DOI:10.5555/SEARCH-DOI-1",
                                  "https://doi.org/10.5555/search-doi-1", "http://dx.doi.org/10.5555/Search-DOI-1",
                                  "  https://doi.org/10.5555%2Fsearch-doi-1 "])
def test_a_doi_in_any_form_portals_link_finds_its_experiment_only(catalogue, form):
    member, mine, *_ = catalogue
    named = make_experiment(title="Protein in a DOI", release_date=PAST, dois=["10.5555/search-doi-1"])
    assert titles(member, text=form) == ["Protein in a DOI"]
    assert titles(AnonymousUser(), text=form) == ["Protein in a DOI"]
    assert [e.pk for e in pick(member, form)[0]] == [named.pk]
    assert titles(make_user(), text="10.5555/search-doi-2") == []  # a DOI nobody registered


def test_a_proposal_number_finds_its_experiment_first_and_words_still_match(catalogue):
    member, mine, open_one, *_ = catalogue
    numbered = make_experiment(proposal_id="2024-protein", title="Beamtime", release_date=PAST)
    found = titles(member, text=mine.proposal_id)
    assert found == ["Closed protein crystallography at SPB"]
    assert titles(member, text="2024-protein")[0] == "Beamtime"
    assert titles(make_user(), text=mine.proposal_id) == []  # a closed one stays hidden from strangers
    experiments, count = pick(member, numbered.proposal_id)
    assert experiments[0] == numbered and count == len(experiments)


def test_techniques_are_counted_one_by_one(catalogue):
    member, *_ = catalogue
    make_experiment(title="Zeolite by two techniques", release_date=PAST, members=[member],
                    techniques=["tomography", "serial crystallography"])
    make_experiment(title="Zeolite not a list", members=[member], techniques={"odd": "data"})
    _, facets = search(member, Criteria(access="mine"))
    assert facets["technique"] == [("serial crystallography", 2), ("tomography", 1)]  # commonest first
    _, anonymous = search(AnonymousUser(), Criteria(text="zeolite"))
    assert anonymous["technique"] == [("serial crystallography", 1), ("tomography", 1)]
    assert titles(member, technique="tomography") == ["Zeolite by two techniques"]


def test_anonymous_visitors_find_open_data_only(catalogue):
    found = titles(AnonymousUser(), text="protein")
    assert "Open protein dynamics" in found and not any("closed" in title.lower() for title in found)
    assert titles(AnonymousUser(), access="mine") == []
    assert set(titles(AnonymousUser())) >= {"Open protein dynamics", "Magnetism in thin films"}


@pytest.mark.parametrize("text,query", [
    ('protein "crystal', '"protein" """crystal"'),
    ("lyso* NEAR(a b", '"lyso*" "NEAR(a" "b"'),
    ("a OR b AND NOT c", '"a" "OR" "b" "AND" "NOT" "c"'),
    ("-- ' ^", ""),
])
def test_user_text_becomes_an_fts5_query_of_quoted_words(text, query):
    assert fts5_query(text) == query


def test_results_link_their_first_doi_and_the_api_lists_every_doi(db, client):
    make_experiment(title="Zirconia in two DOIs", release_date=PAST, dois=["10.5555/zr-1", "10.5555/zr-2"])
    make_experiment(title="Zirconia without a DOI", release_date=PAST)
    page, _ = search(AnonymousUser(), Criteria(text="zirconia", sort="title"))
    assert [(e.title, e.doi) for e in page] == [("Zirconia in two DOIs", "10.5555/zr-1"), ("Zirconia without a DOI", None)]
    html = client.get("/search", {"q": "zirconia"}).content.decode()
    assert '<a href="/doi/10.5555/zr-1">Zirconia in two DOIs</a>' in html
    assert "<h2>Zirconia without a DOI</h2>" in html
    found = client.get("/api/experiments/", {"q": "zirconia", "sort": "title"}).json()["results"]
    assert [sorted(e["dois"]) for e in found] == [["10.5555/zr-1", "10.5555/zr-2"], []]
