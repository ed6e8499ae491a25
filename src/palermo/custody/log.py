"""Appending to a custody log in memory: the same rules a verifier checks, applied before anything is signed.

A store keeps what ``LogWriter`` holds (size and frontier hashes, the last recorded time, each exhibit's last
event and whether it was destroyed) and rebuilds the writer from them for each append.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from palermo.custody.keys import SigningKey, parse_time, timestamp
from palermo.custody.merkle import Frontier
from palermo.custody.records import (
    EventDraft,
    Prev,
    SignedEvent,
    SignedHead,
    make_event,
    sign_event,
    sign_head,
)
from palermo.errors import InvalidInput

OPENING_KINDS = ("seizure", "intake")


@dataclass(frozen=True)
class Appended:
    """One append: the signed event and the signed tree head that now covers it."""

    event: SignedEvent
    head: SignedHead


class LogWriter:
    """Appends events to one log: numbers them, links each to its exhibit's previous event, signs, and signs
    the new tree head. Refuses what verification would report (time going back, an exhibit's history not
    opened by seizure or intake, anything after destruction)."""

    def __init__(self, log: str, *, frontier: Frontier | None = None, last_recorded: str | None = None,
                 tips: dict[str, Prev] | None = None, destroyed: Iterable[str] = ()) -> None:
        self.log = log
        self.frontier = frontier.copy() if frontier else Frontier()
        self.last_recorded = last_recorded
        self.tips: dict[str, Prev] = dict(tips or {})
        self.destroyed: set[str] = set(destroyed)

    @property
    def size(self) -> int:
        """The number of events in the log."""
        return self.frontier.size

    def event_for(self, draft: EventDraft, *, key: SigningKey, recorded: datetime) -> SignedEvent:
        """The next event of the log for ``draft``, signed with ``key``; the log itself is unchanged."""
        when = timestamp(recorded)
        if self.last_recorded is not None and recorded < parse_time(self.last_recorded):
            raise InvalidInput(f"recorded time {when} is before the log's last event ({self.last_recorded})",
                               hint="the clock went backwards; record with the current time")
        if draft.exhibit in self.destroyed:
            raise InvalidInput(f"exhibit {draft.exhibit} was destroyed: no further custody events")
        prev = self.tips.get(draft.exhibit)
        if prev is None and draft.kind not in OPENING_KINDS:
            raise InvalidInput(f"exhibit {draft.exhibit} has no custody history yet: its first event must be "
                               f"a seizure or an intake, not {draft.kind}")
        event = make_event(draft, log=self.log, seq=self.size, recorded=when, prev=prev, key=key.key_id)
        return sign_event(event, key)

    def add(self, signed: SignedEvent) -> None:
        """Add an event made by ``event_for`` (or restored from a store) to the log."""
        event = signed.event
        if event.log != self.log or event.seq != self.size:
            raise InvalidInput(f"event {event.seq} of log {event.log} is not the next event of {self.log} "
                               f"(expected seq {self.size})")
        leaf = signed.leaf_hash
        self.frontier.append(leaf)
        self.last_recorded = event.recorded
        self.tips[event.exhibit] = Prev(seq=event.seq, leaf=leaf.hex())
        if event.kind == "destruction":
            self.destroyed.add(event.exhibit)

    def head(self, *, key: SigningKey, at: datetime) -> SignedHead:
        """A signed tree head over the whole log as it is now."""
        return sign_head(self.log, self.size, self.frontier.root(), at, key)

    def append(self, draft: EventDraft, *, key: SigningKey, head_key: SigningKey, recorded: datetime) -> Appended:
        """Sign ``draft`` as the next event with ``key``, add it, and sign the new head with ``head_key``."""
        signed = self.event_for(draft, key=key, recorded=recorded)
        self.add(signed)
        return Appended(signed, self.head(key=head_key, at=recorded))
