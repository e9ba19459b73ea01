"""Search over the experiments a user may read (anonymous visitors: open data): a DOI or a
proposal number finds its experiment, other text by full text (fulltext.py: PostgreSQL's search
vector, SQLite's FTS5); facets (facility, instrument, technique, year), sort, pages.
"""
import dataclasses
import json

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, ExtractYear

from . import dois, fulltext, policy
from .models import Dataset, Experiment, ExperimentMember

PAGE_SIZE = 20
FEW = 1000  # matches a page ranks by their ids (facet_counts): up to a few kB of ids
SORTED = {"relevance": ["-start_date"], "newest": ["-start_date"], "oldest": ["start_date"], "title": ["title"]}
SORTS = tuple(SORTED)


@dataclasses.dataclass
class Criteria:
    text: str = ""
    facility: str = ""
    instrument: str = ""
    technique: str = ""
    year: int | None = None
    access: str = ""  # "", "open" or "mine"
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_query(cls, query):
        """Criteria from a query string; anything malformed is ignored rather than an error."""
        def text(name):
            return words(query.get(name, ""))

        def number(name, most):
            value = query.get(name, "")
            return int(value) if value.isdecimal() and len(value) < 10 and 0 < int(value) <= most else None

        return cls(
            text=text("q"),
            facility=text("facility"),
            instrument=text("instrument"),
            technique=text("technique"),
            year=number("year", 9999),
            access=query.get("access", "") if query.get("access") in ("open", "mine") else "",
            sort=query.get("sort", "relevance") if query.get("sort") in SORTS else "relevance",
            page=number("page", 10**9) or 1,
        )


def words(text):
    """Search text as the database may take it: PostgreSQL refuses NUL characters in a query."""
    return text.replace("\x00", "").strip()[:200]


def text_match(text):
    """(condition, condition for the experiment `text` names, relevance) of experiments matching
    `text`: the one a DOI (in any form portals link with) or a proposal number names, and for text
    that is no DOI, those whose words match. What someone who pastes either means, in search and
    in the launch page's picker alike."""
    try:
        doi = dois.normalise(text)
    except dois.MalformedDOI:
        named = Q(proposal_id=text)  # with the full-text condition, an OR of two indexes
        words_match, relevance = fulltext.match(connection.vendor, text)
        return named | words_match, named, relevance
    named = Q(pk__in=Dataset.objects.filter(doi=doi).values("experiment"))
    return named, named, Value(0.0)


def matching(user, criteria: Criteria):
    """What `user` may read that matches the access and text of `criteria`."""
    experiments = policy.readable(user)
    if criteria.access == "open":
        experiments = experiments.filter(policy.open_filter())
    elif criteria.access == "mine":  # an anonymous visitor's pk is None: a member of nothing
        experiments = experiments.filter(pk__in=ExperimentMember.objects.filter(user_id=user.pk).values("experiment"))
    if criteria.text:
        experiments = experiments.filter(text_match(criteria.text)[0])
    return experiments


def ranked(experiments, criteria: Criteria):
    """`experiments` in the order `criteria` asks for; by relevance, the one the text names first."""
    if criteria.sort == "relevance" and criteria.text:
        _, named, relevance = text_match(criteria.text)
        named = ExpressionWrapper(named, output_field=BooleanField())
        return experiments.annotate(named=named, relevance=relevance).order_by(
            "-named", "-relevance", "-start_date", "pk")
    return experiments.order_by(*SORTED[criteria.sort], "pk")


def chosen(criteria: Criteria):
    """The condition of the facets `criteria` chooses (None: no facet)."""
    condition = Q()
    if criteria.facility:
        condition &= Q(facility=criteria.facility)
    if criteria.instrument:
        condition &= Q(instrument=criteria.instrument)
    if criteria.technique:  # a JSON list of names: match the quoted name, on both databases
        condition &= Q(techniques__icontains=json.dumps(criteria.technique))
    if criteria.year:
        condition &= Q(start_date__year=criteria.year)
    return condition or None


