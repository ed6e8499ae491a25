"""Verification of custody logs, tree heads and proofs: a library that needs no database, so a court or a
partner abroad checks a custody record with the same code that wrote it.

Nothing here raises for bad evidence: every check adds precise findings to a ``Report`` (which event, which tree
head, which file, which check) in words a court clerk can read. The explanation of each check is the docstring
of the method that performs it (``CHECKS``, ``explain``).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, ValidationError, computed_field

from palermo.custody.canonical import canonical_checked, parse
from palermo.custody.keys import KeyRecord, TrustStore, b64decode, parse_time
from palermo.custody.merkle import Frontier, leaf_hash, verify_consistency, verify_inclusion
from palermo.custody.records import (
    EVENT_CONTEXT,
    HEAD_CONTEXT,
    KIND_LABELS,
    CustodyEvent,
    Prev,
    SignedEvent,
    SignedHead,
)
from palermo.errors import VerificationFailed

OPENING_KINDS = ("seizure", "intake")
_SIGNED_KEYS = {"event", "signature"}
_EVENT_START = len(b'{"event":')
_EVENT_END = -len(b',"signature":"') - 88 - len(b'"}')
CHUNK = 2048
F = TypeVar("F", bound=Callable[..., Any])

CHECKS: dict[str, str] = {}


def check(name: str) -> Callable[[F], F]:
    """Register the docstring of the method performing check ``name`` as its explanation for users."""
    def register(fn: F) -> F:
        CHECKS[name] = inspect.cleandoc(fn.__doc__ or "")
        return fn
    return register


def explain(name: str) -> str:
    """What check ``name`` establishes, in plain words."""
    return CHECKS.get(name, name)


class Finding(BaseModel):
    """One problem: which check failed, where (event, tree head, file or bundle member) and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    check: str
    where: str
    message: str
    seq: int | None = None
    size: int | None = None
    member: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.check}]"


class Report(BaseModel):
    """The result of a verification: what was checked and every problem found (none means verified)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    log: str | None = None
    events: int = 0
    heads: int = 0
    size: int | None = None
    root: str | None = None
    head_at: str | None = None
    exhibits: list[str] = []
    keys: list[str] = []
    checks: list[str] = []
    problems: list[Finding] = []

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented pattern
    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise VerificationFailed naming the first problem (all of them in ``details``) unless ok."""
        if self.problems:
            first = self.problems[0]
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise VerificationFailed(f"{first.where}: {first.message}{more}",
                                     details=[str(p) for p in self.problems])

    def lines(self) -> list[str]:
        """The report as short lines for a terminal or a log."""
        state = "VERIFIED" if self.ok else f"NOT VERIFIED: {len(self.problems)} problem(s)"
        head = f", signed tree head of size {self.size}" if self.size is not None else ""
        out = [f"{state} — log {self.log or '?'}: {self.events} event(s){head}"]
        out += [f"  {p}" for p in self.problems]
        return out


# --------------------------------------------------------------------------- signature checks in worker processes

_WORKER_KEYS: dict[str, Ed25519PublicKey] = {}


def _init_worker(keys: dict[str, bytes]) -> None:
    _WORKER_KEYS.clear()
    _WORKER_KEYS.update({k: Ed25519PublicKey.from_public_bytes(raw) for k, raw in keys.items()})


def verify_batch(items: Sequence[tuple[str, bytes, bytes]]) -> list[int]:
    """Check (key id, signature, message) triples with the worker's keys; the positions of those that fail."""
    bad = []
    keys = _WORKER_KEYS
    for i, (kid, sig, msg) in enumerate(items):
        try:
            keys[kid].verify(sig, msg)
        except (InvalidSignature, KeyError):
            bad.append(i)
    return bad


def signature_pool(trust: TrustStore, workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes holding the trust store's public keys, for ``verify_batch``."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_init_worker,
                               initargs=({r.key: r.raw for r in trust.records},))


# --------------------------------------------------------------------------- the verifier


