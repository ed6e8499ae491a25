"""Tracking a request: the statuses it takes and the changes the table of ``terms.TRANSITIONS`` allows, as pure
functions the case store calls (it records who made each change and when, in its audit log)."""

from __future__ import annotations

from datetime import date

from palermo.errors import Conflict, InvalidInput
from palermo.mla.checks import ready_to_send
from palermo.mla.request import Request, StatusChange
from palermo.mla.terms import STATUSES, TRANSITIONS, Status


def allowed(current: Status) -> tuple[Status, ...]:
    """The statuses a request may take next (none for executed, refused or withdrawn)."""
    return TRANSITIONS[current]


def advance(request: Request, status: str, on: date, note: str | None = None) -> Request:
    """The request with its status changed to ``status`` on ``on``; a change the table does not allow is refused
    (Conflict), and sending an incomplete request is refused naming every missing field (InvalidInput)."""
    if status not in STATUSES:
        raise InvalidInput(f"status: unknown status {status!r}", hint=f"one of: {', '.join(STATUSES)}")
    new = next(s for s in STATUSES if s == status)
    if new not in TRANSITIONS[request.status]:
        nexts = ", ".join(TRANSITIONS[request.status]) or "none: it is final"
        raise Conflict(f"status: a request that is {request.status} cannot become {new}", hint=f"next: {nexts}")
    if request.history and on < request.history[-1].on:
        raise InvalidInput(f"on: {on} is before the last change ({request.history[-1].on})")
    if new == "sent":
        ready_to_send(request)
    change = StatusChange(status=new, on=on, note=note)
    return request.model_copy(update={"status": new, "history": [*request.history, change]})


def sent_on(request: Request) -> date | None:
    """The day the request was sent, if it was."""
    return next((c.on for c in request.history if c.status == "sent"), None)


def overdue(request: Request, today: date) -> bool:
    """Is the deadline the request suggested past while the request is still open (sent, acknowledged or executed
    in part)?"""
    deadline = request.urgency.deadline
    return deadline is not None and today > deadline and request.status in ("sent", "acknowledged",
                                                                             "executed_in_part")
