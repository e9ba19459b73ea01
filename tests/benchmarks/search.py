"""Open-data search on PostgreSQL with 100 000 experiments: p50/p95 of a two-word query with one
facet, as the search page runs it (matches, facet counts, one page), against the same query by
word matching (the SQLite fallback) on the same database.

    .venv/bin/python -m tests.benchmarks.search [--experiments 100000] [--queries 200]

Uses (and recreates) the database visa_bench_search on the local PostgreSQL.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import time

import psycopg

DATABASE = "visa_bench_search"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visa.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())  # with DATABASE_URL, required

WORDS = ("protein crystal magnet spin laser plasma water catalyst membrane virus enzyme polymer "
         "diffraction scattering spectroscopy imaging ultrafast dynamics pressure temperature phase "
         "transition liquid surface interface nanoparticle battery solar perovskite graphene alloy "
         "superconductor ferroelectric molecule photon electron neutron structure lattice defect").split()
FACILITIES = ["European XFEL", "ILL", "ESRF", "DESY", "PSI"]
INSTRUMENTS = [f"INST-{n:02d}" for n in range(30)]
TECHNIQUES = ["x-ray diffraction", "small-angle scattering", "tomography", "spectroscopy", "crystallography"]


def recreate_database():
    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")


def vocabulary(rng, size=3000):
    """Science words spread through a Zipf-like vocabulary, as in real abstracts: a query's words
    are neither in every record nor in none."""
    syllables = "ka lo mi ne ru ta vo zi pe gra tor lin chem dyn phot mag cryst elec".split()
    words = list({"".join(rng.sample(syllables, 3)) for _ in range(size * 2)})[:size - len(WORDS)]
    for rank, word in zip(range(20, size, size // len(WORDS)), WORDS):
        words.insert(rank, word)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def seed(count, rng):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from openaccess.models import Experiment, ExperimentMember, refresh_search_vectors

    released = timezone.now() - datetime.timedelta(days=1)
    words, weights = vocabulary(rng)
    batch = []
    for n in range(count):
        start = datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randrange(5000))
        batch.append(Experiment(
            proposal_id=f"b{n}", title=" ".join(rng.choices(words, weights, k=6)).capitalize(),
            abstract=" ".join(rng.choices(words, weights, k=40)), facility=rng.choice(FACILITIES),
            instrument=rng.choice(INSTRUMENTS), techniques=rng.sample(TECHNIQUES, 2),
            keywords=rng.choices(words, weights, k=3), start_date=start, end_date=start + datetime.timedelta(days=5),
            data_path=f"/pnfs/bench/p{n}", release_date=released if rng.random() < 0.5 else None,
        ))
    Experiment.objects.bulk_create(batch, batch_size=5000)
    refresh_search_vectors(Experiment.objects.all())
    user = get_user_model().objects.create_user("bench")
    mine = Experiment.objects.filter(release_date=None).order_by("?")[:100]
    ExperimentMember.objects.bulk_create([ExperimentMember(user=user, experiment=e) for e in mine])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user


def timed(function, runs):
    times = []
    for args in runs:
        started = time.perf_counter()
        function(*args)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(times), "p95_ms": statistics.quantiles(times, n=20)[18]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(7)
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    from openaccess import policy
    from openaccess.search import Criteria, facet_counts, search, word_match

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    user = seed(args.experiments, rng)
    seeding = time.perf_counter() - started
    queries = [(" ".join(rng.sample(WORDS, 2)), rng.choice(INSTRUMENTS)) for _ in range(args.queries)]

    def visa(text, instrument):
        page, facets = search(user, Criteria(text=text, instrument=instrument))
        list(page)

    def fallback(text, instrument):
        experiments = word_match(policy.readable(user), text)
        facet_counts(experiments)  # timed with the search, as the page computes them
        page = experiments.filter(instrument=instrument).order_by("-start_date", "pk")
        page.count(), list(page[:20])

    results = {"visa full text (GIN)": timed(visa, queries), "word match (SQLite fallback)": timed(fallback, queries)}
    print(f"{args.experiments} experiments seeded in {seeding:.1f} s; {args.queries} two-word queries with one facet")
    print(f"{'':32} {'p50 ms':>8} {'p95 ms':>8}")
    for name, figures in results.items():
        print(f"{name:32} {figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f}")
    print(json.dumps({"experiments": args.experiments, "queries": args.queries, "results": results}))


if __name__ == "__main__":
    main()
