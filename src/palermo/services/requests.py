"""Mutual legal assistance and extradition requests for a caller: drafted from a request file about a case (the
legal basis, dual criminality and jurisdiction computed by the law engine), checked for completeness, moved
through their statuses (sending blocked until complete), printed or edited as documents, replies and returned
evidence recorded; the register of the agency's requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from palermo.cases import CaseStore
from palermo.cases.facts import CaseFacts, with_matches
from palermo.cases.identity import Caller
from palermo.cases.register import Filed
from palermo.errors import InvalidInput, NotPermitted
from palermo.law import Library
from palermo.mla import Missing, advance, check, read_request, render_docx, render_html
from palermo.mla import Request as MlaRequest
from palermo.model import ExhibitDraft, OutboxEntry, file_name

DocumentFormat = Literal["html", "docx"]
MEDIA: dict[str, str] = {"html": "text/html; charset=utf-8",
                         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
"""The media type of each document format."""


@dataclass(frozen=True)
class Requests:
    """Requests abroad, over the case store's register and the law library."""

    store: CaseStore
    library: Library

    def draft(self, caller: Caller, ref: str, text: str, source: str) -> Filed:
        """Draft a request about case ``ref`` from a request file (content and conduct; every problem named with
        its line and field) and keep it in the case's register as a draft."""
        return self.store.register.file(caller, ref, read_request(text, source, self.library))

    def facts(self, caller: Caller, ref: str, *, linkage: str | None = None) -> CaseFacts:
        """What case ``ref``'s records say about the conduct and the persons concerned, each fact with where it came
        from, to start a request file with; with a revealed ``linkage`` of the case, the partner (its agency and
        state) and the persons it also holds, each with the partner's reference."""
        facts = self.store.facts.derive(caller, ref)
        if linkage is None:
            return facts
        run = self.store.linkages.get(caller, linkage)
        if run.case_reference != facts.case:
            raise InvalidInput(f"linkage: {linkage} is about case {run.case_reference}, not {facts.case}")
        if run.status != "revealed":
            raise InvalidInput(f"linkage: {linkage} is {run.status}; its matches are known once it is revealed")
        card = {p.agency: p for p in self.store.directory.partners(caller)}.get(run.partner)
        return with_matches(facts, run.partner, card.state if card else None,
                            {m["entity"]: m["partner_reference"] for m in run.matches})

    def get(self, caller: Caller, request_id: str) -> Filed:
        """One request with its findings, status history and replies."""
        return self.store.register.get(caller, request_id)

    def check(self, caller: Caller, request_id: str) -> list[Missing]:
        """What the request still lacks before it can be sent, each field named with why it matters."""
        return check(self.get(caller, request_id).request)

    def move(self, caller: Caller, request_id: str, status: str, *, note: str | None = None,
             on: date | None = None) -> Filed:
        """Move the request to ``status`` (sent only when complete; the table of statuses decides the rest)."""
        filed = self.get(caller, request_id)
        moved = advance(filed.request, status, on or datetime.now(UTC).date(), note)
        return self.store.register.replace(caller, request_id, filed.version, moved, f"request_{moved.status}",
                                           {"from": filed.request.status, "note": (note or "")[:300]})

    def document(self, caller: Caller, request_id: str, fmt: DocumentFormat = "html",
                 language: str | None = None) -> bytes:
        """The request as a printable HTML page or an editable DOCX, in ``language`` (default: the request's)."""
        request = self.get(caller, request_id).request
        if fmt == "docx":
            return render_docx(request, language)
        if fmt == "html":
            return render_html(request, language).encode("utf-8")
        raise InvalidInput(f"format: {fmt!r} is not html or docx")

    def reply(self, caller: Caller, request_id: str, received_on: date, summary: str,
              exhibit: ExhibitDraft | None = None) -> Filed:
        """Record a reply; returned evidence enters the case's evidence register with its custody."""
        if not summary.strip():
            raise InvalidInput("summary: say what the reply contains")
        return self.store.register.reply(caller, request_id, received_on, summary, exhibit)

    def send_abroad(self, caller: Caller, request_id: str, *, agreement: str, recipient: str,
                    purpose: str) -> OutboxEntry:
        """Prepare the request to travel through the exchange to ``recipient``, a partner in the requested state,
        under ``agreement``: only a complete request goes; its document (DOCX, persons by reference) is kept with
        the case's files, and a preview is made of what would leave — that file and the records of the persons it
        names, under the agreement's rules (consent, permitted properties). Nothing leaves before someone approves
        the preview; the request is marked as sent by its central authority once the bundle went."""
        filed = self.get(caller, request_id)
        request = filed.request
        self.store.outbox.may_send(caller, filed.case_reference)
        leaving = advance(request, "sent", datetime.now(UTC).date())  # a complete draft; as it reads once sent
        self._may_travel(caller, request, agreement, recipient, purpose)
        label = exchange_reference(filed)
        document = render_docx(leaving)
        name = file_name(f"request-{label}.docx", 120)
        ref = filed.case_reference
        stored = self.store.attachments.add(caller, ref, name, MEDIA["docx"], document)
        cited = self.store.facts.held(caller, ref, [p.ref for p in request.persons])
        return self.store.outbox.preview(caller, ref, agreement=agreement, recipient=recipient, purpose=purpose,
                                         entities=cited, reference=label, include=("attachments",),
                                         attachments=[stored.id])

    def _may_travel(self, caller: Caller, request: MlaRequest, agreement: str, recipient: str, purpose: str) -> None:
        """Refuse before anything is written: a recipient that is not a partner in the requested state, or an
        agreement not held, not letting it receive, or not for this purpose."""
        partner = {p.agency: p for p in self.store.directory.partners(caller)}.get(recipient)
        if partner is None:
            raise InvalidInput(f"recipient: {recipient!r} is not a partner agency", hint="import its card first")
        if partner.state[:2] != request.requested.state[:2]:
            raise InvalidInput(f"recipient: {recipient} is in {partner.state}; the request is addressed to "
                               f"{request.requested.state}")
        agreements = {a.id: a for a, _ in self.store.directory.agreements(caller)}
        held = agreements.get(agreement)
        if held is None:
            raise InvalidInput(f"agreement: {agreement!r} is not held",
                               hint="held: " + (", ".join(sorted(agreements)) or "none"))
        party = held.party(recipient)
        if party is None or not party.may_receive:
            raise InvalidInput(f"agreement: {agreement} does not let {recipient} receive")
        if purpose not in held.purposes:
            raise InvalidInput(f"purpose: {purpose!r} is not a purpose of {agreement}",
                               hint="one of: " + ", ".join(held.purposes))

    def exchanges(self, caller: Caller, request_id: str) -> list[OutboxEntry]:
        """The exchanges the request was prepared to travel in, newest first, with where each stands."""
        filed = self.get(caller, request_id)
        label = exchange_reference(filed)
        try:
            sent = self.store.outbox.list(caller, case=filed.case_reference)
        except NotPermitted:  # a reader who may not send from the case sees no exchange
            return []
        return [e for e in sent if e.reference == label]

    def register(self, caller: Caller, *, status: str | None = None, case: str | None = None) -> list[dict[str, Any]]:
        """The agency's register of requests, each with whether its deadline passed while it is open."""
        today = datetime.now(UTC).date()
        rows = self.store.register.listed(caller, status=status, case=case)
        return [{**r, "overdue": bool(r["deadline"] and r["status"] in ("sent", "acknowledged", "executed_in_part")
                                      and date.fromisoformat(r["deadline"]) < today)} for r in rows]


def exchange_reference(filed: Filed) -> str:
    """The reference an exchange carrying the request goes under: the request's own reference, else its ID."""
    return (filed.request.reference or filed.id)[:200]


__all__ = ["MEDIA", "DocumentFormat", "Filed", "Requests", "exchange_reference"]
