"""Entity resolution for a caller: run Splink over the records of the cases they can see (training a model per
dataset the first time, or when asked), keep the scored pairs and identities in the case store, put the open pairs
in a review queue, record judgements and show identities with the records they were made of."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from palermo.analytics.clusters import DECISION
from palermo.analytics.resolution import Candidate, Engine, Model, Session, score, table, train_and_score
from palermo.analytics.review import Judgement, Question
from palermo.cases import CaseStore
from palermo.cases.identity import Caller
from palermo.cases.policy import Actor
from palermo.cases.resolutions import Identity, check_dataset, check_kind
from palermo.errors import InvalidInput, PalermoError
from palermo.services.resolution_jobs import SHARE, Job, JobFiles, phase_of

FLOOR = 0.05
"""Pairs scored below this match probability are not kept (too unlikely to be worth a question)."""
Progress = Callable[[str], None]
Launch = Callable[[Callable[[], None]], None]
log = logging.getLogger(__name__)


def in_background(work: Callable[[], None]) -> None:
    """Start a job's work on a thread of the server process (its state lives in a file any worker reads)."""
    threading.Thread(target=work, name="palermo-resolution", daemon=True).start()


@dataclass(frozen=True)
class RunSummary:
    """What a run did: the dataset and kind, how many records and candidate pairs, how many identities of more
    than one record, whether the model was trained now and what its training noted."""

    dataset: str
    kind: str
    records: int
    candidates: int
    linked: int
    identities: int
    trained: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """Entity resolution and its review, over the case store."""

    store: CaseStore
    jobs_root: Path | None = None
    """Where jobs' state is kept (default: ``jobs/resolution`` in the data directory)."""

    @property
    def jobs(self) -> JobFiles:
        """The state files of resolution jobs."""
        return JobFiles(self.jobs_root or self.store.gate.blobs.parent / "jobs" / "resolution")

    def start(self, caller: Caller, refs: Sequence[str], *, dataset: str | None = None, kind: str = "person",
              retrain: bool = False, launch: Launch = in_background) -> Job:
        """Start a resolution as a job (the same run as `run`, in the background) and return it as running;
        Conflict while a run of the same dataset by the agency is still going."""
        chosen = check_kind(kind)
        refs = list(dict.fromkeys(r.strip() for r in refs if r.strip()))
        name = check_dataset(dataset or "+".join(sorted(refs)))
        actor = self.store.resolutions.admit(caller, refs)
        job = self.jobs.claim(actor.agency_id, Job(name, kind=chosen, cases=tuple(refs), started_by=actor.username))
        launch(lambda: self._work(actor, job, retrain))
        return job

    def job(self, caller: Caller, dataset: str) -> Job:
        """The state of the agency's job of a dataset (idle when none was started)."""
        actor = self.store.resolutions.reader(caller)
        return self.jobs.read(actor.agency_id, check_dataset(dataset))

    def _work(self, actor: Actor, job: Job, retrain: bool) -> None:
        files, current = self.jobs, job

        def report(message: str) -> None:
            nonlocal current
            phase = phase_of(message) or current.phase
            current = replace(current, phase=phase, step=message, progress=SHARE.get(phase, current.progress))
            files.write(actor.agency_id, current)

        try:
            summary = self.run(actor, job.cases, dataset=job.dataset, kind=job.kind, retrain=retrain,
                               progress=report)
            current = replace(current, state="done", phase="done", progress=1.0, step="finished",
                              summary=asdict(summary))
        except PalermoError as exc:
            current = replace(current, state="failed", error=str(exc))
        except Exception as exc:  # the job's state must say it stopped, in plain words
            log.error("resolution job of dataset %s stopped: %s", job.dataset, type(exc).__name__)
            current = replace(current, state="failed", error="the run stopped on an unexpected error; the server's "
                              "log names it")
        try:
            files.write(actor.agency_id, current)
        except OSError:
            log.error("resolution job of dataset %s: its state could not be written", job.dataset)
        finally:
            files.release(actor.agency_id, job.dataset)

    def run(self, caller: Caller, refs: Sequence[str], *, dataset: str | None = None, kind: str = "person",
            retrain: bool = False, engine: Engine = "duckdb", spark: Any = None,
            progress: Progress | None = None) -> RunSummary:
        """Resolve the records of one kind in cases ``refs``: train the dataset's model (first run or
        ``retrain``), score the candidate pairs, cluster them with the judgements, keep canonical IDs stable."""
        chosen = check_kind(kind)
        name = check_dataset(dataset or "+".join(sorted(dict.fromkeys(refs))))
        step = progress or (lambda _: None)
        resolutions = self.store.resolutions
        step("reading the records of the cases")
        scope = resolutions.scope(caller, refs, chosen)
        frame = table(chosen, scope.entities)
        saved = None if retrain else resolutions.model(caller, name, chosen)
        session = Session(engine, spark)
        model = Model.from_json(saved, f"model of {name}/{kind}") if saved else None
        candidates: list[Candidate] = []
        if frame.num_rows >= 2:
            if model is None:
                step(f"training on {frame.num_rows} records, then scoring")
                model, candidates = train_and_score(chosen, [frame], threshold=FLOOR, session=session)
            else:
                step("scoring candidate pairs")
                candidates = score(model, [frame], threshold=FLOOR, session=session)
        elif model is None:
            raise InvalidInput(f"cases {', '.join(refs)}: fewer than two {kind} records to resolve (protected "
                               "persons are left out)")
        step("clustering")
        assignment = resolutions.save_run(caller, name, chosen, scope, model.to_json(), candidates,
                                          trained=saved is None)
        sizes: dict[str, int] = {}
        for cid in assignment.ids.values():
            sizes[cid] = sizes.get(cid, 0) + 1
        return RunSummary(name, chosen, len(scope.entities), len(candidates),
                          sum(1 for c in candidates if c.probability >= DECISION),
                          sum(1 for n in sizes.values() if n > 1), saved is None,
                          tuple(model.trained.get("notes", ())))

    def queue(self, caller: Caller, dataset: str, kind: str = "person", limit: int = 50) -> list[Question]:
        """The open pairs, most instructive first."""
        return self.store.resolutions.queue(caller, check_dataset(dataset), check_kind(kind), limit)

    def pair(self, caller: Caller, dataset: str, kind: str, left: str, right: str) -> Candidate:
        """One candidate pair with its explanation."""
        return self.store.resolutions.candidate(caller, check_dataset(dataset), check_kind(kind), left, right)

    def describe(self, caller: Caller, records: Sequence[str]) -> dict[str, dict[str, str]]:
        """Case reference and caption of each record the caller can see."""
        return self.store.resolutions.describe(caller, records)

    def judge(self, caller: Caller, left: str, right: str, verdict: str) -> Judgement:
        """Record a judgement (same, different or unsure) of two records."""
        return self.store.resolutions.judge(caller, left, right, verdict)

    def judgements(self, caller: Caller, records: Sequence[str] = ()) -> list[Judgement]:
        """The agency's judgements, of these records if named."""
        return self.store.resolutions.judgements(caller, records)

    def identities(self, caller: Caller, dataset: str, kind: str = "person") -> list[Identity]:
        """The identities of more than one record."""
        return self.store.resolutions.identities(caller, check_dataset(dataset), check_kind(kind))

    def identity(self, caller: Caller, dataset: str, kind: str, canonical_id: str) -> tuple[Identity, dict[str, Any]]:
        """One identity and its merged FtM entity (``referents``: the records it came from)."""
        return self.store.resolutions.identity(caller, check_dataset(dataset), check_kind(kind), canonical_id)
