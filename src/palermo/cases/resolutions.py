"""Entity resolution in the case store: the records of the cases a user can see (a protected person's sealed
identity is never read: such a person is resolved on nothing), an agency's models per dataset, the scored pairs of
the last run, analysts' judgements with who and when, and the canonical ID of each record, kept stable across runs.

A record is ``CASE_ID:ENTITY_ID``. Reading candidates and identities needs only to read the cases; recording a
judgement needs ``entity_write`` in the cases of both records. Rows belong to the agency (row-level security on
PostgreSQL); a user sees only the pairs and identities of records in cases they can see now."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Row, delete, insert, or_, select

from palermo.analytics.clusters import Assignment, canonical_ids, cluster, merged
from palermo.analytics.resolution import Candidate, Entity, Reason
from palermo.analytics.resolution_features import KINDS, Kind
from palermo.analytics.review import Judgement, Ledger, Question, Verdict, queue
from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.gate import CaseGate
from palermo.cases.identity import Caller
from palermo.cases.policy import Access, Action, Actor, decide
from palermo.cases.records import captions
from palermo.cases.store import Unit
from palermo.errors import InvalidInput, NotFound

DATASET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}")
"""A dataset's name: letters, digits and . _ + - (the default is the case references joined by +)."""
CHUNK = 500


@dataclass(frozen=True)
class Scope:
    """Records read for a run: the entities, and the references of the cases they came from (by case ID)."""

    entities: list[Entity]
    cases: dict[str, str]


@dataclass(frozen=True)
class Identity:
    """One resolved identity: its canonical ID and its records (CASE_ID:ENTITY_ID) with the case reference and the
    caption of each."""

    canonical_id: str
    records: list[dict[str, str]]


def check_dataset(name: str) -> str:
    """The dataset name, or InvalidInput naming what is allowed."""
    if not DATASET.fullmatch(name):
        raise InvalidInput(f"dataset {name!r}: letters, digits and . _ + - only, at most 200 characters")
    return name


def check_kind(kind: str) -> Kind:
    """The kind of entity, or InvalidInput listing the kinds."""
    if kind not in KINDS:
        raise InvalidInput(f"kind {kind!r}: one of {', '.join(KINDS)}")
    return kind


def split(record_id: str) -> tuple[str, str]:
    """A record's case ID and entity ID."""
    case_id, sep, entity_id = record_id.partition(":")
    if not sep or not case_id or not entity_id:
        raise InvalidInput(f"record {record_id!r}: expected CASE_ID:ENTITY_ID")
    return case_id, entity_id


