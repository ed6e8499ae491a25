"""Custody records: the event, the signed event, the tree head and the signed tree head, with their signing.

Every signature is Ed25519 over a context string naming the record type followed by the record's canonical
JSON, so that a signature made for one kind of record can never be passed off as another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import Field, ValidationError, model_validator

from palermo.custody.canonical import canonical, canonical_checked, parse
from palermo.custody.keys import (
    KeyId,
    Name,
    SigningKey,
    State,
    Strict,
    Timestamp,
    Version,
    b64decode,
    b64encode,
    parse_time,
)
from palermo.custody.merkle import leaf_hash
from palermo.errors import InvalidInput
from palermo.model import invalid

EVENT_CONTEXT = b"palermo custody event v1\n"
HEAD_CONTEXT = b"palermo custody tree head v1\n"
MANIFEST_CONTEXT = b"palermo custody bundle manifest v1\n"

EventKind = Literal["seizure", "intake", "transfer", "examination", "derivative", "seal", "unseal", "share_abroad",
                    "return", "destruction"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
KIND_LABELS = {
    "seizure": "Seizure", "intake": "Intake", "transfer": "Transfer", "examination": "Examination",
    "derivative": "Derivative copy", "seal": "Sealed", "unseal": "Unsealed", "share_abroad": "Shared abroad",
    "return": "Returned", "destruction": "Destroyed",
}

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]
LogId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}$")]
Signature = Annotated[str, Field(min_length=88, max_length=88)]
MAX_SEQ = 2**53 - 1

# which details each kind requires (*) or allows; description, note and seals are allowed on every kind
DETAILS: dict[str, dict[str, bool]] = {
    "seizure": {"legal_basis": True, "seized_in": True},
    "intake": {"derived_from": False},
    "transfer": {"from_holder": True, "from_agency": True, "from_state": True,
                 "to_holder": True, "to_agency": True, "to_state": True},
    "examination": {"method": False},
    "derivative": {"derived_exhibit": True, "derived_sha256": True, "method": False},
    "seal": {"seals": True},
    "unseal": {"seals": True},
    "share_abroad": {"recipient_state": True, "recipient_agency": True, "legal_basis": True},
    "return": {"to_holder": True, "to_agency": False, "to_state": False},
    "destruction": {"legal_basis": True, "method": False},
}
COMMON_DETAILS = ("description", "note", "seals")
_REQUIRED = {kind: frozenset(k for k, required in rules.items() if required) for kind, rules in DETAILS.items()}
_ALLOWED = {kind: frozenset(rules) | frozenset(COMMON_DETAILS) for kind, rules in DETAILS.items()}


class Actor(Strict):
    """Who acted: the user, their name as shown to a court, their agency and its state."""

    user: Short
    name: Short
    agency: Name
    state: State


class Details(Strict):
    """Kind-specific facts of a custody event; which ones a kind needs is in ``DETAILS``."""

    description: Text | None = None
    note: Text | None = None
    seals: list[Short] | None = Field(default=None, min_length=1, max_length=100,
                                      description="seal numbers applied, found intact or broken")
    legal_basis: Text | None = Field(default=None, description="warrant, court order or MLA request reference")
    seized_in: State | None = None
    from_holder: Short | None = None
    from_agency: Name | None = None
    from_state: State | None = None
    to_holder: Short | None = None
    to_agency: Name | None = None
    to_state: State | None = None
    derived_exhibit: Name | None = None
    derived_sha256: Hex64 | None = None
    derived_from: Name | None = None
    method: Text | None = None
    recipient_state: State | None = None
    recipient_agency: Name | None = None


class Prev(Strict):
    """The previous event of the same exhibit: its position and leaf hash, so none can be left out unseen."""

    seq: int = Field(ge=0, le=MAX_SEQ)
    leaf: Hex64


class EventDraft(Strict):
    """What a user records about a custody act; the log adds its position, times, link and key."""

    exhibit: Name
    kind: EventKind
    at: Timestamp = Field(description="when the act happened, with UTC offset")
    actor: Actor
    place: Text
    purpose: Text
    details: Details = Details()
    exhibit_sha256: Hex64 | None = Field(default=None, description="SHA-256 of a digital exhibit's content")

    @model_validator(mode="after")
    def _details_fit_kind(self) -> EventDraft:
        details = self.details
        given = {k for k in details.model_fields_set if getattr(details, k) is not None}
        required = _REQUIRED[self.kind]
        if not required <= given:
            missing = [k for k in DETAILS[self.kind] if k in required - given]
            raise ValueError(f"a {self.kind} event needs details: {', '.join(missing)}")
        if not given <= _ALLOWED[self.kind]:
            raise ValueError(f"details {', '.join(sorted(given - _ALLOWED[self.kind]))} do not belong to a "
                             f"{self.kind} event")
        return self


class CustodyEvent(EventDraft):
    """One custody event as signed and placed in the case's custody log."""

    version: Version = 1
    log: LogId
    seq: int = Field(ge=0, le=MAX_SEQ, description="0-based position in the log")
    recorded: Timestamp = Field(description="when the log recorded and signed the event")
    prev: Prev | None = None
    key: KeyId

    @model_validator(mode="after")
    def _times(self) -> CustodyEvent:
        if parse_time(self.at) > parse_time(self.recorded):
            raise ValueError(f"the event happened at {self.at}, after it was recorded ({self.recorded})")
        if self.prev is not None and self.prev.seq >= self.seq:
            raise ValueError(f"prev.seq {self.prev.seq} is not before seq {self.seq}")
        return self

    def signing_input(self) -> bytes:
        """The bytes the agency signs: the event context string and the event's canonical JSON."""
        return EVENT_CONTEXT + canonical(self.wire())


