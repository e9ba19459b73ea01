"""What choosing networks and security groups costs a launch and each render of the wizard.

    .venv/bin/python -m tests.benchmarks.placement [--rules 200] [--calls 200]

On a fresh demo database (SQLite in a temporary VISA_VAR_DIR), times `placement.choose` for a
launch with data with no rules and with --rules rules of every kind of condition, against its
peer in the same render, `quota.launch_choices` (the environments and sizes the quota allows).
Prints p50 and p95 in milliseconds and writes them with tests.benchmarks.results.record.
"""
import argparse
import os
import statistics
import tempfile
import time


def timed(call, calls):
    seconds = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {"p50_ms": round(statistics.median(seconds) * 1000, 2),
            "p95_ms": round(seconds[int(len(seconds) * 0.95) - 1] * 1000, 2)}


def measure(rules, calls):
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from instances.lifecycle import placement, quota
    from instances.models import Flavour, Image, PlacementRule
    from openaccess.models import Experiment
    from quotas.limits import purpose_of
    from tests.support.factories import make_user

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
    user = make_user("bench")
    groups = [Group.objects.create(name=f"group-{n}") for n in range(20)]
    user.groups.add(*groups[:3])
    experiments = list(Experiment.objects.filter(proposal_id="700000"))
    image, flavour = Image.objects.first(), Flavour.objects.first()

    def choose():
        placement.choose(user, experiments, image, flavour)

    def peer():
        quota.launch_choices(user, purpose_of(user, experiments))

    figures = {"no rules": timed(choose, calls)}
    kinds = [{"instrument": "SPB/SFX"}, {"facility": "European XFEL"}, {"data": "open"}, {"role": "staff"}, {}]
    for number in range(rules):
        rule = PlacementRule.objects.create(name=f"rule {number}", priority=number, networks=f"net-{number % 7}",
                                            security_groups=f"group-{number % 5}", **kinds[number % len(kinds)])
        if number % 3 == 0:
            rule.groups.set([groups[number % len(groups)]])
        if number % 4 == 0:
            rule.images.set([image])
    figures[f"{rules} rules"] = timed(choose, calls)
    figures["launch_choices (peer)"] = timed(peer, calls)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        os.environ.pop("DATABASE_URL", None)
        os.environ.update(VISA_VAR_DIR=var, DJANGO_SETTINGS_MODULE="visa.settings")
        figures = measure(args.rules, args.calls)
    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, row in figures.items():
        print(f"{name:28} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f}")
    from tests.benchmarks.results import record

    record("placement", {"rules": args.rules, "calls": args.calls, "results": figures})


if __name__ == "__main__":
    main()
