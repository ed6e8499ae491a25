"""Files attached to a case, stored content-addressed (SHA-256) on disk; the database holds who added what."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Row, insert, select

from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.blobs import blob_path, keep
from palermo.cases.gate import CaseGate, iso
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.errors import InvalidInput, NotFound, VerificationFailed
from palermo.model import Attachment

MEDIA_TYPES: dict[str, bytes | None] = {
    "application/pdf": b"%PDF",
    "image/png": b"\x89PNG",
    "image/jpeg": b"\xff\xd8\xff",
    "text/plain": None,
    "text/csv": None,
    "application/json": None,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": b"PK",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": b"PK",
    "message/rfc822": None,
}
"""Accepted media types and the magic bytes a file of that type starts with (None: text, checked as UTF-8)."""


def check(filename: str, media_type: str, data: bytes, limit: int) -> None:
    """Refuse empty, oversized, unaccepted or mislabelled files before anything is stored."""
    media_type = media_type.split(";")[0].strip().lower()
    if not filename or "/" in filename or "\\" in filename or len(filename) > 300:
        raise InvalidInput("filename: give a plain file name of at most 300 characters")
    if not data:
        raise InvalidInput(f"{filename}: the file is empty")
    if len(data) > limit:
        raise InvalidInput(f"{filename}: {len(data):,} bytes is over the upload limit of {limit:,} bytes",
                           hint="PALERMO_MAX_UPLOAD_BYTES sets the limit")
    if media_type not in MEDIA_TYPES:
        raise InvalidInput(f"{filename}: content type {media_type!r} is not accepted",
                           hint="accepted: " + ", ".join(sorted(MEDIA_TYPES)))
    magic = MEDIA_TYPES[media_type]
    if magic is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{filename}: declared {media_type} but is not UTF-8 text") from None
    elif not data.startswith(magic):
        raise InvalidInput(f"{filename}: declared {media_type} but its content is not of that type")


class Attachments:
    """A case's files, for a caller."""

    def __init__(self, gate: CaseGate) -> None:
        self.gate = gate

    @property
    def max_upload(self) -> int:
        """The largest file accepted, in bytes."""
        return self.gate.max_upload

    def add(self, caller: Caller, ref: str, filename: str, media_type: str, data: bytes) -> Attachment:
        """Store a file with a case. The content is written once per digest; the record commits with its audit
        entry."""
        check(filename, media_type, data, self.gate.max_upload)
        media_type = media_type.split(";")[0].strip().lower()
        sha = hashlib.sha256(data).hexdigest()
        with self.gate.case(caller, ref, Action.attachment_write) as (unit, case):
            keep(self.gate.blobs, sha, data)
            stamp = now()
            att_id = unit.conn.execute(insert(t.attachment).values(
                case_id=case.id, sha256=sha, filename=filename, media_type=media_type, size=len(data),
                created_by=unit.actor.user_id, created_at=stamp).returning(t.attachment.c.id)).scalar_one()
            record(unit.conn, unit.actor, "attachment_add", case.id, str(att_id),
                   detail={"sha256": sha, "size": len(data)})
            return Attachment(id=att_id, sha256=sha, filename=filename, media_type=media_type, size=len(data),
                              created_by=unit.actor.user_id, created_at=iso(stamp))

    def list(self, caller: Caller, ref: str) -> list[Attachment]:
        """A case's attachments."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            rows = unit.conn.execute(select(t.attachment).where(t.attachment.c.case_id == case.id)
                                     .order_by(t.attachment.c.id))
            return [_attachment(r) for r in rows]

    def content(self, caller: Caller, ref: str, attachment_id: int) -> tuple[Attachment, bytes]:
        """An attachment's record and bytes; the bytes are checked against the digest (tamper evidence)."""
        with self.gate.case(caller, ref, Action.case_read) as (unit, case):
            found = unit.conn.execute(select(t.attachment).where(t.attachment.c.case_id == case.id,
                                                                 t.attachment.c.id == attachment_id)).first()
            if found is None:
                raise NotFound(f"case {case.reference!r} has no attachment {attachment_id}")
            record(unit.conn, unit.actor, "attachment_read", case.id, str(attachment_id))
        data = blob_path(self.gate.blobs, found.sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != found.sha256:
            raise VerificationFailed(f"attachment {attachment_id}: stored content no longer matches its SHA-256")
        return _attachment(found), data


def _attachment(r: Row[Any]) -> Attachment:
    m = r._mapping
    return Attachment(id=m["id"], sha256=m["sha256"], filename=m["filename"], media_type=m["media_type"],
                      size=m["size"], created_by=m["created_by"], created_at=iso(m["created_at"]))
