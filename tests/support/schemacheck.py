"""A pytest plugin: every answer devcloud gives during the session is checked, at its end, against
OpenStack's response schemas (tests/support/cloudschemas.py). Any answer that is wrong, or that no
schema covers, fails the session and is listed in its summary.

devclouds started by the tests record their answers (DEVCLOUD_RECORD, set here for the session's
processes: deploy/devcloud/recording.py) into a folder of the session's own.
"""
import collections
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

FOLDER = pytest.StashKey[str]()
FOUND = pytest.StashKey[tuple]()
TOOK = pytest.StashKey[tuple]()
SHOWN = 30  # distinct problems listed; the rest are counted


def pytest_configure(config):
    folder = tempfile.mkdtemp(prefix="devcloud-answers-")
    os.environ["DEVCLOUD_RECORD"] = folder
    config.stash[FOLDER] = folder


def pytest_sessionfinish(session):
    folder = session.config.stash[FOLDER]
    if not any(Path(folder).iterdir()):
        return  # no devcloud ran: spare the import of tempest and jsonschema (seconds)
    started = time.monotonic()
    from tests.support.cloudschemas import problems, recorded

    answers = found = 0
    counts = collections.Counter()
    checked = {}  # the same answer again (a client polling a server) is not checked again
    for answer in recorded(folder):
        answers += 1
        key = json.dumps(answer, sort_keys=True)
        if key not in checked:
            checked[key] = problems(answer)
        found += bool(checked[key])
        counts.update(checked[key])
    session.config.stash[FOUND] = (answers, found, counts)
    session.config.stash[TOOK] = (len(checked), time.monotonic() - started)
    if found and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config):
    answers, found, counts = config.stash.get(FOUND, (0, 0, {}))
    if not answers:
        return
    distinct, seconds = config.stash[TOOK]
    if not found:
        terminalreporter.write_line(f"devcloud: {answers} answers ({distinct} distinct), all valid against "
                                    f"tempest's schemas (checked in {seconds:.1f} s)")
        return
    terminalreporter.section("devcloud answers that tempest's schemas refuse", red=True)
    for problem, times in counts.most_common(SHOWN):
        terminalreporter.write_line(f"{times} x {problem}")
    if len(counts) > SHOWN:
        terminalreporter.write_line(f"... and {len(counts) - SHOWN} more kinds")
    terminalreporter.write_line(f"{found} of {answers} answers invalid; recorded in {config.stash[FOLDER]}")


def pytest_unconfigure(config):
    answers, found, _ = config.stash.get(FOUND, (0, 0, {}))
    if not found and FOLDER in config.stash:
        shutil.rmtree(config.stash[FOLDER], ignore_errors=True)  # kept when something is to be seen
    os.environ.pop("DEVCLOUD_RECORD", None)
