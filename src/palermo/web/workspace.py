"""HTML pages of the case workspace: login, case list, case page, entity page, search and the audit view.
Pages need a login session; every form carries the session's CSRF token."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.api.auth import SESSION_COOKIE, case_store, check_csrf, session_of
from palermo.api.cases import draft_of
from palermo.cases import attachments as files
from palermo.cases.entities import CASE_ROLES, LINK_SCHEMATA, editable
from palermo.cases.policy import Action, Actor
from palermo.cases.search import search as search_entities
from palermo.errors import InvalidInput, NotPermitted
from palermo.model import TimelineEvent
from palermo.web.app import render

router = APIRouter(include_in_schema=False)
PAGE = 50
KINDS: dict[str, tuple[str, str, dict[str, list[str]]]] = {
    "Person": ("Person", "name", {}),
    "Organization": ("Organization", "name", {}),
    "Company": ("Company", "name", {}),
    "Phone": ("UserAccount", "phone", {"service": ["phone"]}),
    "Email address": ("UserAccount", "email", {"service": ["email"]}),
    "Bank account": ("BankAccount", "accountNumber", {}),
    "Address": ("Address", "full", {}),
    "Passport": ("Passport", "number", {}),
    "Vehicle": ("Vehicle", "registrationNumber", {}),
}
"""What the 'add entity' form offers: label -> (FtM schema, property the value goes into, fixed properties)."""


class LoginRequired(Exception):
    """The page needs a logged-in user."""


def _session(request: Request) -> tuple[Actor, str]:
    found = session_of(request)
    if found is None:
        raise LoginRequired
    return found


def _page(request: Request, name: str, actor: Actor, csrf: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render(request, name, status=status, actor=actor, csrf=csrf, **context)


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/cases") -> HTMLResponse:
    """The login form."""
    return render(request, "login.html", next=next if next.startswith("/") else "/cases", failed=False)


@router.post("/login", response_model=None)
def login(request: Request, username: str = Form(...), password: str = Form(...),
          next: str = Form("/cases")) -> Response:
    """Check the password and open a session (cookie: HttpOnly, SameSite=Strict, Secure over HTTPS)."""
    cs = case_store(request)
    try:
        actor = cs.accounts.login(username, password)
    except NotPermitted:
        return render(request, "login.html", status=403, next=next, failed=True)
    session_id, _ = cs.accounts.open_session(actor, request.app.state.settings.session_hours)
    response = _back(next if next.startswith("/") and not next.startswith("//") else "/cases")
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict",
                        secure=request.app.state.settings.secure_cookies,
                        max_age=request.app.state.settings.session_hours * 3600)
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> RedirectResponse:
    """End the session."""
    _actor, expected = _session(request)
    check_csrf(expected, csrf)
    case_store(request).accounts.close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = _back("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request, status: str | None = None) -> HTMLResponse:
    """The cases the user can see, and the form to open one."""
    actor, csrf = _session(request)
    ws = case_store(request).workspace
    cases = ws.cases(actor, status=status or None, limit=200) if actor.may(Action.case_read) else []
    return _page(request, "cases.html", actor, csrf, cases=cases)


@router.post("/cases")
def create_case(request: Request, csrf: str = Form(""), reference: str = Form(...), title: str = Form(...),
                summary: str = Form(""), jurisdictions: str = Form(""), handling: str = Form("named")) -> RedirectResponse:
    """Open a case from the form."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    draft = draft_of({"reference": reference.strip(), "title": title.strip(), "summary": summary,
                      "jurisdictions": [c.strip().upper() for c in jurisdictions.split(",") if c.strip()],
                      "offences": ["core_trafficking"], "handling": handling})
    case = case_store(request).workspace.create_case(actor, draft)
    return _back(f"/cases/{quote(case.reference, safe='')}")


