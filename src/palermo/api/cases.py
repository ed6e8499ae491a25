"""/api/cases and friends: the case workspace over HTTP. Every route acts for the token's user through the
same workspace functions the CLI and the pages call; the policy module decides, the database enforces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from palermo.api.auth import ApiActor, Cases
from palermo.cases import attachments as files
from palermo.cases import audit
from palermo.cases.policy import Action, decide
from palermo.cases.search import search as search_entities
from palermo.errors import InvalidInput
from palermo.law.schema import OffenceRole
from palermo.model import (
    Attachment,
    Case,
    CaseDraft,
    CaseRole,
    Entity,
    ImportReport,
    Note,
    SearchHit,
    TimelineEvent,
    invalid,
)

router = APIRouter(prefix="/api", tags=["cases"])
OFFENCE_KINDS = tuple(k for k in get_args(OffenceRole) if k not in ("definition", "extraterritoriality"))
NDJSON = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/plain")
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_offences(offences: list[str]) -> None:
    """Offences are the law engine's offence kinds."""
    for key in offences:
        if key not in OFFENCE_KINDS:
            raise InvalidInput(f"offences: unknown offence kind {key!r}", hint="one of: " + ", ".join(OFFENCE_KINDS))


def draft_of(data: dict[str, Any]) -> CaseDraft:
    """A validated case draft; errors name the field."""
    try:
        draft = CaseDraft.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None
    check_offences(draft.offences)
    return draft


class TokenRequest(Strict):
    username: str
    password: str
    label: str = "api"
    days: int = Field(default=30, ge=1, le=366)


class CaseChange(Strict):
    version: int
    changes: dict[str, Any]


class Share(Strict):
    agency: str | None = None
    username: str | None = None
    access: Literal["read", "write"] = "read"


class NewEntity(Strict):
    entity: dict[str, Any] = Field(description="an FtM entity: id, schema, properties")
    role: CaseRole | None = None


class EntityChange(Strict):
    version: int
    properties: dict[str, list[str]]


class RoleRequest(Strict):
    role: CaseRole


class LinkRequest(Strict):
    schema_: str = Field(alias="schema")
    source: str
    target: str
    properties: dict[str, list[str]] = {}


class NoteRequest(Strict):
    body: str
    entity_id: str | None = None


class NewUser(Strict):
    username: str
    roles: list[str]
    display_name: str = ""


class Page(BaseModel):
    items: list[Any]
    total: int | None = None
    limit: int
    offset: int


class EntityPage(Page):
    items: list[Entity]


def json_of(model: BaseModel) -> Response:
    """A model serialised once, by pydantic-core, with its aliases (skips FastAPI's second validation pass)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


# ---------------------------------------------------------------------- auth and directory


@router.post("/auth/token", tags=["auth"])
def issue_token(body: TokenRequest, cs: Cases) -> dict[str, str]:
    """Exchange a username and password for an API token (shown once; stored hashed)."""
    actor = cs.accounts.login(body.username, body.password)
    return {"token": cs.accounts.issue_token(actor, body.label, body.days), "token_type": "bearer"}


@router.delete("/auth/token", tags=["auth"])
def revoke_tokens(actor: ApiActor, cs: Cases, label: str | None = None) -> dict[str, int]:
    """Revoke the caller's tokens (all, or those with a label)."""
    return {"revoked": cs.accounts.revoke_tokens(actor, label)}


@router.get("/agencies", tags=["auth"])
def list_agencies(actor: ApiActor, cs: Cases) -> list[dict[str, Any]]:
    """The agencies of this deployment (a directory to share cases with)."""
    return cs.accounts.agencies()


@router.get("/users", tags=["auth"])
def list_users(actor: ApiActor, cs: Cases) -> list[dict[str, Any]]:
    """The users of the caller's agency (administrators)."""
    decide(actor, Action.users_manage)
    return [u.__dict__ for u in cs.accounts.users(actor.agency_id)]


@router.post("/users", tags=["auth"], status_code=201)
def add_user(body: NewUser, actor: ApiActor, cs: Cases) -> dict[str, Any]:
    """Create a user in the caller's agency (administrators); the generated password is shown once."""
    user, password = cs.accounts.add_user(body.username, actor.agency_id, body.roles,
                                          display_name=body.display_name, by=actor)
    return {**user.__dict__, "password": password}


