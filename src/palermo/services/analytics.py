"""Entity resolution for a caller: run Splink over the records of the cases they can see (training a model per
dataset the first time, or when asked), keep the scored pairs and identities in the case store, put the open pairs
in a review queue, record judgements and show identities with the records they were made of."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from palermo.analytics.clusters import DECISION
from palermo.analytics.resolution import Candidate, Engine, Model, Session, score, table, train_and_score
from palermo.analytics.review import Judgement, Question
from palermo.cases import CaseStore
from palermo.cases.identity import Caller
from palermo.cases.resolutions import Identity, check_dataset, check_kind
from palermo.errors import InvalidInput

FLOOR = 0.05
"""Pairs scored below this match probability are not kept (too unlikely to be worth a question)."""
Progress = Callable[[str], None]


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

    def run(self, caller: Caller, refs: Sequence[str], *, dataset: str | None = None, kind: str = "person",
            retrain: bool = False, engine: Engine = "duckdb", spark: Any = None,
            progress: Progress | None = None) -> RunSummary:
        """Resolve the records of one kind in cases ``refs``: train the dataset's model (first run or
        ``retrain``), score the candidate pairs, cluster them with the judgements, keep canonical IDs stable."""
        chosen = check_kind(kind)
        name = check_dataset(dataset or "+".join(sorted(dict.fromkeys(refs))))
        step = progress or (lambda _: None)
        resolutions = self.store.resolutions
        step("reading the cases")
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