@dataclass(slots=True)
class _Ev:
    position: int
    leaf: bytes
    seq: int = -1
    exhibit: str = ""
    kind: str = ""
    recorded: datetime | None = None
    recorded_text: str = ""
    prev: Prev | None = None
    sha: str | None = None
    derived: tuple[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.recorded is not None


@dataclass(slots=True)
class _Head:
    index: int
    size: int
    root: bytes
    at: datetime
    at_text: str
    key: str
    agency: str | None
    log: str


@dataclass(slots=True)
class _Tip:
    seq: int
    leaf: str
    kind: str
    sha: str | None = None
    destroyed_at: int | None = None


@dataclass
class _Chain:
    partial: bool
    tips: dict[str, _Tip] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)


class Verifier:
    """Collects findings over events, tree heads, proofs and files; signature checks may run in a process pool."""

    def __init__(self, trust: TrustStore, *, log: str | None = None, workers: int = 1,
                 narrowed: Mapping[str, str] | None = None) -> None:
        self.trust = trust
        self.log = log
        self.problems: list[Finding] = []
        self.ran: list[str] = []
        self.keys_used: set[str] = set()
        self.exhibits: set[str] = set()
        self.events = 0
        self.heads = 0
        self.latest: _Head | None = None
        self._narrowed = dict(narrowed or {})
        self._in_force: dict[str, tuple[KeyRecord, datetime, datetime | None]] = {}
        self._noted_events = False
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._batch: list[tuple[str, bytes, bytes]] = []
        self._refs: list[tuple[str, int]] = []
        self._futures: list[tuple[Future[list[int]], list[tuple[str, int]]]] = []

    # ------------------------------------------------------------------ bookkeeping

    def problem(self, name: str, where: str, message: str, *, seq: int | None = None, size: int | None = None,
                member: str | None = None) -> None:
        """Record a finding of check ``name``."""
        self.problems.append(Finding(check=name, where=where, message=message, seq=seq, size=size, member=member))

    def ran_checks(self, *names: str) -> None:
        """Note that checks ``names`` were performed."""
        for name in names:
            if name not in self.ran:
                self.ran.append(name)

    def report(self) -> Report:
        """Wait for pending signature checks and return the report."""
        self._drain()
        order = {name: i for i, name in enumerate(CHECKS)}
        problems = sorted(self.problems, key=lambda p: (
            0 if p.member is not None else 1,
            p.seq if p.seq is not None else (-1 if p.size is None else 1 << 60),
            p.size if p.size is not None else -1,
            order.get(p.check, 99)))
        latest = self.latest
        return Report(log=self.log, events=self.events, heads=self.heads,
                      size=latest.size if latest else None, root=latest.root.hex() if latest else None,
                      head_at=latest.at_text if latest else None, exhibits=sorted(self.exhibits),
                      keys=sorted(self.keys_used), checks=list(self.ran), problems=problems)

    def close(self) -> None:
        """Stop the worker processes, if any."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    # ------------------------------------------------------------------ keys and signatures

    def narrow(self, key: str, until: str) -> None:
        """Treat ``key`` as retired from ``until`` on (a retirement the verifier learnt from the record itself)."""
        self._narrowed[key] = until
        self._in_force.pop(key, None)

    @check("key")
    def key(self, key: str, at: datetime, where: str, **ids: Any) -> KeyRecord | None:
        """The signing key must be one your installation trusts (imported after comparing its fingerprint with the
        agency out of band), and it must have been in force when the record was signed: a key not yet valid, or
        retired (rotated out) before that time, is refused."""
        self.ran_checks("key")
        try:
            record = self.trust.key_for(key, at)
        except VerificationFailed as exc:
            self.problem("key", where, f"was signed with a key that cannot be accepted: {exc.message}", **ids)
            return None
        until = self._narrowed.get(key)
        if until is not None and at >= parse_time(until):
            self.problem("key", where, f"was signed with key {key} of {record.agency} after the agency retired it "
                                       f"({until})", **ids)
            return None
        self.keys_used.add(key)
        if key not in self._in_force:
            ends = [parse_time(t) for t in (record.valid_until, until) if t is not None]
            self._in_force[key] = (record, parse_time(record.valid_from), min(ends) if ends else None)
        return record

    @check("signature")
    def signature(self, key: str, signature: bytes, message: bytes, ref: tuple[str, int]) -> None:
        """Each event and tree head carries a digital signature (Ed25519) made with the private key of the agency
        that recorded it, checked here with that agency's public key. Changing anything in a signed record,
        even one character, makes its signature fail."""
        self.ran_checks("signature")
        if self._workers <= 1:
            if not self.trust.verify(key, signature, message):
                self._bad_signature(ref)
            return
        self._batch.append((key, signature, message))
        self._refs.append(ref)
        if len(self._batch) >= CHUNK:
            self._submit()

    def _submit(self) -> None:
        if not self._batch:
            return
        if self._pool is None:
            self._pool = signature_pool(self.trust, self._workers)
        self._futures.append((self._pool.submit(verify_batch, self._batch), self._refs))
        self._batch, self._refs = [], []
        # keep memory bounded: never more than a few chunks waiting for the workers
        while len(self._futures) > 4 * self._workers:
            self._collect()

    def _collect(self) -> None:
        future, refs = self._futures.pop(0)
        for i in future.result():
            self._bad_signature(refs[i])

    def _drain(self) -> None:
        self._submit()
        while self._futures:
            self._collect()
        self.close()

    def _bad_signature(self, ref: tuple[str, int]) -> None:
        what, number = ref
        if what == "event":
            self.problem("signature", f"event {number}", "has a signature that does not match its content: the "
                         "event was altered after it was signed, or the signature was replaced", seq=number)
        elif what == "manifest":
            self.problem("signature", "the bundle's manifest", "has a signature that does not match its content: "
                         "the bundle was altered after it was exported", member="manifest.json")
        else:
            self.problem("signature", f"tree head of size {number}", "has a signature that does not match its "
                         "content: the tree head was altered after it was signed", size=number)

    @check("agency")
    def agency(self, record: KeyRecord, agency: str, state: str, where: str, **ids: Any) -> None:
        """An event is signed with a key of the agency named as acting in it, and all tree heads of a log with
        keys of the one agency that keeps the log."""
        self.ran_checks("agency")
        if (record.agency, record.state) != (agency, state):
            self.problem("agency", where, f"names {agency} ({state}) as acting but is signed with a key of "
                                          f"{record.agency} ({record.state})", **ids)

    # ------------------------------------------------------------------ records

    @check("record")
    def record(self, where: str, message: str, **ids: Any) -> None:
        """Each record has every field a custody event or tree head must have, with valid values: times with a
        UTC offset, a known kind of event, the details that kind needs (a warrant for a seizure, both holders for
        a transfer, seal numbers for a seal)."""
        self.ran_checks("record")
        self.problem("record", where, message, **ids)

    @check("encoding")
    def encoding(self, where: str, message: str, **ids: Any) -> None:
        """Each record is stored in the one exact form in which it was signed and hashed (canonical JSON, RFC 8785
        subset). A record in any other form was edited after it was written."""
        self.ran_checks("encoding")
        self.problem("encoding", where, message, **ids)

    @check("log")
    def log_id(self, log: str, where: str, **ids: Any) -> None:
        """All events and tree heads belong to one custody log (the case's log)."""
        self.ran_checks("log")
        if self.log is None:
            self.log = log
        elif log != self.log:
            self.problem("log", where, f"belongs to custody log {log}, not to {self.log}", **ids)

    def read_event(self, item: SignedEvent | bytes, position: int) -> _Ev:
        """Parse one stored event (its exact bytes or a SignedEvent) and check it on its own: form, log, key in
        force at the recording time, acting agency, signature."""
        self.events += 1
        if not self._noted_events:
            self.ran_checks("encoding", "record", "log", "key", "agency", "signature")
            self._noted_events = True
        if isinstance(item, SignedEvent):
            data = item.leaf_data
            obj = item.wire()
            canonical = True
        else:
            data = bytes(item)
            try:
                obj = parse(data)
            except ValueError:
                self.encoding(f"event at position {position}", "cannot be read (not valid JSON): the stored record "
                              "was damaged or edited")
                return _Ev(position, leaf_hash(data))
            try:
                if type(obj) is dict and obj.keys() == _SIGNED_KEYS and type(obj["signature"]) is str:
                    # the event alone: the same rules as SignedEvent without building the outer record
                    event = CustodyEvent.model_validate(obj["event"])
                    signed_text = obj["signature"]
                else:
                    signed = SignedEvent.model_validate(obj)
                    event, signed_text = signed.event, signed.signature
            except ValidationError as exc:
                where_in = "event." if type(obj) is dict and obj.keys() == _SIGNED_KEYS else ""
                self.record(f"event at position {position}",
                            f"is not a valid custody event: {where_in}{_first_error(exc)}")
                return _Ev(position, leaf_hash(data))
            canonical = canonical_checked(obj) == data
            if not canonical:
                self.encoding(f"event {event.seq}", "is not stored in the exact form in which it was signed: its "
                                                    "bytes were edited", seq=event.seq)
        if isinstance(item, SignedEvent):
            event, signed_text = item.event, item.signature
        seq = event.seq
        recorded = datetime.fromisoformat(event.recorded)
        if event.log != self.log:
            self.log_id(event.log, f"event {seq}", seq=seq)
        self.exhibits.add(event.exhibit)
        try:
            sig = b64decode(signed_text, 64)
        except ValueError:
            self.encoding(f"event {seq}", "has a signature that is not a 64-byte Ed25519 signature in canonical "
                                          "base64", seq=seq)
            sig = None
        kid = event.key
        known = self._in_force.get(kid)
        record: KeyRecord | None
        if known is not None and known[1] <= recorded and (known[2] is None or recorded < known[2]):
            record = known[0]
        else:
            record = self.key(kid, recorded, f"event {seq}", seq=seq)
        if record is not None:
            actor = event.actor
            if record.agency != actor.agency or record.state != actor.state:
                self.agency(record, actor.agency, actor.state, f"event {seq}", seq=seq)
            if sig is not None:
                # a canonical line is {"event":<event>,"signature":"<88 characters>"}: the signed bytes are inside it
                body = data[_EVENT_START:_EVENT_END] if canonical else canonical_checked(obj["event"])
                self.signature(kid, sig, EVENT_CONTEXT + body, ("event", seq))
        details = event.details
        derived = (details.derived_exhibit, details.derived_sha256) \
            if details.derived_exhibit and details.derived_sha256 else None
        return _Ev(position, leaf_hash(data), seq, event.exhibit, event.kind, recorded, event.recorded, event.prev,
                   event.exhibit_sha256, derived)

    def read_head(self, item: SignedHead | bytes, index: int) -> _Head | None:
        """Parse one signed tree head and check it on its own (form, key, signature, log)."""
        self.heads += 1
        where = f"tree head no. {index + 1}"
        if isinstance(item, SignedHead):
            data = item.data
            signed, obj = item, item.wire()
        else:
            data = bytes(item)
            try:
                obj = parse(data)
            except ValueError:
                self.encoding(where, "cannot be read (not valid JSON): it was damaged or edited")
                return None
            try:
                signed = SignedHead.model_validate(obj)
            except ValidationError as exc:
                self.record(where, f"is not a valid signed tree head: {_first_error(exc)}")
                return None
            if canonical_checked(obj) != data:
                self.encoding(f"tree head of size {signed.head.size}", "is not stored in the exact form in which "
                              "it was signed: its bytes were edited", size=signed.head.size)
        head = signed.head
        where = f"tree head of size {head.size}"
        at = parse_time(head.at)
        self.log_id(head.log, where, size=head.size)
        record = self.key(head.key, at, where, size=head.size)
        try:
            sig = b64decode(signed.signature, 64)
        except ValueError:
            self.encoding(where, "has a signature that is not a 64-byte Ed25519 signature in canonical base64",
                          size=head.size)
            sig = None
        if record is not None and sig is not None:
            self.signature(head.key, sig, HEAD_CONTEXT + canonical_checked(obj["head"]), ("head", head.size))
        return _Head(index, head.size, bytes.fromhex(head.root), at, head.at, head.key,
                     record.agency if record else None, head.log)

    # ------------------------------------------------------------------ across records

    @check("fork")
    def heads_agree(self, heads: list[_Head]) -> list[_Head]:
        """Two signed tree heads of the same size must be identical, and a later head must contain an earlier
        one unchanged. Otherwise the log's keeper signed two different histories (a forked log): the record
        was rewritten after it was shown to someone."""
        self.ran_checks("fork", "time")
        by_size: dict[int, _Head] = {}
        agencies = {h.agency for h in heads if h.agency is not None}
        if len(agencies) > 1:
            self.problem("agency", "tree heads", f"are signed by keys of different agencies ({', '.join(sorted(agencies))}): "
                         "one log is kept and signed by one agency")
        for h in sorted(heads, key=lambda h: (h.size, h.index)):
            seen = by_size.get(h.size)
            if seen is None:
                by_size[h.size] = h
            elif seen.root != h.root:
                self.problem("fork", f"tree head of size {h.size}", f"exists twice with different contents "
                             f"({seen.root.hex()[:16]}… signed {seen.at_text}, {h.root.hex()[:16]}… signed "
                             f"{h.at_text}): the log was forked", size=h.size)
        ordered = [by_size[s] for s in sorted(by_size)]
        for older, newer in pairwise(ordered):
            if newer.at < older.at:
                self.problem("time", f"tree head of size {newer.size}", f"was signed at {newer.at_text}, before the "
                             f"smaller head of size {older.size} ({older.at_text})", size=newer.size)
        if ordered:
            self.latest = ordered[-1]
        return ordered

    @check("sequence")
    def sequence(self, ev: _Ev, before: _Ev | None) -> None:
        """Events are numbered 0, 1, 2, ... in the order they were recorded, without gaps or repeats. A gap means
        an event was deleted, a repeat that one was inserted or duplicated, a step back that events were
        reordered."""
        self.ran_checks("sequence")
        where, seq = f"event {ev.seq}", ev.seq
        if before is None:
            if seq != 0:
                self.problem("sequence", where, f"is the first event supplied, but the log starts at event 0: "
                             f"events 0 to {seq - 1} are missing", seq=seq)
            return
        if seq == before.seq + 1:
            return
        if seq == before.seq:
            self.problem("sequence", where, "appears twice: an event was inserted or duplicated", seq=seq)
        elif seq < before.seq:
            self.problem("sequence", where, f"comes after event {before.seq}: the events are out of order", seq=seq)
        else:
            missing = f"event {before.seq + 1} is" if seq == before.seq + 2 else \
                f"events {before.seq + 1} to {seq - 1} are"
            self.problem("sequence", where, f"follows event {before.seq}: {missing} missing (deleted or moved)",
                         seq=seq)

    @check("time")
    def time(self, ev: _Ev, before: _Ev | None) -> None:
        """Recording times never go backwards; no event is recorded before it happened; a tree head is not
        signed before the events it covers were recorded."""
        self.ran_checks("time")
        if before is not None and before.recorded is not None and ev.recorded is not None \
                and ev.recorded < before.recorded:
            self.problem("time", f"event {ev.seq}", f"was recorded at {ev.recorded_text}, before event {before.seq} "
                         f"({before.recorded_text}): recording times go backwards", seq=ev.seq)

    def head_after(self, head: _Head, ev: _Ev | None) -> None:
        """A tree head must not be signed before the last event it covers was recorded."""
        if ev is not None and ev.recorded is not None and head.at < ev.recorded:
            self.problem("time", f"tree head of size {head.size}", f"was signed at {head.at_text}, before event "
                         f"{ev.seq} it covers was recorded ({ev.recorded_text})", size=head.size)

    @check("tree-head")
    def tree_heads(self, checked: Sequence[tuple[_Head, bytes]]) -> None:
        """A signed tree head fixes the whole log up to its size in one 32-byte value, the Merkle root (RFC 9162).
        The root is recomputed here from the events: if any of them was changed, removed, added or reordered,
        the roots differ."""
        self.ran_checks("tree-head")
        wrong = [(head, computed) for head, computed in checked if computed != head.root]
        if not wrong:
            return
        head, computed = wrong[0]
        self.problem("tree-head", f"tree head of size {head.size}", f"does not match the events: the first "
                     f"{head.size} events give root {computed.hex()[:16]}…, the head signed at {head.at_text} "
                     f"says {head.root.hex()[:16]}… — events up to that size were altered, removed, added "
                     "or reordered after the head was signed", size=head.size)
        if len(wrong) > 1:
            sizes = [h.size for h, _ in wrong[1:]]
            which = f"size {sizes[0]}" if len(sizes) == 1 else f"sizes {sizes[0]} to {sizes[-1]} ({len(sizes)} heads)"
            self.problem("tree-head", f"tree heads of {which}", "do not match the events either", size=sizes[0])

    @check("coverage")
    def coverage(self, count: int, heads: list[_Head]) -> None:
        """Every event is covered by a signed tree head, and every head by events. An event after the last signed
        head has no protection against being changed by the log's keeper; a head larger than the log means
        events were removed from its end."""
        self.ran_checks("coverage")
        top = heads[-1].size if heads else 0
        if count > top:
            which = f"event {top}" if count == top + 1 else f"events {top} to {count - 1}"
            verb, them = ("is", "it") if count == top + 1 else ("are", "them")
            self.problem("coverage", "log", f"{which} {verb} not covered by any signed tree head: the log's keeper "
                         f"could still change {them} unseen")
        for h in heads:
            if h.size > count:
                gone = f"event {count} was" if h.size == count + 1 else f"events {count} to {h.size - 1} were"
                self.problem("coverage", f"tree head of size {h.size}", f"covers {h.size} events but only {count} "
                             f"were supplied: {gone} removed from the end of the log", size=h.size)

    @check("chain")
    def chain(self, chain: _Chain, ev: _Ev) -> None:
        """Each exhibit's history is whole and coherent: it opens with a seizure or an intake, every later event
        names the exhibit's previous event (position and fingerprint) so none can be left out unseen, the
        exhibit's recorded SHA-256 never changes, and nothing happens to it after its destruction."""
        self.ran_checks("chain")
        seq, exhibit = ev.seq, ev.exhibit
        tip = chain.tips.get(exhibit)
        prev = ev.prev
        if (tip is not None and prev is not None and prev.seq == tip.seq and tip.destroyed_at is None
                and ev.derived is None and (ev.sha is None or ev.sha == tip.sha)):
            leaf = ev.leaf.hex()
            if prev.leaf == tip.leaf:  # the usual case: the next event of a known exhibit, correctly linked
                tip.seq, tip.leaf, tip.kind = seq, leaf, ev.kind
                if ev.kind == "destruction":
                    tip.destroyed_at = seq
                return
        where = f"event {seq}"
        if tip is None:
            if prev is not None:
                place = "this bundle" if chain.partial else "the log"
                self.problem("chain", where, f"names event {prev.seq} as the previous event of exhibit {exhibit}, "
                             f"but {place} holds no earlier event of {exhibit}: its history is incomplete", seq=seq)
            elif ev.kind not in OPENING_KINDS:
                self.problem("chain", where, f"opens the history of exhibit {exhibit} with "
                             f"'{KIND_LABELS.get(ev.kind, ev.kind)}': a history opens with a seizure or an intake",
                             seq=seq)
        else:
            if tip.destroyed_at is not None:
                self.problem("chain", where, f"concerns exhibit {exhibit} after its destruction "
                             f"(event {tip.destroyed_at})", seq=seq)
            if prev is None:
                self.problem("chain", where, f"does not name the previous event of exhibit {exhibit} "
                             f"(event {tip.seq})", seq=seq)
            elif prev.seq != tip.seq:
                if chain.partial and prev.seq > tip.seq:
                    self.problem("chain", where, f"names event {prev.seq} as the previous event of exhibit "
                                 f"{exhibit}, which this bundle leaves out: the exhibit's history is incomplete",
                                 seq=seq)
                else:
                    self.problem("chain", where, f"names event {prev.seq} as the previous event of exhibit "
                                 f"{exhibit}, but that is event {tip.seq}", seq=seq)
            elif prev.leaf != tip.leaf:
                self.problem("chain", where, f"names event {prev.seq} of exhibit {exhibit} with another fingerprint "
                             "than that event has: one of the two was altered", seq=seq)
        if ev.derived is not None:
            chain.derived[ev.derived[1]] = ev.derived[0]
        sha = tip.sha if tip else None
        if ev.sha is not None:
            if sha is not None and ev.sha != sha:
                self.problem("chain", where, f"records SHA-256 {ev.sha[:16]}… for exhibit {exhibit}, which "
                             f"earlier events recorded as {sha[:16]}…", seq=seq)
            sha = sha or ev.sha
        chain.tips[exhibit] = _Tip(seq, ev.leaf.hex(), ev.kind, sha,
                                   tip.destroyed_at if tip and tip.destroyed_at is not None
                                   else (seq if ev.kind == "destruction" else None))

    @check("file")
    def file(self, exhibit: str, expected: str | None, actual: str, where: str) -> None:
        """The file delivered for a digital exhibit has the SHA-256 fingerprint recorded in its custody events
        (at intake); any change to the file, however small, changes the fingerprint."""
        self.ran_checks("file")
        if expected is None:
            self.problem("file", where, f"is given for exhibit {exhibit}, whose custody events record no SHA-256")
        elif actual != expected:
            self.problem("file", where, f"has SHA-256 {actual[:16]}…, but the custody events of exhibit {exhibit} "
                         f"record {expected[:16]}…: the file is not the one taken in")

    @check("inclusion")
    def inclusion(self, ev: _Ev, proof: Sequence[bytes] | None, head: _Head) -> None:
        """An inclusion proof (RFC 9162) shows that this exact event sits at its position in the log fixed by the
        signed tree head, without revealing the log's other events."""
        self.ran_checks("inclusion")
        where = f"event {ev.seq}"
        if ev.seq >= head.size:
            self.problem("inclusion", where, f"is not covered by the signed tree head of size {head.size}", seq=ev.seq)
        elif proof is None:
            self.problem("inclusion", where, "comes without an inclusion proof", seq=ev.seq)
        elif not verify_inclusion(ev.leaf, ev.seq, head.size, proof, head.root):
            self.problem("inclusion", where, f"is not at position {ev.seq} of the log signed in the tree head of size "
                         f"{head.size}: the event or its proof was altered", seq=ev.seq)

    @check("consistency")
    def consistency(self, old: _Head, new: _Head, proof: Sequence[bytes] | None) -> None:
        """A consistency proof (RFC 9162) shows that the newer log begins with the older one, unchanged: nothing
        published earlier was rewritten or removed. A log now shorter than a head published earlier lost events
        from its end."""
        self.ran_checks("consistency")
        where = f"tree head of size {old.size}"
        if new.size < old.size:
            self.problem("consistency", where, f"was published earlier, but the log now shows only {new.size} events: "
                         f"events {new.size} to {old.size - 1} were removed", size=old.size)
        elif new.size == old.size:
            if new.root != old.root:
                self.problem("fork", where, f"was published earlier with different contents than the head of the "
                             f"same size signed {new.at_text}: the log was forked", size=old.size)
        elif proof is None:
            self.problem("consistency", where, f"comes without a consistency proof to the head of size {new.size}",
                         size=old.size)
        elif not verify_consistency(old.size, new.size, old.root, new.root, proof):
            self.problem("consistency", where, f"is not the beginning of the log of size {new.size}: events up to "
                         f"{old.size} were rewritten after this head was signed (or the proof was altered)",
                         size=old.size)

    # ------------------------------------------------------------------ whole logs

    def run_log(self, events: Iterable[SignedEvent | bytes], heads: Sequence[SignedHead | bytes],
                files: Mapping[str, bytes | Path] | None = None) -> None:
        """Check a whole log from event 0: every event, every head's root, sequence, times, chains, files."""
        parsed = [h for h in (self.read_head(x, i) for i, x in enumerate(heads)) if h is not None]
        chain = self.run_events(events, self.heads_agree(parsed))
        for exhibit, content in sorted((files or {}).items()):
            tip = chain.tips.get(exhibit)
            self.file(exhibit, tip.sha if tip else None, sha256_of(content), f"file of exhibit {exhibit}")

    def run_events(self, events: Iterable[SignedEvent | bytes], ordered: list[_Head]) -> _Chain:
        """Check every event of a log from event 0 against the heads (one per size, smallest first)."""
        pending = list(ordered)
        frontier = Frontier()
        chain = _Chain(partial=False)
        before: _Ev | None = None
        roots: list[tuple[_Head, bytes]] = []
        while pending and pending[0].size == 0:
            roots.append((pending.pop(0), frontier.root()))
        self.ran_checks("sequence", "time", "chain", "tree-head", "coverage")
        for position, item in enumerate(events):
            ev = self.read_event(item, position)
            frontier.append(ev.leaf)
            if ev.ok:
                if before is None or ev.seq != before.seq + 1:
                    self.sequence(ev, before)
                if before is not None and ev.recorded < before.recorded:  # type: ignore[operator]  # ok: both set
                    self.time(ev, before)
                self.chain(chain, ev)
                before = ev
            while pending and pending[0].size == frontier.size:
                head = pending.pop(0)
                root = frontier.root()
                roots.append((head, root))
                if root == head.root:
                    self.head_after(head, before)
        self.tree_heads(roots)
        self.coverage(frontier.size, ordered)
        return chain


def sha256_of(content: bytes | Path) -> str:
    """The SHA-256 (hex) of bytes or of a file, read in blocks."""
    if isinstance(content, bytes | bytearray | memoryview):
        return hashlib.sha256(content).hexdigest()
    h = hashlib.sha256()
    with Path(content).open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def _hashes(proof: Sequence[bytes | str]) -> list[bytes] | None:
    try:
        return [bytes.fromhex(p) if isinstance(p, str) else bytes(p) for p in proof]
    except ValueError:
        return None


def verify_log(events: Iterable[SignedEvent | bytes], heads: Sequence[SignedHead | bytes], trust: TrustStore,
               files: Mapping[str, bytes | Path] | None = None, *, log: str | None = None,
               workers: int = 1) -> Report:
    """Verify a whole custody log: each event's form, key and signature, numbering, times, each exhibit's chain,
    each tree head's signature and root, forks, and digital exhibits' files (by exhibit id).

    ``events`` are the stored leaf bytes (or SignedEvents) in log order from event 0; ``heads`` the signed tree
    heads to check (the latest and any published checkpoints). ``workers`` > 1 checks signatures in that many
    processes.
    """
    verifier = Verifier(trust, log=log, workers=workers)
    try:
        verifier.run_log(events, heads, files)
        return verifier.report()
    finally:
        verifier.close()


def verify_inclusion_of(event: SignedEvent | bytes, proof: Sequence[bytes | str], head: SignedHead | bytes,
                        trust: TrustStore) -> Report:
    """Verify that one signed event is in the log at its position, as fixed by a signed tree head: the event's
    and the head's signatures and keys, and the inclusion proof."""
    verifier = Verifier(trust)
    parsed = verifier.read_head(head, 0)
    ev = verifier.read_event(event, 0)
    if parsed is not None:
        verifier.latest = parsed
        if ev.ok:
            verifier.inclusion(ev, _hashes(proof), parsed)
            if ev.recorded is not None and parsed.at < ev.recorded:
                verifier.problem("time", f"event {ev.seq}", f"was recorded at {ev.recorded_text}, after the tree "
                                 f"head that is said to cover it was signed ({parsed.at_text})", seq=ev.seq)
    return verifier.report()


def verify_extension(old_head: SignedHead | bytes, new_head: SignedHead | bytes, proof: Sequence[bytes | str],
                     trust: TrustStore) -> Report:
    """Verify that a newer signed tree head extends an older one (held e.g. by a partner): both signatures and
    keys, the consistency proof; a rewrite, a fork or a truncated tail is reported."""
    verifier = Verifier(trust)
    old = verifier.read_head(old_head, 0)
    new = verifier.read_head(new_head, 1)
    if old is not None and new is not None:
        verifier.latest = new
        if new.size >= old.size and new.at < old.at:
            verifier.problem("time", f"tree head of size {new.size}", f"was signed at {new.at_text}, before the "
                             f"older head of size {old.size} ({old.at_text})", size=new.size)
        verifier.consistency(old, new, _hashes(proof))
    return verifier.report()