# ---------------------------------------------------------------------- cases


@router.get("/cases")
def list_cases(actor: ApiActor, cs: Cases, status: Literal["open", "suspended", "closed"] | None = None,
               limit: Limit = 50, offset: Offset = 0) -> Page:
    """The cases the caller can see, newest first."""
    return Page(items=cs.workspace.cases(actor, status=status, limit=limit, offset=offset), limit=limit, offset=offset)


@router.post("/cases", status_code=201)
def create_case(body: dict[str, Any], actor: ApiActor, cs: Cases) -> Case:
    """Open a case owned by the caller's agency."""
    return cs.workspace.create_case(actor, draft_of(body))


@router.get("/cases/{ref}")
def show_case(ref: str, actor: ApiActor, cs: Cases) -> Case:
    """One case, by ID or reference."""
    return cs.workspace.case(actor, ref)


@router.patch("/cases/{ref}")
def change_case(ref: str, body: CaseChange, actor: ApiActor, cs: Cases) -> Case:
    """Change a case (optimistic locking: send the version you read; 409 if it changed since)."""
    if "offences" in body.changes:
        check_offences(list(body.changes["offences"]))
    return cs.workspace.update_case(actor, ref, body.version, body.changes)


@router.post("/cases/{ref}/members", status_code=201)
def share_case(ref: str, body: Share, actor: ApiActor, cs: Cases) -> dict[str, str]:
    """Share a case with another agency or a named user, as its handling code allows."""
    cs.workspace.share(actor, ref, agency_id=body.agency, username=body.username, access=body.access)
    return {"shared": body.agency or body.username or "", "access": body.access}


# ---------------------------------------------------------------------- entities


@router.get("/cases/{ref}/entities", response_model=EntityPage)
def list_entities(ref: str, actor: ApiActor, cs: Cases, schema: str | None = None, role: CaseRole | None = None,
                  country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None, limit: Limit = 50,
                  offset: Offset = 0) -> Response:
    """A page of the case's entities, filtered by FtM schema, case role and country."""
    items, total = cs.workspace.entities(actor, ref, schema=schema, role=role, country=country, limit=limit,
                                         offset=offset)
    return json_of(EntityPage(items=items, total=total, limit=limit, offset=offset))


@router.post("/cases/{ref}/entities", status_code=201)
def add_entity(ref: str, body: NewEntity, actor: ApiActor, cs: Cases) -> dict[str, Any]:
    """Add an FtM entity to the case, with its role (a victim's identity is sealed at rest)."""
    return cs.workspace.add_entity(actor, ref, body.entity, role=body.role, source="api").model_dump(by_alias=True)


@router.get("/cases/{ref}/entities/{entity_id}")
def show_entity(ref: str, entity_id: str, actor: ApiActor, cs: Cases,
                reveal_reason: str | None = None) -> dict[str, Any]:
    """One entity; a protected person's identity only with `reveal_reason` (audited)."""
    return cs.workspace.entity(actor, ref, entity_id, reveal_reason=reveal_reason).model_dump(by_alias=True)


@router.put("/cases/{ref}/entities/{entity_id}")
def change_entity(ref: str, entity_id: str, body: EntityChange, actor: ApiActor, cs: Cases) -> dict[str, Any]:
    """Replace an entity's properties (send the version you read; 409 if someone changed it since)."""
    return cs.workspace.update_entity(actor, ref, entity_id, body.version, body.properties).model_dump(by_alias=True)


@router.post("/cases/{ref}/entities/{entity_id}/roles")
def add_role(ref: str, entity_id: str, body: RoleRequest, actor: ApiActor, cs: Cases) -> dict[str, Any]:
    """Give an entity a role in the case (suspect, victim, witness, associate)."""
    return cs.workspace.set_role(actor, ref, entity_id, body.role).model_dump(by_alias=True)


@router.post("/cases/{ref}/links", status_code=201)
def add_link(ref: str, body: LinkRequest, actor: ApiActor, cs: Cases) -> dict[str, Any]:
    """Link two entities of the case with an FtM relationship."""
    return cs.workspace.link(actor, ref, body.schema_, body.source, body.target, body.properties).model_dump(by_alias=True)


