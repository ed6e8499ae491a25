"""A resolution run as a job: its state goes through the phases to done with the run's summary (and the run is
audited as a run is), a second start of the same dataset while one runs is refused, a failure is told in plain words
(no traceback, nothing of the records), a job whose process is gone reads as interrupted, and another agency reads
nothing of it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from palermo.cases import CaseStore, open_case_store
from palermo.cases.policy import Actor
from palermo.errors import Conflict, NotFound
from palermo.services.analytics import Resolution
from palermo.services.resolution_jobs import Job, JobFiles

from ..cases.conftest import FAST_HASHER
from .resolution_world import create_cases


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CaseStore]:
    cs = open_case_store(tmp_path, hasher=FAST_HASHER)
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    cs.accounts.add_agency("ro-police", "Police RO", "RO", "police")
    cs.accounts.add_user("inv", "gb-police", ["investigator"])
    cs.accounts.add_user("ro", "ro-police", ["investigator"])
    cs.accounts.add_user("auditor", "gb-police", ["auditor"])
    inv = cs.accounts.actor("inv")
    create_cases(cs, inv)
    yield cs
    cs.store.dispose()


class Held:
    """A launcher that keeps the job's work until the test lets it go (the job stays running meanwhile)."""

    def __init__(self) -> None:
        self.work: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None]) -> None:
        self.work.append(work)

    def finish(self) -> None:
        while self.work:
            self.work.pop(0)()


def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Job]:
    """Every state a job file is given, in order."""
    seen: list[Job] = []
    write = JobFiles.write

    def spy(self: JobFiles, agency: str, job: Job) -> None:
        seen.append(job)
        write(self, agency, job)

    monkeypatch.setattr(JobFiles, "write", spy)
    return seen


def test_the_job_goes_through_the_phases_to_done(store: CaseStore, monkeypatch: pytest.MonkeyPatch) -> None:
    inv = store.accounts.actor("inv")
    resolution, held, seen = Resolution(store), Held(), recorded(monkeypatch)
    started = resolution.start(inv, ["GB-1", "GB-2"], launch=held)
    assert started.state == "running" and started.dataset == "GB-1+GB-2" and started.progress == 0.0
    assert resolution.job(inv, "GB-1+GB-2").state == "running"
    held.finish()
    phases = [j.phase for j in seen if j.phase]
    assert list(dict.fromkeys(phases)) == ["reading", "training", "clustering", "done"]
    progress = [j.progress for j in seen]
    assert progress == sorted(progress) and progress[-1] == 1.0
    done = resolution.job(inv, "GB-1+GB-2")
    assert done.state == "done" and done.summary is not None and done.summary["records"] == 5
    assert done.cases == ("GB-1", "GB-2") and done.started_by == "inv" and not done.error
    assert resolution.queue(inv, "GB-1+GB-2"), "the run left pairs to review"
    runs = store.audit.read(store.accounts.actor("auditor"), action="resolution_run")
    assert [r["username"] for r in runs] == ["inv"]
    # the next run reuses the trained model: reading, scoring, clustering
    seen.clear()
    resolution.start(inv, ["GB-1", "GB-2"], launch=held)
    held.finish()
    assert list(dict.fromkeys(j.phase for j in seen if j.phase)) == ["reading", "scoring", "clustering", "done"]


def test_a_second_start_while_running_is_refused(store: CaseStore) -> None:
    inv = store.accounts.actor("inv")
    resolution, held = Resolution(store), Held()
    resolution.start(inv, ["GB-1", "GB-2"], dataset="both", launch=held)
    with pytest.raises(Conflict, match="already running"):
        resolution.start(inv, ["GB-2"], dataset="both", launch=held)
    other = resolution.start(inv, ["GB-2"], dataset="other", launch=held)  # another dataset may run meanwhile
    assert other.state == "running"
    held.finish()
    assert resolution.job(inv, "both").state == "done"
    again = resolution.start(inv, ["GB-1", "GB-2"], dataset="both", launch=held)  # free again once finished
    assert again.state == "running"
    held.finish()


def test_another_agency_reads_nothing_and_may_not_start_on_cases_it_cannot_see(store: CaseStore) -> None:
    inv, ro = store.accounts.actor("inv"), store.accounts.actor("ro")
    resolution, held = Resolution(store), Held()
    resolution.start(inv, ["GB-1", "GB-2"], dataset="mine", launch=held)
    assert resolution.job(ro, "mine").state == "idle"
    with pytest.raises(NotFound):
        resolution.start(ro, ["GB-1"], dataset="mine", launch=held)
    held.finish()


def test_failures_in_plain_words(store: CaseStore, monkeypatch: pytest.MonkeyPatch) -> None:
    inv = store.accounts.actor("inv")
    resolution, held = Resolution(store), Held()
    resolution.start(inv, ["GB-1"], kind="organization", dataset="empty", launch=held)
    held.finish()
    empty = resolution.job(inv, "empty")
    assert empty.state == "failed" and "fewer than two organization records" in empty.error

    def broken(self: Resolution, caller: Actor, *args: object, **kwargs: object) -> None:
        raise RuntimeError("Ana Ionescu 1990-02-03 Traceback")

    monkeypatch.setattr(Resolution, "run", broken)
    resolution.start(inv, ["GB-1", "GB-2"], dataset="broken", launch=held)
    held.finish()
    failed = resolution.job(inv, "broken")
    assert failed.state == "failed" and "unexpected error" in failed.error
    assert "Ionescu" not in failed.error and "Traceback" not in failed.error
    assert resolution.start(inv, ["GB-1", "GB-2"], dataset="broken", launch=held).state == "running"


def test_a_job_whose_process_is_gone_reads_as_interrupted(store: CaseStore, tmp_path: Path) -> None:
    inv = store.accounts.actor("inv")
    files = JobFiles(tmp_path / "jobs")
    files.claim("gb-police", Job("gone", cases=("GB-1",)))
    lock = tmp_path / "jobs" / "gb-police" / "gone.lock"
    lock.write_text(str(_dead_pid()))
    resolution, held = Resolution(store, jobs_root=tmp_path / "jobs"), Held()
    seen = resolution.job(inv, "gone")
    assert seen.state == "interrupted" and "start it again" in seen.error
    assert resolution.start(inv, ["GB-1", "GB-2"], dataset="gone", launch=held).state == "running"
    held.finish()
    assert replace(resolution.job(inv, "gone"), updated_at="").state == "done"


def _dead_pid() -> int:
    """A process ID no process has now."""
    pid = os.getpid() + 10_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_eight_starts_at_the_same_moment_one_wins(tmp_path: Path) -> None:
    files, outcomes = JobFiles(tmp_path / "jobs"), list[str]()
    ready = threading.Barrier(8)

    def claim() -> None:
        ready.wait()
        try:
            outcomes.append(files.claim("gb-police", Job("race")).state)
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["running"]
    assert sorted(p.name for p in (tmp_path / "jobs" / "gb-police").iterdir()) == ["race.json", "race.lock"]
