"""Open-data search over many experiments (100 000 by default), on SQLite (the embedded default: FTS5) and on
PostgreSQL (GIN-indexed search vector): p50/p95 of a two-word query with one facet, as the search
page runs it (matches, facet counts, one page), against the same query by word matching (every
word somewhere in the title, abstract or keywords: SQLite's search before FTS5) on the same database.

    .venv/bin/python -m tests.benchmarks.search [--experiments 100000] [--queries 200] [--peer-queries 50]
        [--databases sqlite,postgresql] [--reuse] [--against CHECKOUT]

Each database is measured in a process of its own (Django takes one default database): SQLite in
a temporary directory, PostgreSQL in the database visa_bench_search_<experiments>, which it
recreates and fills by generate_series (a million experiments in about ten minutes on a loaded
2-core machine: half of it the INSERT, most of the rest the search vectors' UPDATE). With --reuse it
keeps that database between runs: it fills it only if it does not hold the experiments yet, and
migrates it (so a run after a schema change measures the database as an upgrade leaves it). The
peer, far slower, runs the first --peer-queries of the queries. With --against, the search.py of
another checkout (e.g. main's, by `git worktree add`) and this one's take turns on every query after
that, which goes first swapped from one query to the next: on a loaded machine runs minutes apart
differ more than the two codes do (only openaccess/search.py is the other checkout's; the settings
and the rest of visa are this one's). Writes its JSON to var/bench/ (tests.benchmarks.results).
"""
import argparse
import datetime
import importlib.util
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.databases import fresh_database
from tests.benchmarks.results import record

WORDS = ("protein crystal magnet spin laser plasma water catalyst membrane virus enzyme polymer "
         "diffraction scattering spectroscopy imaging ultrafast dynamics pressure temperature phase "
         "transition liquid surface interface nanoparticle battery solar perovskite graphene alloy "
         "superconductor ferroelectric molecule photon electron neutron structure lattice defect").split()
FACILITIES = ["European XFEL", "ILL", "ESRF", "DESY", "PSI"]
INSTRUMENTS = [f"INST-{n:02d}" for n in range(30)]
TECHNIQUES = ["x-ray diffraction", "small-angle scattering", "tomography", "spectroscopy", "crystallography"]


