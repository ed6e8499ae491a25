"""/api/cases and /api/search, /api/audit: the case workspace over HTTP. Each route hands the request's caller to
the same service the CLI and the pages call; the services decide, the database enforces."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from palermo.api.deps import ApiCaller, Svc, read_body
from palermo.cases import audit
from palermo.cases.paging import MAX_LIMIT, MAX_OFFSET
from palermo.errors import InvalidInput
from palermo.model import (
    Attachment,
    Case,
    CaseDraft,
    CaseRole,
    Entity,
    EntityPage,
    ImportReport,
    Note,
    SearchHit,
    TimelineEvent,
)

router = APIRouter(prefix="/api", tags=["cases"])
# Bounded reads (one record, or one page of at most 500 rows) are `async def`: they run on the event loop, because
# handing them to a worker thread cost more than the read itself (the threads contend for the interpreter lock;
# measured in docs/performance.md). Writes, imports, exports, search and the audit trail can take long or wait for
# a lock, and stay plain `def`, which FastAPI runs in its thread pool.
NDJSON = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/plain")
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="rows to skip; deeper pages follow `next`")]
Country = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")]
IMPORT_BODY: dict[str, Any] = {"requestBody": {"required": True, "description": (
    "FollowTheMoney entities as JSON lines (one entity per line). Every line is validated before anything is "
    "written; an error names the line."), "content": {"application/x-ndjson": {"schema": {
        "type": "string", "format": "binary"}, "example": '{"id": "p1", "schema": "Person", '
                                                          '"properties": {"name": ["Ana Ionescu"]}}\n'}}}}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseChange(Strict):
    version: int = Field(description="the version you read")
    changes: dict[str, Any] = Field(description="title, summary, jurisdictions, offences, status or handling")


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


class Reveal(Strict):
    reason: str = Field(min_length=5, max_length=2000, description="why you need this person's identity (audited)")


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


class Page(BaseModel):
    items: list[Any]
    limit: int
    offset: int


def json_of(model: BaseModel) -> Response:
    """A model serialised once, by pydantic-core, with its aliases (skips FastAPI's second validation pass)."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


# ---------------------------------------------------------------------- cases


@router.get("/cases")
async def list_cases(caller: ApiCaller, svc: Svc, status: Literal["open", "suspended", "closed"] | None = None,
               limit: Limit = 50, offset: Offset = 0) -> Page:
    """The cases the caller can see, most recently changed first."""
    return Page(items=svc.cases.list(caller, status=status, limit=limit, offset=offset), limit=limit, offset=offset)


@router.post("/cases", status_code=201)
def create_case(body: CaseDraft, caller: ApiCaller, svc: Svc) -> Case:
    """Open a case owned by the caller's agency."""
    return svc.cases.create(caller, body)


@router.get("/cases/{ref}")
async def show_case(ref: str, caller: ApiCaller, svc: Svc) -> Case:
    """One case, by ID or reference."""
    return svc.cases.get(caller, ref)


@router.patch("/cases/{ref}")
def change_case(ref: str, body: CaseChange, caller: ApiCaller, svc: Svc) -> Case:
    """Change a case (optimistic locking: send the version you read; 409 if it changed since)."""
    return svc.cases.update(caller, ref, body.version, body.changes)


@router.post("/cases/{ref}/members", status_code=201)
def share_case(ref: str, body: Share, caller: ApiCaller, svc: Svc) -> dict[str, str]:
    """Share a case with another agency or a named user, as its handling code allows."""
    svc.cases.share(caller, ref, agency_id=body.agency, username=body.username, access=body.access)
    return {"shared": body.agency or body.username or "", "access": body.access}


# ---------------------------------------------------------------------- entities


@router.get("/cases/{ref}/entities", response_model=EntityPage)
async def list_entities(ref: str, caller: ApiCaller, svc: Svc, schema: str | None = None, role: CaseRole | None = None,
                  country: Country = None, limit: Limit = 50, offset: Offset = 0,
                  after: Annotated[str | None, Query(max_length=1200, description="`next` of the previous page")]
                  = None) -> Response:
    """A page of the case's entities in caption order, filtered by FtM schema, case role and country."""
    return json_of(svc.entities.page(caller, ref, schema=schema, role=role, country=country, limit=limit,
                                     offset=offset, after=after))


@router.post("/cases/{ref}/entities", status_code=201, response_model=Entity)
def add_entity(ref: str, body: NewEntity, caller: ApiCaller, svc: Svc) -> Response:
    """Add an FtM entity to the case, with its role (a victim's identity is sealed at rest)."""
    return json_of(svc.entities.add(caller, ref, body.entity, role=body.role, source="api"))


@router.get("/cases/{ref}/entities/{entity_id}", response_model=Entity)
async def show_entity(ref: str, entity_id: str, caller: ApiCaller, svc: Svc) -> Response:
    """One entity (a protected person by pseudonym; see `.../reveal`)."""
    return json_of(svc.entities.get(caller, ref, entity_id))


@router.post("/cases/{ref}/entities/{entity_id}/reveal", response_model=Entity)
def reveal_entity(ref: str, entity_id: str, body: Reveal, caller: ApiCaller, svc: Svc) -> Response:
    """A protected person's identity, for roles that may read it; the reason is recorded in the audit trail."""
    return json_of(svc.entities.reveal(caller, ref, entity_id, body.reason))


@router.put("/cases/{ref}/entities/{entity_id}", response_model=Entity)
def change_entity(ref: str, entity_id: str, body: EntityChange, caller: ApiCaller, svc: Svc) -> Response:
    """Replace an entity's properties (send the version you read; 409 if someone changed it since)."""
    return json_of(svc.entities.update(caller, ref, entity_id, body.version, body.properties))


@router.post("/cases/{ref}/entities/{entity_id}/roles", response_model=Entity)
def add_role(ref: str, entity_id: str, body: RoleRequest, caller: ApiCaller, svc: Svc) -> Response:
    """Give an entity a role in the case (suspect, victim, witness, associate)."""
    return json_of(svc.entities.set_role(caller, ref, entity_id, body.role))


@router.post("/cases/{ref}/links", status_code=201, response_model=Entity)
def add_link(ref: str, body: LinkRequest, caller: ApiCaller, svc: Svc) -> Response:
    """Link two entities of the case with an FtM relationship."""
    return json_of(svc.entities.link(caller, ref, body.schema_, body.source, body.target, body.properties))


@router.post("/cases/{ref}/import", openapi_extra=IMPORT_BODY)
async def import_entities(ref: str, request: Request, caller: ApiCaller, svc: Svc) -> ImportReport:
    """Import FtM JSON lines (body, application/x-ndjson); all lines are validated before anything is written."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in NDJSON:
        raise InvalidInput(f"content-type: {media or 'none'!r} is not FtM JSON lines",
                           hint="send application/x-ndjson; larger files: `palermo cases import`")
    body = await read_body(request, svc.attachments.max_upload, "import large files with `palermo cases import`")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("body: not UTF-8 text") from None
    return await run_in_threadpool(svc.transfer.import_entities, caller, ref, text.splitlines(), source="api upload")


@router.get("/cases/{ref}/export", responses={200: {"content": {"application/x-ndjson": {}},
                                                    "description": "FtM JSON lines"}})
def export_entities(ref: str, caller: ApiCaller, svc: Svc) -> StreamingResponse:
    """The case's entities as FtM JSON lines (protected persons by pseudonym)."""
    rows = svc.transfer.export_entities(caller, ref)
    first = next(rows, None)  # run the permission check before the response starts

    def lines() -> Iterator[str]:
        if first is not None:
            yield json.dumps(first, ensure_ascii=False) + "\n"
        for item in rows:
            yield json.dumps(item, ensure_ascii=False) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


# ---------------------------------------------------------------------- notes, timeline, attachments


@router.get("/cases/{ref}/notes")
async def list_notes(ref: str, caller: ApiCaller, svc: Svc) -> list[Note]:
    """The case's notes."""
    return svc.notes.list(caller, ref)


@router.post("/cases/{ref}/notes", status_code=201)
def add_note(ref: str, body: NoteRequest, caller: ApiCaller, svc: Svc) -> Note:
    """Add a note to the case or one of its entities."""
    return svc.notes.add(caller, ref, body.body, body.entity_id)


@router.get("/cases/{ref}/timeline")
async def timeline(ref: str, caller: ApiCaller, svc: Svc) -> list[TimelineEvent]:
    """The case's events and dated entities in date order."""
    return svc.timeline.list(caller, ref)


@router.post("/cases/{ref}/timeline", status_code=201)
def add_event(ref: str, body: TimelineEvent, caller: ApiCaller, svc: Svc) -> TimelineEvent:
    """Put a dated event on the timeline."""
    svc.timeline.add(caller, ref, body)
    return body


@router.get("/cases/{ref}/attachments")
async def list_attachments(ref: str, caller: ApiCaller, svc: Svc) -> list[Attachment]:
    """The case's attachments."""
    return svc.attachments.list(caller, ref)


@router.post("/cases/{ref}/attachments", status_code=201)
def upload(ref: str, caller: ApiCaller, svc: Svc, file: UploadFile = File(...)) -> Attachment:
    """Attach a file (multipart); size and content type are checked before anything is stored."""
    data = file.file.read(svc.attachments.max_upload + 1)
    return svc.attachments.add(caller, ref, file.filename or "", file.content_type or "", data)


@router.get("/cases/{ref}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}})
def download(ref: str, attachment_id: int, caller: ApiCaller, svc: Svc) -> Response:
    """An attachment's content, verified against its SHA-256."""
    att, data = svc.attachments.content(caller, ref, attachment_id)
    return Response(data, media_type=att.media_type, headers={
        "content-disposition": f'attachment; filename="{att.filename}"', "x-content-sha256": att.sha256})


# ---------------------------------------------------------------------- search and audit


@router.get("/search")
def search(q: Annotated[str, Query(max_length=500)], caller: ApiCaller, svc: Svc, schema: str | None = None,
           role: CaseRole | None = None, country: Country = None, limit: Limit = 50) -> list[SearchHit]:
    """Full-text search over entity names and notes in the cases the caller can see."""
    return svc.search.find(caller, q, schema=schema, role=role, country=country, limit=limit)


@router.get("/audit", tags=["audit"], response_model=None)
def audit_trail(caller: ApiCaller, svc: Svc, case: str | None = None, action: str | None = None,
                format: Literal["json", "csv"] = "json",
                limit: Annotated[int, Query(ge=1, le=audit.MAX_READ)] = 100, offset: Offset = 0,
                before: Annotated[int | None, Query(ge=1, le=2**62, description="records older than this id")]
                = None) -> Page | PlainTextResponse:
    """The audit trail (auditors): who did what, when, on which case, and why where a reason was required."""
    records = svc.audit.read(caller, case=case, action=action, limit=limit, offset=offset, before=before)
    if format == "csv":
        return PlainTextResponse(audit.to_csv(records), media_type="text/csv")
    return Page(items=records, limit=limit, offset=offset)
