"""Cross-border exchange for a caller: the agreements and partners the agency holds, the outbox (preview, approval,
sealing, and the push of the sealed bundle to the partner installation's inbox over HTTPS), the inbox (bundles
pushed by partners or carried as files), retention, and joint investigation team spaces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from palermo.cases import CaseStore
from palermo.cases.directory import Directory
from palermo.cases.identity import Caller
from palermo.cases.inbox import Inbox, inbox_actor
from palermo.cases.outbox import Outbox
from palermo.cases.teams import Teams
from palermo.errors import NotFound
from palermo.model import InboxEntry, OutboxEntry

PUSH_TIMEOUT = 60.0
"""Seconds a partner's inbox has to take a bundle and answer."""


@dataclass(frozen=True)
class Origin:
    """Where a case received from abroad came from, and its handling code in words."""

    entry: InboxEntry
    handling: list[str]


@dataclass(frozen=True)
class Exchange:
    """Exchange with partners abroad, over the case store."""

    store: CaseStore
    timeout: float = PUSH_TIMEOUT

    @property
    def directory(self) -> Directory:
        return self.store.directory

    @property
    def outbox(self) -> Outbox:
        return self.store.outbox

    @property
    def inbox(self) -> Inbox:
        return self.store.inbox

    @property
    def teams(self) -> Teams:
        return self.store.teams

    def send(self, caller: Caller, entry_id: str, *, push: bool = True) -> tuple[OutboxEntry, bytes]:
        """Seal an approved exchange and, when the partner has an inbox and ``push``, deliver it there; the
        outcome (delivered, or failed with the partner's answer) is recorded. Returns the entry and the bundle,
        which can also be carried as a file."""
        entry, bundle = self.outbox.seal(caller, entry_id)
        if not push:
            return entry, bundle
        partner = next((p for p in self.directory.partners(caller) if p.agency == entry.recipient), None)
        if partner is None or not partner.inbox:
            return entry, bundle
        error = self._push(partner.inbox, bundle)
        return self.outbox.sent(caller, entry_id, error=error), bundle

    def _push(self, url: str, bundle: bytes) -> str | None:
        """POST the bundle to the inbox; None when it was taken, otherwise what went wrong (no content echoed)."""
        try:
            answer = httpx.post(url, content=bundle, timeout=self.timeout,
                                headers={"content-type": "application/octet-stream"})
        except httpx.HTTPError as exc:
            return f"the partner's inbox {url} could not be reached: {type(exc).__name__}"
        if answer.status_code in (200, 201):
            return None
        try:
            detail = str(answer.json().get("detail", ""))[:500]
        except ValueError:
            detail = ""
        return f"the partner's inbox refused the bundle (HTTP {answer.status_code}){': ' + detail if detail else ''}"

    def received(self, caller: Caller, ref: str) -> Origin | None:
        """For a case received from abroad: the bundle it came from and the handling code in words (from the
        agreement held, when it is still the text the bundle came under); None for the agency's own cases."""
        entry = self.inbox.origin(caller, ref)
        if entry is None:
            return None
        try:
            agreement, _ = self.directory.agreement(caller, entry.agreement)
        except NotFound:
            agreement = None
        if agreement is not None and agreement.digest == entry.agreement_sha256:
            return Origin(entry, agreement.handling.explain())
        return Origin(entry, [f"handling code {entry.handling} (the agreement's text it came under is no longer "
                              "held here)"])

    def receive_push(self, agency_id: str, bundle: bytes) -> InboxEntry:
        """A bundle pushed by a partner to an agency's inbox: checked whole (its signature is its credential),
        then imported; a refusal writes nothing but its audit record."""
        self._agency(agency_id)
        return self.inbox.receive(inbox_actor(agency_id), bundle, via="push")

    def expire_all(self, at: datetime | None = None) -> list[str]:
        """Delete, in every agency, what was received and whose retention ended (at start-up and on request)."""
        emptied: list[str] = []
        for agency in self._agencies():
            emptied += self.inbox.expire(inbox_actor(agency), at=at)
        return emptied

    def _agencies(self) -> Sequence[str]:
        return [a["id"] for a in self.store.accounts.agencies()]

    def _agency(self, agency_id: str) -> None:
        if agency_id not in self._agencies():
            raise NotFound(f"no agency {agency_id!r} receives bundles here")