def search(user, criteria: Criteria):
    """(page of experiments, facet counts) for what `user` may read that matches `criteria`. Each
    experiment of the page has the first of its DOIs as `doi` (None if it has none), which the
    search page links to: a column of the page's query (prefetching the datasets took a query
    more and about 1 ms of Python per page of 20)."""
    experiments = matching(user, criteria)
    condition = chosen(criteria)
    facets, count, kept = facet_counts(experiments, condition)
    if kept is not None:  # few: the page ranks them by id, without matching the words again
        experiments = Experiment.objects.filter(pk__in=kept)
    elif condition:
        experiments = experiments.filter(condition)
    doi = Subquery(Dataset.objects.filter(experiment=OuterRef("pk")).order_by("pk").values("doi")[:1])
    # none kept (often: a facet that keeps none of the matches): no page to rank and query
    paginator = Paginator(ranked(experiments, criteria).annotate(doi=doi) if count else [], PAGE_SIZE)
    paginator.count = count  # counted with the facets, in their pass over the matches
    return paginator.get_page(criteria.page), facets


def pick(user, text="", access="", most=8):
    """A launch page's experiment picker: (the first `most` experiments `user` may read that
    match `text` and `access`, the one it names first, newest first without text; how many
    match). Each experiment says whether the user is a member (`mine`)."""
    criteria = Criteria(text=words(text), access=access if access in ("open", "mine") else "")
    found = matching(user, criteria)
    mine = Exists(ExperimentMember.objects.filter(user=user, experiment=OuterRef("pk")))
    return list(ranked(found, criteria).annotate(mine=mine)[:most]), found.count()


def facet_counts(experiments, condition=None, most=12):
    """(The commonest values of each facet among `experiments` (years: the latest), before facet
    filters apply; how many of them meet `condition`; their ids if at most FEW, else None), in
    one pass over them: a large table's matches each sit on a page of their own, which one pass
    reads once, not once per count."""
    kept = ExpressionWrapper(condition, output_field=BooleanField()) if condition else Value(True)
    year = Cast(ExtractYear("start_date"), IntegerField())  # PostgreSQL's EXTRACT gives a numeric, slow to group
    rows = (experiments.order_by().annotate(year=year, kept=kept)
            .values_list("pk", "facility", "instrument", "year", "techniques", "kept"))
    sql, params = rows.query.get_compiler(rows.db, elide_empty=False).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH e (id, facility, instrument, year, techniques, kept) AS ({sql}) "
            "SELECT 'facility', facility, COUNT(*) FROM e WHERE facility <> '' GROUP BY facility "
            "UNION ALL SELECT 'instrument', instrument, COUNT(*) FROM e WHERE instrument <> '' GROUP BY instrument "
            "UNION ALL SELECT 'year', CAST(year AS TEXT), COUNT(*) FROM e GROUP BY year "
            "UNION ALL SELECT 'kept', NULL, COUNT(*) FROM e WHERE kept "
            "UNION ALL SELECT 'id', NULL, id FROM (SELECT id FROM e WHERE kept LIMIT %s) AS ids "
            # each list of techniques once, with how many have it: few lists, many matches
            "UNION ALL SELECT 'technique', value, n FROM (SELECT t.value AS value, SUM(g.n) AS n "
            "FROM (SELECT techniques, COUNT(*) AS n FROM e GROUP BY techniques) AS g "
            f"CROSS JOIN {_ELEMENTS[connection.vendor]} WHERE t.value <> '' "
            "GROUP BY t.value ORDER BY n DESC, t.value LIMIT %s) AS techniques", [*params, FEW + 1, most])
        rows = cursor.fetchall()
    counts = {"facility": [], "instrument": [], "year": [], "technique": [], "kept": [], "id": []}
    for facet, value, n in rows:
        counts[facet].append((int(value) if facet == "year" else value, int(n)))  # a numeric sum on PostgreSQL
    facets = {
        "facility": sorted(counts["facility"], key=lambda item: (-item[1], item[0]))[:most],
        "instrument": sorted(counts["instrument"], key=lambda item: (-item[1], item[0]))[:most],
        "technique": sorted(counts["technique"], key=lambda item: -item[1]),  # ties in the database's order
        "year": sorted(counts["year"], reverse=True)[:most],
    }
    ids = [n for _, n in counts["id"]]
    return facets, counts["kept"][0][1], ids if len(ids) <= FEW else None


# Each element of the JSON list of techniques, as a table; rows whose value is no list count none.
_ELEMENTS = {
    "postgresql": "jsonb_array_elements_text(CASE WHEN jsonb_typeof(g.techniques) = 'array' "
                  "THEN g.techniques ELSE '[]' END) AS t(value)",
    "sqlite": "json_each(CASE WHEN json_type(g.techniques) = 'array' THEN g.techniques ELSE '[]' END) AS t",
}
