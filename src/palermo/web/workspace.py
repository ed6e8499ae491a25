"""HTML pages of the case workspace: login, case list, case page, entity page, search and the audit view.
Pages need a login session; every form is checked against the session's CSRF token (see `web.session`)."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from palermo.api.deps import Address, Svc
from palermo.cases.policy import Action
from palermo.errors import InvalidInput, NotAuthenticated, TooManyAttempts
from palermo.ftm import LINK_SCHEMATA, editable
from palermo.model import CASE_ROLES, CaseDraft, CaseRole, TimelineEvent, invalid
from palermo.web.session import COOKIE, Posted, SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
PAGE = 50
AUDIT_PAGE = 200
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


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _case_url(ref: str, anchor: str = "") -> str:
    return f"/cases/{quote(ref, safe='')}" + (f"#{anchor}" if anchor else "")


def _entity_url(ref: str, entity_id: str) -> str:
    return f"{_case_url(ref)}/entities/{quote(entity_id, safe='')}"


def _role(value: str) -> CaseRole:
    if value not in CASE_ROLES:
        raise InvalidInput(f"role: unknown case role {value!r}", hint="one of: " + ", ".join(CASE_ROLES))
    return value


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/home"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/home") -> HTMLResponse:
    """The login form."""
    return render(request, "login.html", next=_safe_next(next), failed=None)


@router.post("/login", response_model=None)
def login(request: Request, svc: Svc, address: Address, username: str = Form(...), password: str = Form(...),
          next: str = Form("/home")) -> Response:
    """Check the password and open a session (cookie: HttpOnly, SameSite=Strict, Secure over HTTPS). Failures are
    recorded and throttled per user and per address."""
    try:
        actor = svc.accounts.login(username, password, address)
    except (NotAuthenticated, TooManyAttempts) as exc:
        return render(request, "login.html", status=exc.status, next=_safe_next(next), failed=exc.message,
                      username=username)
    settings = request.app.state.settings
    session_id, _ = svc.accounts.open_session(actor, settings.session_hours)
    response = _back(_safe_next(next))
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", secure=settings.secure_cookies,
                        max_age=settings.session_hours * 3600)
    return response


@router.post("/logout")
def logout(session: Posted, svc: Svc) -> RedirectResponse:
    """End the session."""
    svc.accounts.close_session(session.id)
    response = _back("/login")
    response.delete_cookie(COOKIE)
    return response


@router.get("/cases", response_class=HTMLResponse)
def case_list(request: Request, session: SignedIn, svc: Svc, status: str | None = None) -> HTMLResponse:
    """The cases the user can see, and the form to open one."""
    actor = session.actor
    cases = svc.cases.list(actor, status=status or None, limit=200) if actor.may(Action.case_read) else []
    return render(request, "cases.html", cases=cases)


@router.post("/cases")
def create_case(session: Posted, svc: Svc, reference: str = Form(...), title: str = Form(...),
                summary: str = Form(""), jurisdictions: str = Form(""), handling: str = Form("named")
                ) -> RedirectResponse:
    """Open a case from the form."""
    try:
        draft = CaseDraft.model_validate({
            "reference": reference.strip(), "title": title.strip(), "summary": summary, "handling": handling,
            "jurisdictions": [c.strip().upper() for c in jurisdictions.split(",") if c.strip()],
            "offences": ["core_trafficking"]})
    except ValidationError as exc:
        raise invalid(exc) from None
    case = svc.cases.create(session.actor, draft)
    return _back(_case_url(case.reference))


@router.get("/cases/{ref}", response_class=HTMLResponse)
def case_page(request: Request, ref: str, session: SignedIn, svc: Svc, schema: str | None = None,
              role: str | None = None, page: int = 1) -> HTMLResponse:
    """A case: its entities (filterable, paged), timeline, notes, attachments and the forms to add to it."""
    actor = session.actor
    case = svc.cases.get(actor, ref)
    page = min(max(page, 1), 2000)
    entities = svc.entities.page(actor, ref, schema=schema or None, role=role or None, limit=PAGE,
                                 offset=(page - 1) * PAGE)
    choices = svc.entities.page(actor, ref, limit=500).items
    return render(request, "case.html", case=case, entities=entities.items, total=entities.total, page=page,
                  pages=max(1, -(-entities.total // PAGE)), schema=schema or "", role=role or "", choices=choices,
                  timeline=svc.timeline.list(actor, ref), notes=svc.notes.list(actor, ref),
                  attachments=svc.attachments.list(actor, ref), kinds=list(KINDS), roles=CASE_ROLES,
                  links=LINK_SCHEMATA, can_write=actor.may(Action.entity_write) and case.access != "read",
                  can_share=actor.may(Action.case_share) and case.access == "owner" and case.handling != "owner",
                  received=svc.exchange.received(actor, ref))


@router.post("/cases/{ref}/entities")
def add_entity(ref: str, session: Posted, svc: Svc, kind: str = Form(...), value: str = Form(...),
               country: str = Form(""), role: str = Form("")) -> RedirectResponse:
    """Add an entity from the simple form (a kind and its main value)."""
    if kind not in KINDS:
        raise InvalidInput(f"kind: unknown kind {kind!r}", hint="one of: " + ", ".join(KINDS))
    schema, prop, fixed = KINDS[kind]
    props: dict[str, list[str]] = {prop: [value.strip()], **fixed}
    if prop != "name" and schema in ("UserAccount", "Vehicle"):
        props["name"] = [value.strip()]
    if country.strip():
        props["country"] = [country.strip().lower()]
    data = {"id": secrets.token_hex(12), "schema": schema, "properties": props}
    svc.entities.add(session.actor, ref, data, role=_role(role) if role else None, source="web form")
    return _back(_case_url(ref))


@router.post("/cases/{ref}/links")
def add_link(ref: str, session: Posted, svc: Svc, relation: str = Form("UnknownLink"), source: str = Form(...),
             target: str = Form(...), description: str = Form("")) -> RedirectResponse:
    """Link two entities of the case."""
    props = {"role": [description.strip()]} if description.strip() and relation == "UnknownLink" else {}
    svc.entities.link(session.actor, ref, relation, source, target, props)
    return _back(_case_url(ref))


@router.post("/cases/{ref}/members")
def share(ref: str, session: Posted, svc: Svc, target: str = Form(...), access: str = Form("read")
          ) -> RedirectResponse:
    """Share the case with an agency (its id) or a named user (their username), as the handling code allows."""
    target = target.strip()
    is_agency = any(a["id"] == target for a in svc.accounts.agencies(session.actor))
    svc.cases.share(session.actor, ref, agency_id=target if is_agency else None,
                    username=None if is_agency else target, access="write" if access == "write" else "read")
    return _back(_case_url(ref))


@router.post("/cases/{ref}/entities/{entity_id}/roles")
def add_role(ref: str, entity_id: str, session: Posted, svc: Svc, role: str = Form(...)) -> RedirectResponse:
    """Give an entity a role in the case."""
    svc.entities.set_role(session.actor, ref, entity_id, _role(role))
    return _back(_entity_url(ref, entity_id))


@router.post("/cases/{ref}/entities/{entity_id}/values")
def add_value(ref: str, entity_id: str, session: Posted, svc: Svc, version: int = Form(...),
              prop: str = Form(...), value: str = Form(...)) -> RedirectResponse:
    """Add a value to one property of an entity; refused with a conflict if it changed since the page was loaded."""
    current = svc.entities.get(session.actor, ref, entity_id)
    if current.protected:
        raise InvalidInput("a protected person's identity is edited through the API with their revealed record")
    properties = {k: list(v) for k, v in current.properties.items()}
    properties.setdefault(prop, []).append(value.strip())
    svc.entities.update(session.actor, ref, entity_id, version, properties)
    return _back(_entity_url(ref, entity_id))


@router.post("/cases/{ref}/notes")
def add_note(ref: str, session: Posted, svc: Svc, body: str = Form(...)) -> RedirectResponse:
    """Add a note."""
    svc.notes.add(session.actor, ref, body)
    return _back(_case_url(ref, "notes"))


@router.post("/cases/{ref}/events")
def add_event(ref: str, session: Posted, svc: Svc, date: str = Form(...), summary: str = Form(...)
              ) -> RedirectResponse:
    """Add a timeline event."""
    try:
        event = TimelineEvent(date=date.strip(), summary=summary.strip())
    except ValidationError:
        raise InvalidInput("date: give YYYY, YYYY-MM or YYYY-MM-DD, and a summary of what happened") from None
    svc.timeline.add(session.actor, ref, event)
    return _back(_case_url(ref, "timeline"))


@router.post("/cases/{ref}/attachments")
def upload(ref: str, session: Posted, svc: Svc, file: UploadFile = File(...)) -> RedirectResponse:
    """Attach a file."""
    data = file.file.read(svc.attachments.max_upload + 1)
    svc.attachments.add(session.actor, ref, file.filename or "", file.content_type or "", data)
    return _back(_case_url(ref, "attachments"))


def _entity_page(request: Request, session: SignedIn, svc: Svc, ref: str, entity_id: str,
                 reason: str | None = None) -> HTMLResponse:
    actor = session.actor
    case = svc.cases.get(actor, ref)
    entity = (svc.entities.reveal(actor, ref, entity_id, reason) if reason is not None
              else svc.entities.get(actor, ref, entity_id))
    related, captions = svc.entities.linked(actor, ref, entity_id)
    return render(request, "entity.html", case=case, entity=entity, related=related, captions=captions,
                  can_reveal=actor.may(Action.protected_read), roles=CASE_ROLES, editable=editable(entity.schema_),
                  can_write=actor.may(Action.entity_write) and case.access != "read")


@router.get("/cases/{ref}/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, ref: str, entity_id: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """An entity: properties, roles, provenance and the entities linked to it (a protected person by pseudonym)."""
    return _entity_page(request, session, svc, ref, entity_id)


@router.post("/cases/{ref}/entities/{entity_id}/reveal", response_class=HTMLResponse)
def reveal(request: Request, ref: str, entity_id: str, session: Posted, svc: Svc,
           reason: str = Form(...)) -> HTMLResponse:
    """A protected person's identity, shown once after the user gives a reason (sent in the form body, never in
    the address, and recorded in the audit trail)."""
    response = _entity_page(request, session, svc, ref, entity_id, reason)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, session: SignedIn, svc: Svc, q: str = "", schema: str = "", role: str = ""
                ) -> HTMLResponse:
    """Full-text search over entity names and notes."""
    hits = svc.search.find(session.actor, q, schema=schema or None, role=role or None) if q.strip() else []
    return render(request, "search.html", q=q, hits=hits, schema=schema, role=role, roles=CASE_ROLES)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SignedIn, svc: Svc, case: str = "", action: str = "",
               before: int | None = None) -> HTMLResponse:
    """The audit trail (auditors), newest first, a page at a time."""
    records = svc.audit.read(session.actor, case=case or None, action=action or None, limit=AUDIT_PAGE,
                             before=before)
    older = records[-1]["id"] if len(records) == AUDIT_PAGE else None
    return render(request, "audit.html", records=records, case=case, action=action, older=older,
                  newest=before is None)
