"""What an exchange is made of: the case content chosen for it (inputs), and the records that travel — entities
after redaction, notes, attachments' metadata, exhibits with their custody record — as the preview shows them and
the bundle carries them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from followthemoney import model as ftm_model
from pydantic import ConfigDict, Field

from palermo.custody.archive import Content, sha256_of, size_of
from palermo.custody.keys import Name, State
from palermo.errors import InvalidInput
from palermo.ftm import ENTITY_ID
from palermo.model import CASE_ROLES, CaseRole, Frozen

SHA256 = r"^[0-9a-f]{64}$"


@dataclass(frozen=True, slots=True)
class CaseEntity:
    """An FtM entity of the case chosen for an exchange, with the roles it holds in the case."""

    id: str
    schema: str
    properties: Mapping[str, Sequence[str]]
    roles: tuple[CaseRole, ...] = ()

    @classmethod
    def of(cls, data: Mapping[str, Any], roles: Iterable[str] = ()) -> CaseEntity:
        """An entity from its FtM JSON form (id, schema, properties) and its case roles."""
        entity_id, schema = data.get("id"), data.get("schema")
        if not isinstance(entity_id, str) or not ENTITY_ID.fullmatch(entity_id):
            raise InvalidInput(f"entity id {entity_id!r} is not an FtM entity id")
        known = ftm_model.get(schema) if isinstance(schema, str) else None
        if known is None or known.abstract:
            raise InvalidInput(f"entity {entity_id}: {schema!r} is not a concrete FtM schema")
        wrong = [r for r in roles if r not in CASE_ROLES]
        if wrong:
            raise InvalidInput(f"entity {entity_id}: {wrong[0]!r} is not a case role ({', '.join(CASE_ROLES)})")
        props = data.get("properties") or {}
        if not isinstance(props, Mapping):
            raise InvalidInput(f"entity {entity_id}: properties must be an object of lists of strings")
        return cls(entity_id, known.name, props, tuple(roles))  # type: ignore[arg-type]  # checked above


@dataclass(frozen=True, slots=True)
class CaseExhibit:
    """An exhibit chosen for an exchange, with its custody record as a custody bundle (palermo.custody.bundle),
    named by the SHA-256 of the bundle file."""

    id: str
    label: str
    description: str
    kind: str
    custody_sha256: str
    custody_size: int

    @classmethod
    def of(cls, exhibit_id: str, label: str, description: str, kind: str, custody: Content) -> CaseExhibit:
        """An exhibit with its custody bundle (bytes, or the file written by custody's ``write_bundle``)."""
        return cls(exhibit_id, label, description, kind, sha256_of(custody), size_of(custody))


class Endpoint(Frozen):
    """An agency at one end of an exchange, and its state."""

    agency: Name
    state: State


class AgreementRef(Frozen):
    """The agreement an exchange is made under: its id, the text's version, and the hash of the text."""

    id: str
    version: str
    sha256: str = Field(pattern=SHA256)


class SharedEntity(Frozen):
    """An entity as it travels: FtM id, schema and properties after redaction, and its roles in the case."""

    # "schema" in every dump (JSON, API, a stored preview), so that what is written reads back
    model_config = ConfigDict(serialize_by_alias=True)

    id: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    properties: dict[str, list[str]]
    roles: list[CaseRole] = Field(default_factory=list)

    def ftm(self) -> dict[str, Any]:
        """The entity in FtM's JSON form."""
        return {"id": self.id, "schema": self.schema_, "properties": self.properties}


class SharedNote(Frozen):
    """A note as it travels: its text, the entity it is about (if any), and when it was written."""

    id: str
    entity: str | None = None
    body: str
    created: str


class SharedAttachment(Frozen):
    """An attached file's description as it travels; the content travels beside it, named by its SHA-256."""

    id: str
    sha256: str = Field(pattern=SHA256)
    filename: str
    media_type: str
    size: int = Field(ge=0)


class SharedExhibit(Frozen):
    """An exhibit as it travels: what it is, and its custody record (a custody bundle) named by its SHA-256."""

    id: str
    label: str
    description: str
    kind: str
    custody: str = Field(pattern=SHA256, description="SHA-256 of the custody bundle that travels with it")
    custody_size: int = Field(ge=0)
