"""Mutual legal assistance and extradition requests for a caller: drafted from a request file about a case (the
legal basis, dual criminality and jurisdiction computed by the law engine), checked for completeness, moved
through their statuses (sending blocked until complete), printed or edited as documents, replies and returned
evidence recorded; the register of the agency's requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from palermo.cases import CaseStore
from palermo.cases.identity import Caller
from palermo.cases.register import Filed
from palermo.errors import InvalidInput
from palermo.law import Library
from palermo.mla import Missing, advance, check, read_request, render_docx, render_html
from palermo.model import ExhibitDraft

DocumentFormat = Literal["html", "docx"]


@dataclass(frozen=True)
class Requests:
    """Requests abroad, over the case store's register and the law library."""

    store: CaseStore
    library: Library

    def draft(self, caller: Caller, ref: str, text: str, source: str) -> Filed:
        """Draft a request about case ``ref`` from a request file (content and conduct; every problem named with
        its line and field) and keep it in the case's register as a draft."""
        return self.store.register.file(caller, ref, read_request(text, source, self.library))

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

    def register(self, caller: Caller, *, status: str | None = None, case: str | None = None) -> list[dict[str, Any]]:
        """The agency's register of requests, each with whether its deadline passed while it is open."""
        today = datetime.now(UTC).date()
        rows = self.store.register.listed(caller, status=status, case=case)
        return [{**r, "overdue": bool(r["deadline"] and r["status"] in ("sent", "acknowledged", "executed_in_part")
                                      and date.fromisoformat(r["deadline"]) < today)} for r in rows]


__all__ = ["DocumentFormat", "Filed", "Requests"]
