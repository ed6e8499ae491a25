"""A resolution run as a job: its state (phase, progress, outcome) kept in a small JSON file under the data
directory, so that every worker process of `palermo serve --workers N` reads the same state, and a lock file that
lets one run per agency and dataset go at a time. A lock left by a process that is gone does not block: the job
shows as interrupted and may be started again."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from palermo.errors import Conflict

PHASES = ("reading", "training", "scoring", "clustering")
"""The phases a run reports, in order; each progress message of `Resolution.run` starts with its phase's name."""
SHARE = {"queued": 0.0, "reading": 0.05, "training": 0.2, "scoring": 0.55, "clustering": 0.85}
"""How far along a run is when each phase begins (training and scoring take most of the time)."""
SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")


@dataclass(frozen=True)
class Job:
    """One resolution job of an agency's dataset: idle (none started yet), running, done, failed or
    interrupted; its phase, how far it is (0 to 1), the cases, who started it and when, and the outcome."""

    dataset: str
    state: str = "idle"
    kind: str = "person"
    phase: str = ""
    progress: float = 0.0
    step: str = ""
    cases: tuple[str, ...] = ()
    started_by: str = ""
    started_at: str = ""
    updated_at: str = ""
    summary: dict[str, Any] | None = None
    error: str = ""

    @property
    def running(self) -> bool:
        """Whether the job is still going."""
        return self.state == "running"


def phase_of(message: str) -> str:
    """The phase a progress message belongs to ('' when none)."""
    first = message.split(maxsplit=1)[0] if message.strip() else ""
    return first if first in PHASES else ""


class JobFiles:
    """Resolution jobs as files: ``<root>/<agency>/<dataset>.json`` and its ``.lock`` while one runs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, agency: str, dataset: str) -> Job:
        """The job of an agency's dataset; a running job whose process is gone reads as interrupted."""
        path = self._path(agency, dataset)
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return Job(dataset)
        job = Job(**{**data, "cases": tuple(data.get("cases", ()))})
        if job.running and not self._held(path.with_suffix(".lock")):
            return replace(job, state="interrupted",
                           error="the server stopped before the run finished; start it again")
        return job

    def claim(self, agency: str, job: Job) -> Job:
        """Take the dataset's lock and write the job as running, or Conflict when one is already running."""
        lock = self._path(agency, job.dataset).with_suffix(".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        mine = lock.parent / f"{lock.name}.{os.getpid()}.{threading.get_ident()}"
        mine.write_text(str(os.getpid()))  # linked into place whole: a lock is never seen without its process ID
        try:
            for _ in range(2):
                try:
                    os.link(mine, lock)
                except FileExistsError:
                    if self._held(lock):
                        raise _busy(job.dataset) from None
                    lock.unlink(missing_ok=True)
                    continue
                break
            else:
                raise _busy(job.dataset)
        finally:
            mine.unlink(missing_ok=True)
        started = replace(job, state="running", phase="", progress=SHARE["queued"], step="waiting to start",
                          started_at=_now(), updated_at=_now())
        self.write(agency, started)
        return started

    def write(self, agency: str, job: Job) -> None:
        """Replace the job's state at once (readers never see half a file)."""
        path = self._path(agency, job.dataset)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.parent / f"{path.name}.{os.getpid()}.tmp"
        partial.write_bytes(orjson.dumps(asdict(replace(job, updated_at=_now()))))
        os.replace(partial, path)

    def release(self, agency: str, dataset: str) -> None:
        """Let the next run of the dataset start."""
        self._path(agency, dataset).with_suffix(".lock").unlink(missing_ok=True)

    def _path(self, agency: str, dataset: str) -> Path:
        folder = agency if SAFE.fullmatch(agency) else hashlib.sha256(agency.encode()).hexdigest()[:32]
        return self.root / folder / f"{dataset}.json"

    @staticmethod
    def _held(lock: Path) -> bool:
        """Whether the lock's process is alive (a lock of a process that is gone is stale)."""
        try:
            pid = int(lock.read_text() or "0")
        except (OSError, ValueError):
            return False
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _busy(dataset: str) -> Conflict:
    return Conflict(f"a resolution of dataset {dataset!r} is already running; wait for it to finish")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