@router.post("/cases/{ref}/import")
async def import_entities(ref: str, request: Request, actor: ApiActor, cs: Cases) -> ImportReport:
    """Import FtM JSON lines (body, application/x-ndjson); all lines are validated before anything is written."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in NDJSON:
        raise InvalidInput(f"content-type: {media or 'none'!r} is not FtM JSON lines",
                           hint="send application/x-ndjson; larger files: `palermo cases import`")
    limit = cs.workspace.max_upload
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise InvalidInput(f"body: over the upload limit of {limit:,} bytes",
                               hint="import large files with `palermo cases import`")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("body: not UTF-8 text") from None
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(cs.workspace.import_entities, actor, ref, text.splitlines(), source="api upload")


@router.get("/cases/{ref}/export")
def export_entities(ref: str, actor: ApiActor, cs: Cases) -> StreamingResponse:
    """The case's entities as FtM JSON lines (protected persons by pseudonym)."""
    rows = cs.workspace.export_entities(actor, ref)
    first = next(rows, None)  # run the permission check before the response starts

    def lines() -> Iterator[str]:
        if first is not None:
            yield json.dumps(first, ensure_ascii=False) + "\n"
        for item in rows:
            yield json.dumps(item, ensure_ascii=False) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


# ---------------------------------------------------------------------- notes, timeline, attachments


@router.get("/cases/{ref}/notes")
def list_notes(ref: str, actor: ApiActor, cs: Cases) -> list[Note]:
    """The case's notes."""
    return cs.workspace.notes(actor, ref)


@router.post("/cases/{ref}/notes", status_code=201)
def add_note(ref: str, body: NoteRequest, actor: ApiActor, cs: Cases) -> Note:
    """Add a note to the case or one of its entities."""
    return cs.workspace.add_note(actor, ref, body.body, body.entity_id)


@router.get("/cases/{ref}/timeline")
def timeline(ref: str, actor: ApiActor, cs: Cases) -> list[TimelineEvent]:
    """The case's events and dated entities in date order."""
    return cs.workspace.timeline(actor, ref)


@router.post("/cases/{ref}/timeline", status_code=201)
def add_event(ref: str, body: TimelineEvent, actor: ApiActor, cs: Cases) -> TimelineEvent:
    """Put a dated event on the timeline."""
    cs.workspace.add_event(actor, ref, body)
    return body


@router.get("/cases/{ref}/attachments")
def list_attachments(ref: str, actor: ApiActor, cs: Cases) -> list[Attachment]:
    """The case's attachments."""
    return files.attachments(cs.workspace, actor, ref)


@router.post("/cases/{ref}/attachments", status_code=201)
def upload(ref: str, actor: ApiActor, cs: Cases, file: UploadFile = File(...)) -> Attachment:
    """Attach a file (multipart); size and content type are checked before anything is stored."""
    data = file.file.read(cs.workspace.max_upload + 1)
    return files.attach(cs.workspace, actor, ref, file.filename or "", file.content_type or "", data)


@router.get("/cases/{ref}/attachments/{attachment_id}")
def download(ref: str, attachment_id: int, actor: ApiActor, cs: Cases) -> Response:
    """An attachment's content, verified against its SHA-256."""
    att, data = files.content(cs.workspace, actor, ref, attachment_id)
    return Response(data, media_type=att.media_type, headers={
        "content-disposition": f'attachment; filename="{att.filename}"', "x-content-sha256": att.sha256})


# ---------------------------------------------------------------------- search and audit


@router.get("/search")
def search(q: str, actor: ApiActor, cs: Cases, schema: str | None = None, role: CaseRole | None = None,
           country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
           limit: Limit = 50) -> list[SearchHit]:
    """Full-text search over entity names and notes in the cases the caller can see."""
    return search_entities(cs.workspace, actor, q, schema=schema, role=role, country=country, limit=limit)


@router.get("/audit", tags=["audit"], response_model=None)
def audit_trail(actor: ApiActor, cs: Cases, case: str | None = None, action: str | None = None,
                format: Literal["json", "csv"] = "json", limit: Annotated[int, Query(ge=1, le=10000)] = 100,
                offset: Offset = 0) -> Page | PlainTextResponse:
    """The audit trail (auditors): who did what, when, on which case, and why where a reason was required."""
    records = cs.workspace.audit_trail(actor, case_id=case, action=action, limit=limit, offset=offset)
    if format == "csv":
        return PlainTextResponse(audit.to_csv(records), media_type="text/csv")
    return Page(items=records, limit=limit, offset=offset)