def vocabulary(rng, size=3000):
    """Science words spread through a Zipf-like vocabulary, as in real abstracts: a query's words
    are neither in every record nor in none."""
    syllables = "ka lo mi ne ru ta vo zi pe gra tor lin chem dyn phot mag cryst elec".split()
    words = list({"".join(rng.sample(syllables, 3)) for _ in range(size * 2)})[:size - len(WORDS)]
    for rank, word in zip(range(20, size, size // len(WORDS)), WORDS):
        words.insert(rank, word)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def experiments(count, rng):
    """`count` experiments as Experiment's fields, half of them released."""
    from django.utils import timezone

    released = timezone.now() - datetime.timedelta(days=1)
    words, weights = vocabulary(rng)
    for n in range(count):
        start = datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randrange(5000))
        yield {"proposal_id": f"b{n}", "title": " ".join(rng.choices(words, weights, k=6)).capitalize(),
               "abstract": " ".join(rng.choices(words, weights, k=40)), "facility": rng.choice(FACILITIES),
               "instrument": rng.choice(INSTRUMENTS), "techniques": rng.sample(TECHNIQUES, 2),
               "keywords": rng.choices(words, weights, k=3), "start_date": start,
               "end_date": start + datetime.timedelta(days=5), "data_path": f"/pnfs/bench/p{n}",
               "release_date": released if rng.random() < 0.5 else None}


# PostgreSQL makes the same kind of experiments itself (generating a million rows in Python takes
# longer than everything else): words drawn from the vocabulary with P(rank k) ~ 1/k, as choices()
# with vocabulary()'s weights does; a lateral subquery that names the row is drawn anew for each row.
WORDS_SQL = "string_agg((%(words)s::text[])[floor(power(%(size)s + 1, random()))::int], ' ')"
INSERT_SQL = f"""
INSERT INTO openaccess_experiment (proposal_id, title, abstract, facility, instrument, techniques, keywords,
    start_date, end_date, data_path, release_date, open_override, licence, override_reason)
SELECT 'b' || n, upper(left(t.words, 1)) || substr(t.words, 2), a.words,
    (%(facilities)s::text[])[1 + floor(random() * %(facility_count)s)::int],
    (%(instruments)s::text[])[1 + floor(random() * %(instrument_count)s)::int],
    jsonb_build_array((%(techniques)s::text[])[1 + r.i], (%(techniques)s::text[])[1 + (r.i + 1 + r.j) %% %(technique_count)s]),
    k.words, r.start, r.start + 5, '/pnfs/bench/p' || n,
    CASE WHEN r.released THEN now() - interval '1 day' END, '', '', ''
FROM generate_series(0, %(count)s - 1) AS n,
    LATERAL (SELECT {WORDS_SQL} AS words FROM generate_series(1, 6) WHERE n >= 0) AS t,
    LATERAL (SELECT {WORDS_SQL} AS words FROM generate_series(1, 40) WHERE n >= 0) AS a,
    LATERAL (SELECT to_jsonb(array_agg((%(words)s::text[])[floor(power(%(size)s + 1, random()))::int])) AS words
             FROM generate_series(1, 3) WHERE n >= 0) AS k,
    LATERAL (SELECT floor(random() * %(technique_count)s)::int AS i,
                    floor(random() * (%(technique_count)s - 1))::int AS j,
                    date '2010-01-01' + floor(random() * 5000)::int AS start, random() < 0.5 AS released
             WHERE n >= 0) AS r
"""


def generate_experiments(count, rng):
    """PostgreSQL: INSERT ... SELECT from generate_series, then the search vectors in one UPDATE
    with the GIN index dropped and made again after (a million index updates one by one take far
    longer)."""
    from django.db import connection

    from openaccess.models import Experiment, refresh_search_vectors

    words, _ = vocabulary(rng)
    index = "openaccess_experiment_search_vector_gin"
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [rng.random()])
        cursor.execute(INSERT_SQL, {
            "count": count, "words": words, "size": len(words), "facilities": FACILITIES,
            "facility_count": len(FACILITIES), "instruments": INSTRUMENTS, "instrument_count": len(INSTRUMENTS),
            "techniques": TECHNIQUES, "technique_count": len(TECHNIQUES)})
        cursor.execute(f"DROP INDEX {index}")
        refresh_search_vectors(Experiment.objects.all())
        cursor.execute("SET maintenance_work_mem = '1GB'")  # the default 64 MB makes GIN build in many merges
        cursor.execute(f"CREATE INDEX {index} ON openaccess_experiment USING gin (search_vector)")
        cursor.execute("VACUUM ANALYZE openaccess_experiment")


def create_experiments(count, rng):
    """SQLite: bulk_create in batches (its FTS5 triggers index each row)."""
    from openaccess.models import Experiment

    rows = experiments(count, rng)
    while batch := [Experiment(**row) for row in itertools.islice(rows, 5000)]:
        Experiment.objects.bulk_create(batch)


