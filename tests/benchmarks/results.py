"""One place where every benchmark writes its figures: `var/bench/<name>.json`, with the command,
the machine and the time, so docs/performance.md can cite the run that gave each figure."""
import datetime
import json
import os
import platform
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2] / "var" / "bench"


def record(name, figures):
    """Print `figures` as JSON and write them to var/bench/<name>.json; return the path."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": name,
        "command": " ".join([Path(sys.executable).name, "-m", f"tests.benchmarks.{name}", *sys.argv[1:]]),
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "system": platform.platform(), "python": platform.python_version(),
                    "load_average": os.getloadavg()},
        "figures": figures,
    }
    path = BENCH_DIR / f"{name}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(figures))
    print(f"written to {path}")
    return path