class SignedEvent(Strict):
    """An event with its agency's signature; its canonical JSON is the Merkle leaf."""

    event: CustodyEvent
    signature: Signature

    @property
    def leaf_data(self) -> bytes:
        """The canonical JSON of the signed event: the exact bytes stored, exported and hashed as a leaf."""
        return canonical(self.wire())

    @property
    def leaf_hash(self) -> bytes:
        """The RFC 9162 leaf hash of ``leaf_data``."""
        return leaf_hash(self.leaf_data)

    @property
    def signature_bytes(self) -> bytes:
        """The raw 64-byte signature."""
        return b64decode(self.signature, 64)

    @classmethod
    def from_leaf(cls, data: bytes) -> SignedEvent:
        """A signed event from its stored leaf bytes; InvalidInput if they are not a canonical signed event."""
        return _from_bytes(cls, data, "signed event")


class TreeHead(Strict):
    """The state of a log at one moment: how many events it holds and the Merkle root over them."""

    version: Version = 1
    log: LogId
    size: int = Field(ge=0, le=MAX_SEQ)
    root: Hex64
    at: Timestamp
    key: KeyId

    def signing_input(self) -> bytes:
        """The bytes the agency signs: the tree-head context string and the head's canonical JSON."""
        return HEAD_CONTEXT + canonical(self.wire())


class SignedHead(Strict):
    """A tree head with the signature of the agency that keeps the log."""

    head: TreeHead
    signature: Signature

    @property
    def data(self) -> bytes:
        """The canonical JSON of the signed head, as stored, published and exported."""
        return canonical(self.wire())

    @property
    def signature_bytes(self) -> bytes:
        """The raw 64-byte signature."""
        return b64decode(self.signature, 64)

    @classmethod
    def from_bytes(cls, data: bytes) -> SignedHead:
        """A signed head from its canonical JSON; InvalidInput if it is not one."""
        return _from_bytes(cls, data, "signed tree head")


R = TypeVar("R", bound=Strict)


def _from_bytes(cls: type[R], data: bytes, what: str) -> R:
    try:
        obj = parse(data)
    except ValueError:
        raise InvalidInput(f"{what}: not JSON") from None
    try:
        record = cls.model_validate(obj)
    except ValidationError as exc:
        raise invalid(exc, what) from None
    if canonical_checked(obj) != data:
        raise InvalidInput(f"{what}: not in canonical form")
    return record


def sign_event(event: CustodyEvent, key: SigningKey) -> SignedEvent:
    """Sign ``event`` with ``key`` (which must be the key the event names)."""
    if event.key != key.key_id:
        raise InvalidInput(f"event {event.seq} names key {event.key} but is signed with key {key.key_id}")
    return SignedEvent(event=event, signature=b64encode(key.sign(event.signing_input())))


def sign_head(log: str, size: int, root: bytes, at: datetime, key: SigningKey) -> SignedHead:
    """A tree head over the first ``size`` events of ``log`` with Merkle ``root``, signed at ``at`` with ``key``."""
    try:
        head = TreeHead.model_validate({"log": log, "size": size, "root": root.hex(), "at": at, "key": key.key_id})
    except ValidationError as exc:
        raise invalid(exc, "tree head") from None
    return SignedHead(head=head, signature=b64encode(key.sign(head.signing_input())))


def make_event(draft: EventDraft, *, log: str, seq: int, recorded: datetime | str, prev: Prev | None,
               key: str) -> CustodyEvent:
    """The full event for ``draft`` at position ``seq`` of ``log``; InvalidInput naming the first bad field."""
    try:
        return CustodyEvent.model_validate({**draft.wire(), "log": log, "seq": seq, "recorded": recorded,
                                            "prev": prev.wire() if prev else None, "key": key})
    except ValidationError as exc:
        raise invalid(exc, "event") from None


def draft(data: dict[str, Any]) -> EventDraft:
    """An event draft from user input (a JSON object); InvalidInput naming the first bad field."""
    try:
        return EventDraft.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, "event") from None