def seed(count, rng, reuse=False):
    """The benchmark's user, a member of 100 closed experiments among `count`; with `reuse`, the
    ones an earlier run made, if the database holds them."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from openaccess.models import Experiment, ExperimentMember

    if reuse:
        user = get_user_model().objects.filter(username="bench").first()
        if user and Experiment.objects.count() == count:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # after what migrations did
            return user
        call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        generate_experiments(count, rng)
    else:
        create_experiments(count, rng)
    user = get_user_model().objects.create_user("bench")
    mine = Experiment.objects.filter(release_date=None).order_by("?")[:100]
    ExperimentMember.objects.bulk_create([ExperimentMember(user=user, experiment=e) for e in mine])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user


def timed(function, runs):
    return taking_turns({"": function}, runs)[""]


def taking_turns(functions, runs):
    """{name: figures} of functions that take turns on each run, which goes first swapped from one
    run to the next (the second finds in memory what the first read)."""
    times = {name: [] for name in functions}
    for n, args in enumerate(runs):
        for name in (list(functions) if n % 2 == 0 else list(functions)[::-1]):
            started = time.perf_counter()
            functions[name](*args)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: {"p50_ms": statistics.median(t), "p95_ms": statistics.quantiles(t, n=20)[18]}
            for name, t in times.items()}


def search_module(checkout):
    """openaccess.search as the checkout at `checkout` has it, on this one's other modules."""
    spec = importlib.util.spec_from_file_location("openaccess.search_against",
                                                  Path(checkout) / "openaccess" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def word_match(experiments, text):
    """The peer: every word somewhere in the title, abstract or keywords."""
    from django.db.models import Q

    for word in text.split():
        experiments = experiments.filter(
            Q(title__icontains=word) | Q(abstract__icontains=word) | Q(keywords__icontains=word))
    return experiments


def measure(args):
    """In this process, on the database the environment names: {name: figures}."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from openaccess import policy, search

    rng = random.Random(7)
    queries = [(" ".join(rng.sample(WORDS, 2)), rng.choice(INSTRUMENTS)) for _ in range(args.queries)]
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    user = seed(args.experiments, rng, reuse=args.reuse)
    seeding = time.perf_counter() - started

    def searching(module):
        def visa(text, instrument):
            page, facets = module.search(user, module.Criteria(text=text, instrument=instrument))
            list(page)
        return visa

    visa = searching(search)

    def peer(text, instrument):
        experiments = word_match(policy.readable(user), text)
        search.facet_counts(experiments)  # timed with the search, as the page computes them
        page = experiments.filter(instrument=instrument).order_by("-start_date", "pk")
        page.count(), list(page[:20])

    engine = "FTS5" if connection.vendor == "sqlite" else "GIN"
    results = {f"{connection.vendor} full text ({engine})": timed(visa, queries),
               f"{connection.vendor} word match (peer)": timed(peer, queries[:args.peer_queries])}
    if args.against:
        turns = taking_turns({"this": visa, "against": searching(search_module(args.against))}, queries)
        results[f"{connection.vendor} in turns: this"] = turns["this"]
        results[f"{connection.vendor} in turns: {Path(args.against).name}"] = turns["against"]
    return {"seconds_to_seed": round(seeding, 1), "results": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--peer-queries", type=int, default=50, help="the first of the queries, by word matching")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which to measure, each in a process")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], help="measure one, in this process")
    parser.add_argument("--against", help="a checkout whose openaccess/search.py takes turns with this one's")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: keep visa_bench_search_<experiments> and fill it only if it is not yet")
    args = parser.parse_args()
    if args.database:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")
        if args.database == "postgresql":
            os.environ["DATABASE_URL"] = fresh_database(f"search_{args.experiments}", reuse=args.reuse)
            os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())
        print(json.dumps(measure(args)))
        return
    results = {}
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory() as var:
            environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
            run = subprocess.run([sys.executable, "-m", "tests.benchmarks.search", "--database", database,
                                  "--experiments", str(args.experiments), "--queries", str(args.queries),
                                  "--peer-queries", str(args.peer_queries), *["--reuse"] * args.reuse,
                                  *(["--against", args.against] if args.against else [])],
                                 env={**environment, "VISA_VAR_DIR": var}, capture_output=True, text=True, check=True)
        results[database] = json.loads(run.stdout.splitlines()[-1])
    print(f"{args.experiments} experiments; {args.queries} two-word queries with one facet; seconds to seed: "
          + ", ".join(f"{name} {database['seconds_to_seed']}" for name, database in results.items()))
    print(f"{'':32} {'p50 ms':>8} {'p95 ms':>8}")
    for database in results.values():
        for name, figures in database["results"].items():
            print(f"{name:32} {figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f}")
    record("search", {"experiments": args.experiments, "queries": args.queries, "against": args.against,
                      "results": results})


if __name__ == "__main__":
    main()