@router.get("/cases/{ref}", response_class=HTMLResponse)
def case_page(request: Request, ref: str, schema: str | None = None, role: str | None = None,
              page: int = 1) -> HTMLResponse:
    """A case: its entities (filterable, paged), timeline, notes, attachments and the forms to add to it."""
    actor, csrf = _session(request)
    ws = case_store(request).workspace
    case = ws.case(actor, ref)
    page = max(page, 1)
    entities, total = ws.entities(actor, ref, schema=schema or None, role=role or None, limit=PAGE,
                                  offset=(page - 1) * PAGE)
    choices, _ = ws.entities(actor, ref, limit=500)
    return _page(request, "case.html", actor, csrf, case=case, entities=entities, total=total, page=page,
                 pages=max(1, -(-total // PAGE)), schema=schema or "", role=role or "", choices=choices,
                 timeline=ws.timeline(actor, ref), notes=ws.notes(actor, ref),
                 attachments=files.attachments(ws, actor, ref), kinds=list(KINDS), roles=CASE_ROLES,
                 links=LINK_SCHEMATA, can_write=actor.may(Action.entity_write) and case.access != "read",
                 can_share=actor.may(Action.case_share) and case.access == "owner" and case.handling != "owner")


@router.post("/cases/{ref}/entities")
def add_entity(request: Request, ref: str, csrf: str = Form(""), kind: str = Form(...), value: str = Form(...),
               country: str = Form(""), role: str = Form("")) -> RedirectResponse:
    """Add an entity from the simple form (a kind and its main value)."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    if kind not in KINDS:
        raise InvalidInput(f"kind: unknown kind {kind!r}", hint="one of: " + ", ".join(KINDS))
    schema, prop, fixed = KINDS[kind]
    props: dict[str, list[str]] = {prop: [value.strip()], **fixed}
    if prop != "name" and schema in ("UserAccount", "Vehicle"):
        props["name"] = [value.strip()]
    if country.strip():
        props["country"] = [country.strip().lower()]
    data = {"id": secrets.token_hex(12), "schema": schema, "properties": props}
    ws = case_store(request).workspace
    ws.add_entity(actor, ref, data, role=role or None, source="web form")  # type: ignore[arg-type]
    return _back(f"/cases/{quote(ref, safe='')}")


@router.post("/cases/{ref}/links")
def add_link(request: Request, ref: str, csrf: str = Form(""), relation: str = Form("UnknownLink"),
             source: str = Form(...), target: str = Form(...), description: str = Form("")) -> RedirectResponse:
    """Link two entities of the case."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    props = {"role": [description.strip()]} if description.strip() and relation == "UnknownLink" else {}
    case_store(request).workspace.link(actor, ref, relation, source, target, props)
    return _back(f"/cases/{quote(ref, safe='')}")


@router.post("/cases/{ref}/members")
def share(request: Request, ref: str, csrf: str = Form(""), target: str = Form(...),
          access: str = Form("read")) -> RedirectResponse:
    """Share the case with an agency (its id) or a named user (their username), as the handling code allows."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    cs = case_store(request)
    target = target.strip()
    is_agency = any(a["id"] == target for a in cs.accounts.agencies())
    cs.workspace.share(actor, ref, agency_id=target if is_agency else None, username=None if is_agency else target,
                       access="write" if access == "write" else "read")
    return _back(f"/cases/{quote(ref, safe='')}")


@router.post("/cases/{ref}/entities/{entity_id}/roles")
def add_role(request: Request, ref: str, entity_id: str, csrf: str = Form(""), role: str = Form(...)) -> RedirectResponse:
    """Give an entity a role in the case."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    if role not in CASE_ROLES:
        raise InvalidInput(f"role: unknown case role {role!r}", hint="one of: " + ", ".join(CASE_ROLES))
    case_store(request).workspace.set_role(actor, ref, entity_id, role)  # type: ignore[arg-type]
    return _back(f"/cases/{quote(ref, safe='')}/entities/{quote(entity_id, safe='')}")


@router.post("/cases/{ref}/entities/{entity_id}/values")
def add_value(request: Request, ref: str, entity_id: str, csrf: str = Form(""), version: int = Form(...),
              prop: str = Form(...), value: str = Form(...)) -> RedirectResponse:
    """Add a value to one property of an entity; refused with a conflict if it changed since the page was loaded."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    ws = case_store(request).workspace
    current = ws.entity(actor, ref, entity_id)
    if current.protected:
        raise InvalidInput("a protected person's identity is edited through the API with their revealed record")
    properties = {k: list(v) for k, v in current.properties.items()}
    properties.setdefault(prop, []).append(value.strip())
    ws.update_entity(actor, ref, entity_id, version, properties)
    return _back(f"/cases/{quote(ref, safe='')}/entities/{quote(entity_id, safe='')}")


@router.post("/cases/{ref}/notes")
def add_note(request: Request, ref: str, csrf: str = Form(""), body: str = Form(...)) -> RedirectResponse:
    """Add a note."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    case_store(request).workspace.add_note(actor, ref, body)
    return _back(f"/cases/{quote(ref, safe='')}#notes")


@router.post("/cases/{ref}/events")
def add_event(request: Request, ref: str, csrf: str = Form(""), date: str = Form(...),
              summary: str = Form(...)) -> RedirectResponse:
    """Add a timeline event."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    try:
        event = TimelineEvent(date=date.strip(), summary=summary.strip())
    except ValidationError:
        raise InvalidInput("date: give YYYY, YYYY-MM or YYYY-MM-DD, and a summary of what happened") from None
    case_store(request).workspace.add_event(actor, ref, event)
    return _back(f"/cases/{quote(ref, safe='')}#timeline")


@router.post("/cases/{ref}/attachments")
def upload(request: Request, ref: str, csrf: str = Form(""), file: UploadFile = File(...)) -> RedirectResponse:
    """Attach a file."""
    actor, expected = _session(request)
    check_csrf(expected, csrf)
    ws = case_store(request).workspace
    files.attach(ws, actor, ref, file.filename or "", file.content_type or "", file.file.read(ws.max_upload + 1))
    return _back(f"/cases/{quote(ref, safe='')}#attachments")


@router.get("/cases/{ref}/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, ref: str, entity_id: str, reason: str | None = None) -> HTMLResponse:
    """An entity: properties, roles, provenance and the entities linked to it. A protected person's identity is
    shown only after the user gives a reason (audited)."""
    actor, csrf = _session(request)
    ws = case_store(request).workspace
    case = ws.case(actor, ref)
    entity = ws.entity(actor, ref, entity_id, reveal_reason=reason)
    related, captions = ws.linked(actor, ref, entity_id)
    return _page(request, "entity.html", actor, csrf, case=case, entity=entity, related=related, captions=captions,
                 can_reveal=actor.may(Action.protected_read), roles=CASE_ROLES, editable=editable(entity.schema_),
                 can_write=actor.may(Action.entity_write) and case.access != "read")


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", schema: str = "", role: str = "") -> HTMLResponse:
    """Full-text search over entity names and notes."""
    actor, csrf = _session(request)
    hits = search_entities(case_store(request).workspace, actor, q, schema=schema or None,
                           role=role or None) if q.strip() else []
    return _page(request, "search.html", actor, csrf, q=q, hits=hits, schema=schema, role=role, roles=CASE_ROLES)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, case: str = "", action: str = "") -> HTMLResponse:
    """The audit trail (auditors)."""
    actor, csrf = _session(request)
    records = case_store(request).workspace.audit_trail(actor, case_id=case or None, action=action or None, limit=500)
    return _page(request, "audit.html", actor, csrf, records=records, case=case, action=action)