class Resolutions:
    """Entity resolution of the caller's agency over the cases its users can see."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    def scope(self, caller: Caller, refs: Sequence[str], kind: Kind) -> Scope:
        """The entities of one kind in these cases (each opened for reading), sealed identities left out."""
        if not refs:
            raise InvalidInput("name at least one case to resolve")
        with self.gate.store.unit(caller) as unit:
            entities: list[Entity] = []
            cases: dict[str, str] = {}
            for ref in dict.fromkeys(refs):
                case = self.gate.open(unit, ref, Action.case_read)
                cases[case.id] = case.reference
                rows = unit.conn.execute(select(t.entity.c.id, t.entity.c.schema, t.entity.c.properties).where(
                    t.entity.c.case_id == case.id, t.entity.c.schema.in_(KINDS[kind]), t.entity.c.sealed.is_(None)))
                entities += [Entity(f"{case.id}:{r.id}", r.schema, r.properties, case.reference) for r in rows]
            return Scope(entities, cases)

    def admit(self, caller: Caller, refs: Sequence[str]) -> Actor:
        """The actor behind the caller once each case is opened for reading (nothing else read): a run started in
        the background runs as them."""
        if not refs:
            raise InvalidInput("name at least one case to resolve")
        with self.gate.store.unit(caller) as unit:
            for ref in dict.fromkeys(refs):
                self.gate.open(unit, ref, Action.case_read)
            return unit.actor

    def reader(self, caller: Caller) -> Actor:
        """The actor behind the caller, whose role must read cases."""
        with self._reading(caller) as unit:
            return unit.actor

    def model(self, caller: Caller, dataset: str, kind: Kind) -> dict[str, Any] | None:
        """The agency's saved model of a dataset (Palermo's model JSON), or None."""
        with self._reading(caller) as unit:
            row = unit.conn.execute(select(t.resolution_model.c.model).where(*self._is(unit, dataset, kind))).first()
            return orjson.loads(row.model) if row is not None else None

    def save_run(self, caller: Caller, dataset: str, kind: Kind, scope: Scope, model: Mapping[str, Any],
                 candidates: Sequence[Candidate], *, trained: bool) -> Assignment:
        """Keep a run: the model (if trained now), the scored pairs (replacing the last run's) and the identities
        (canonical IDs carried over from before). One transaction, audited."""
        check_dataset(dataset)
        with self.gate.store.unit(caller, immediate=True) as unit:
            for case_id in scope.cases:
                self.gate.open(unit, case_id, Action.case_read)
            me, stamp, user = unit.actor.agency_id, now(), unit.actor.user_id
            where = self._is(unit, dataset, kind)
            held = unit.conn.execute(select(t.resolution_model.c.trained_by, t.resolution_model.c.trained_at)
                                     .where(*where)).first()
            values = {"cases": " ".join(sorted(scope.cases)), "run_by": user, "run_at": stamp,
                      "records": len(scope.entities)}
            if trained or held is None:
                values.update(model=orjson.dumps(dict(model)).decode(), trained_by=user, trained_at=stamp)
            if held is None:
                unit.conn.execute(insert(t.resolution_model).values(agency_id=me, dataset=dataset, kind=kind,
                                                                    **values))
            else:
                unit.conn.execute(t.resolution_model.update().where(*where).values(**values))
            unit.conn.execute(delete(t.resolution_candidate).where(*self._is(unit, dataset, kind,
                                                                             t.resolution_candidate)))
            rows = [{"agency_id": me, "dataset": dataset, "kind": kind, "left_id": c.left, "right_id": c.right,
                     "probability": c.probability, "weight": c.weight, "explanation": _explanation(c)}
                    for c in candidates]
            for start in range(0, len(rows), CHUNK):
                unit.conn.execute(insert(t.resolution_candidate), rows[start:start + CHUNK])
            assignment = self._identify(unit, dataset, kind, [e.id for e in scope.entities], candidates)
            record(unit.conn, unit.actor, "resolution_run", None, f"{dataset}/{kind}",
                   detail={"cases": sorted(scope.cases), "records": len(scope.entities),
                           "candidates": len(candidates), "trained": trained})
            return assignment

    def queue(self, caller: Caller, dataset: str, kind: Kind, limit: int = 50) -> list[Question]:
        """The open pairs of a dataset whose records the caller can see, most instructive first."""
        with self._reading(caller) as unit:
            candidates = self._candidates(unit, dataset, kind)
            ledger = Ledger(self._judgements(unit))
            sizes: dict[str, int] = {}
            for group in cluster({r for c in candidates for r in (c.left, c.right)}, candidates, ledger):
                sizes.update((r, len(group)) for r in group)
            return queue(candidates, ledger, sizes, limit)

    def candidate(self, caller: Caller, dataset: str, kind: Kind, left: str, right: str) -> Candidate:
        """One scored pair with its waterfall (NotFound outside the caller's cases or the last run)."""
        with self._reading(caller) as unit:
            found = [c for c in self._candidates(unit, dataset, kind, {left, right})
                     if {c.left, c.right} == {left, right}]
            if not found:
                raise NotFound(f"no candidate pair {left} / {right} in {dataset}/{kind}")
            return found[0]

    def judge(self, caller: Caller, left: str, right: str, verdict: str) -> Judgement:
        """Record an analyst's judgement of two records (entity_write in both cases); Conflict if it contradicts
        what other judgements settle. The identities of every dataset holding either record follow at once."""
        try:
            chosen = Verdict(verdict)
        except ValueError:
            raise InvalidInput(f"verdict {verdict!r}: one of same, different, unsure") from None
        if left == right:
            raise InvalidInput(f"a record cannot be judged against itself ({left})")
        with self.gate.store.unit(caller, immediate=True) as unit:
            for record_id in (left, right):
                case_id, entity_id = split(record_id)
                case = self.gate.open(unit, case_id, Action.entity_write)
                self.gate.require_entity(unit, case, entity_id)
            stamp = now()
            judgement = Judgement(left, right, chosen, unit.actor.user_id, stamp)
            Ledger(self._judgements(unit)).with_judgement(judgement)
            unit.conn.execute(insert(t.resolution_judgement).values(
                agency_id=unit.actor.agency_id, left_id=judgement.key[0], right_id=judgement.key[1],
                verdict=chosen.value, judged_by=judgement.by, judged_at=stamp))
            record(unit.conn, unit.actor, "resolution_judge", split(left)[0], f"{left} {right}",
                   detail={"verdict": chosen.value, "other_case": split(right)[0]})
            touched = unit.conn.execute(select(t.resolution_identity.c.dataset, t.resolution_identity.c.kind)
                                        .where(t.resolution_identity.c.agency_id == unit.actor.agency_id,
                                               t.resolution_identity.c.record_id.in_([left, right]))
                                        .distinct()).all()
            for dataset, kind in touched:
                records = list(unit.conn.execute(select(t.resolution_identity.c.record_id).where(
                    *self._is(unit, dataset, kind, t.resolution_identity))).scalars())
                self._identify(unit, dataset, kind, records, self._candidates(unit, dataset, kind, visible=False))
            return judgement

    def judgements(self, caller: Caller, records: Iterable[str] = ()) -> list[Judgement]:
        """The agency's judgements (of these records, if named), oldest first."""
        with self._reading(caller) as unit:
            wanted = set(records)
            return [j for j in self._judgements(unit) if not wanted or {j.left, j.right} & wanted]

    def identities(self, caller: Caller, dataset: str, kind: Kind, *, minimum: int = 2) -> list[Identity]:
        """The identities of a dataset with at least ``minimum`` records the caller can see, largest first."""
        with self._reading(caller) as unit:
            visible = self._visible(unit)
            groups: dict[str, list[str]] = {}
            for row in unit.conn.execute(select(t.resolution_identity.c.record_id, t.resolution_identity.c.canonical_id)
                                         .where(*self._is(unit, dataset, kind, t.resolution_identity))):
                if split(row.record_id)[0] in visible:
                    groups.setdefault(row.canonical_id, []).append(row.record_id)
            chosen = {cid: sorted(rs) for cid, rs in groups.items() if len(rs) >= minimum}
            described = self._describe(unit, visible, [r for rs in chosen.values() for r in rs])
            return [Identity(cid, [described[r] for r in rs])
                    for cid, rs in sorted(chosen.items(), key=lambda kv: (-len(kv[1]), kv[0]))]

    def identity(self, caller: Caller, dataset: str, kind: Kind, canonical_id: str) -> tuple[Identity, dict[str, Any]]:
        """One identity (an absorbed canonical ID is followed to the one that took it over) with the FtM entity
        merged from its visible records, which it names as ``referents``."""
        with self.gate.begin(caller) as unit:
            target = unit.conn.execute(select(t.resolution_redirect.c.canonical_id).where(
                *self._is(unit, dataset, kind, t.resolution_redirect),
                t.resolution_redirect.c.old_id == canonical_id)).scalar() or canonical_id
            visible = self._visible(unit)
            records = sorted(r for r in unit.conn.execute(select(t.resolution_identity.c.record_id).where(
                *self._is(unit, dataset, kind, t.resolution_identity),
                t.resolution_identity.c.canonical_id == target)).scalars() if split(r)[0] in visible)
            if not records:
                raise NotFound(f"no identity {canonical_id!r} in {dataset}/{kind}")
            decide(unit.actor, Action.case_read, Access.read)  # outside the circle it does not exist; inside, the role
            entities = []
            for record_id in records:
                case_id, entity_id = split(record_id)
                row = unit.conn.execute(select(t.entity.c.schema, t.entity.c.properties).where(
                    t.entity.c.case_id == case_id, t.entity.c.id == entity_id, t.entity.c.sealed.is_(None))).first()
                if row is not None:
                    entities.append({"id": record_id.replace(":", "."), "schema": row.schema,
                                     "properties": row.properties})
            described = self._describe(unit, visible, records)
            return Identity(target, [described[r] for r in records]), merged(target, entities)

    def describe(self, caller: Caller, records: Sequence[str]) -> dict[str, dict[str, str]]:
        """Case reference and caption (a protected person's pseudonym) of each record the caller can see."""
        with self._reading(caller) as unit:
            visible = self._visible(unit)
            return self._describe(unit, visible, [r for r in records if split(r)[0] in visible])

    @contextmanager
    def _reading(self, caller: Caller) -> Iterator[Unit]:
        """A transaction for a caller whose role reads cases (an auditor's does not: NotPermitted)."""
        with self.gate.begin(caller) as unit:
            decide(unit.actor, Action.case_read, Access.read)
            yield unit

    def _is(self, unit: Unit, dataset: str, kind: str, table: Any = t.resolution_model) -> tuple[Any, ...]:
        return (table.c.agency_id == unit.actor.agency_id, table.c.dataset == dataset, table.c.kind == kind)

    def _visible(self, unit: Unit) -> set[str]:
        return set(unit.conn.execute(self.gate.visible_ids(unit.actor)).scalars())

    def _candidates(self, unit: Unit, dataset: str, kind: str, records: set[str] | None = None, *,
                    visible: bool = True) -> list[Candidate]:
        query = select(t.resolution_candidate).where(*self._is(unit, dataset, kind, t.resolution_candidate))
        if records:
            query = query.where(or_(t.resolution_candidate.c.left_id.in_(records),
                                    t.resolution_candidate.c.right_id.in_(records)))
        cases = self._visible(unit) if visible else None
        out = []
        for row in unit.conn.execute(query):
            if cases is not None and not (split(row.left_id)[0] in cases and split(row.right_id)[0] in cases):
                continue
            out.append(_candidate(row))
        return sorted(out, key=lambda c: (-c.probability, c.key))

    def _judgements(self, unit: Unit) -> list[Judgement]:
        rows = unit.conn.execute(select(t.resolution_judgement).where(
            t.resolution_judgement.c.agency_id == unit.actor.agency_id).order_by(t.resolution_judgement.c.id))
        return [Judgement(r.left_id, r.right_id, Verdict(r.verdict), r.judged_by, r.judged_at) for r in rows]

    def _identify(self, unit: Unit, dataset: str, kind: str, records: Sequence[str],
                  candidates: Sequence[Candidate]) -> Assignment:
        """Cluster the records (judgements over the model) and store their canonical IDs, carried over."""
        table, redirect = t.resolution_identity, t.resolution_redirect
        previous = {r.record_id: r.canonical_id for r in unit.conn.execute(
            select(table.c.record_id, table.c.canonical_id).where(*self._is(unit, dataset, kind, table)))}
        everyone = list(dict.fromkeys([*previous, *records]))
        assignment = canonical_ids(cluster(everyone, candidates, Ledger(self._judgements(unit))), previous)
        me, stamp = unit.actor.agency_id, now()
        live = sorted(set(assignment.ids.values()))
        for start in range(0, len(live), CHUNK):
            unit.conn.execute(delete(redirect).where(*self._is(unit, dataset, kind, redirect),
                                                     redirect.c.old_id.in_(live[start:start + CHUNK])))
        changed = [{"agency_id": me, "dataset": dataset, "kind": kind, "record_id": r, "canonical_id": cid,
                    "updated_at": stamp} for r, cid in assignment.ids.items() if previous.get(r) != cid]
        for start in range(0, len(changed), CHUNK):
            part = changed[start:start + CHUNK]
            unit.conn.execute(delete(table).where(*self._is(unit, dataset, kind, table),
                                                  table.c.record_id.in_([c["record_id"] for c in part])))
            unit.conn.execute(insert(table), part)
        for old, new in assignment.redirects.items():
            unit.conn.execute(delete(redirect).where(*self._is(unit, dataset, kind, redirect),
                                                     redirect.c.old_id == old))
            unit.conn.execute(insert(redirect).values(agency_id=me, dataset=dataset, kind=kind, old_id=old,
                                                      canonical_id=new, updated_at=stamp))
        for old, new in assignment.redirects.items():  # what pointed to an absorbed ID points on to its successor
            unit.conn.execute(redirect.update().where(*self._is(unit, dataset, kind, redirect),
                                                      redirect.c.canonical_id == old).values(canonical_id=new))
        return assignment

    def _describe(self, unit: Unit, visible: set[str], records: Sequence[str]) -> dict[str, dict[str, str]]:
        by_case: dict[str, list[str]] = {}
        for r in records:
            case_id, entity_id = split(r)
            by_case.setdefault(case_id, []).append(entity_id)
        refs = {r.id: r.reference for r in unit.conn.execute(select(t.case.c.id, t.case.c.reference).where(
            t.case.c.id.in_(list(by_case))))} if by_case else {}
        out = {}
        for case_id, ids in by_case.items():
            names = captions(unit.conn, case_id, ids)
            for entity_id in ids:
                out[f"{case_id}:{entity_id}"] = {"record": f"{case_id}:{entity_id}", "case": refs.get(case_id, ""),
                                                 "entity": entity_id, "caption": names.get(entity_id, entity_id)}
        return out


def _explanation(c: Candidate) -> str:
    return orjson.dumps({"prior": c.prior, "reasons": [r.__dict__ for r in c.reasons]}).decode()


def _candidate(row: Row[Any]) -> Candidate:
    data = orjson.loads(row.explanation)
    return Candidate(row.left_id, row.right_id, row.probability, row.weight, data.get("prior", 0.0),
                     tuple(Reason(**r) for r in data.get("reasons", ())))


