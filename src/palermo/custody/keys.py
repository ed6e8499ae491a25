"""Agency signing keys (Ed25519, through `cryptography`), their public records, and the trust store of a verifier.

A key record says which agency of which state holds a key and from when until when it was in force. A verifier
trusts only the records in its own trust store, imported after comparing fingerprints out of band.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, Self, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from palermo.custody.canonical import canonical, parse
from palermo.errors import InvalidInput, VerificationFailed
from palermo.model import STATE_PATTERN, invalid

K = TypeVar("K", Ed25519PrivateKey, X25519PrivateKey)

TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?[+-]\d{2}:\d{2}$")
KEY_ID_RE = r"^[0-9a-f]{16}$"
NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,127}$"
TRUST_FORMAT = "palermo-custody-trust"


def timestamp(value: datetime) -> str:
    """An aware datetime in the one text form custody records use (ISO 8601 with its UTC offset)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"time {value.isoformat()} has no time zone: give a UTC offset, e.g. +00:00")
    if value.utcoffset().total_seconds() % 60:  # type: ignore[union-attr]  # checked above
        raise InvalidInput(f"time {value.isoformat()}: UTC offsets in whole minutes only")
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")


def parse_time(text: str) -> datetime:
    """The aware datetime of a custody timestamp (as written by ``timestamp``)."""
    return datetime.fromisoformat(text)


# the normal form exactly: 6 fraction digits only when not all zero, no offset -00:00; the calendar is checked by
# parsing (so that, e.g., 30 February is refused)
NORMAL_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
                              r"(?:\.(?!000000)\d{6})?(?:\+(?:[01]\d|2[0-3]):[0-5]\d|-(?!00:00)(?:[01]\d|2[0-3]):[0-5]\d)$")


def _timestamp(value: object) -> object:
    if type(value) is str:
        if NORMAL_TIMESTAMP.match(value):
            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a valid time") from None
            return value
        if not TIMESTAMP_RE.match(value):
            raise ValueError(f"{value!r} is not a time with a UTC offset such as 2026-03-01T14:05:00+01:00")
        try:
            normal = timestamp(datetime.fromisoformat(value))
        except (ValueError, InvalidInput):
            raise ValueError(f"{value!r} is not a valid time") from None
        raise ValueError(f"{value!r} is not in normal form (write {normal})")
    if isinstance(value, datetime):
        try:
            return timestamp(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
    return value


Timestamp = Annotated[str, BeforeValidator(_timestamp)]
KeyId = Annotated[str, Field(pattern=KEY_ID_RE)]
Name = Annotated[str, Field(pattern=NAME_RE)]
State = Annotated[str, Field(pattern=STATE_PATTERN)]


def _version_one(value: int) -> int:
    if value != 1:
        raise ValueError(f"format version {value} is not known here (this installation reads version 1)")
    return value


Version = Annotated[int, AfterValidator(_version_one)]


class Strict(BaseModel):
    """Base of the custody wire types: frozen, strict types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def wire(self) -> dict[str, Any]:
        """The record as the JSON object that is hashed and signed (absent optional fields are omitted)."""
        return self.model_dump(mode="json", exclude_none=True)


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of a raw public key in hex, in groups of four, for reading aloud and comparing out of band."""
    digest = hashlib.sha256(public_key).hexdigest().upper()
    return " ".join(digest[i:i + 4] for i in range(0, 64, 4))


def key_id(public_key: bytes) -> str:
    """The short key id: the first 16 hex digits of the SHA-256 of the raw public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def b64encode(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, size: int) -> bytes:
    """Decode base64 of exactly ``size`` bytes in its one canonical spelling; ValueError otherwise."""
    try:
        encoded = text.encode("ascii")
        raw = binascii.a2b_base64(encoded, strict_mode=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if len(raw) != size or binascii.b2a_base64(raw, newline=False) != encoded:
        raise ValueError(f"not the canonical base64 of {size} bytes")
    return raw


class KeyRecord(Strict):
    """A public key of an agency with the period in which it was in force (valid_until is null while current)."""

    version: Version = 1
    key: KeyId
    algorithm: Literal["ed25519"] = "ed25519"
    public_key: str = Field(description="raw 32-byte Ed25519 public key, base64")
    agency: Name
    state: State
    valid_from: Timestamp
    valid_until: Timestamp | None = None
    fingerprint: str

    @model_validator(mode="after")
    def _consistent(self) -> KeyRecord:
        try:
            raw = b64decode(self.public_key, 32)
        except ValueError as exc:
            raise ValueError(f"public_key: {exc}") from None
        if self.key != key_id(raw):
            raise ValueError(f"key id {self.key} does not belong to this public key (its id is {key_id(raw)})")
        if self.fingerprint != fingerprint(raw):
            raise ValueError(f"fingerprint does not belong to this public key (its fingerprint is {fingerprint(raw)})")
        if self.valid_until is not None and parse_time(self.valid_until) <= parse_time(self.valid_from):
            raise ValueError("valid_until must be after valid_from")
        return self

    @classmethod
    def of(cls, public_key: bytes, agency: str, state: str, valid_from: datetime,
           valid_until: datetime | None = None) -> KeyRecord:
        """The record of a raw public key held by ``agency`` of ``state`` from ``valid_from``."""
        try:
            return cls.model_validate({
                "key": key_id(public_key), "public_key": b64encode(public_key), "agency": agency, "state": state,
                "valid_from": valid_from, "valid_until": valid_until, "fingerprint": fingerprint(public_key)})
        except ValidationError as exc:
            raise invalid(exc, "key") from None

    @property
    def raw(self) -> bytes:
        """The raw 32-byte public key."""
        return base64.b64decode(self.public_key)

    def valid_at(self, at: datetime) -> bool:
        """True if the key was in force at ``at``: valid_from <= at < valid_until."""
        if at < parse_time(self.valid_from):
            return False
        return self.valid_until is None or at < parse_time(self.valid_until)

    def retired(self, at: datetime) -> KeyRecord:
        """This record with ``valid_until`` set: the key signs nothing from ``at`` on (rotation)."""
        return KeyRecord.model_validate({**self.wire(), "valid_until": at})

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True if ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class RawPrivateKey(Generic[K]):
    """A 32-byte private key of an agency (the kind ``kind`` names) with its public key, key id and fingerprint.
    The caller keeps ``private_bytes()`` wrapped (e.g. by the keyring)."""

    __slots__ = ("_private", "_public")
    kind: ClassVar[type[Ed25519PrivateKey] | type[X25519PrivateKey]]
    name: ClassVar[str]

    def __init__(self, private: K) -> None:
        self._private: K = private
        self._public: bytes = private.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> Self:
        """A new random key."""
        return cls(cls.kind.generate())  # type: ignore[arg-type]  # kind is the class of K

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> Self:
        """The key from its raw 32-byte private key (as returned by ``private_bytes``)."""
        if len(raw) != 32:
            raise InvalidInput(f"an {cls.name} private key has 32 bytes, not {len(raw)}")
        return cls(cls.kind.from_private_bytes(raw))  # type: ignore[arg-type]  # kind is the class of K

    def private_bytes(self) -> bytes:
        """The raw 32-byte private key, for the caller to wrap before storing; never store it in clear."""
        return self._private.private_bytes_raw()

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self._public

    @property
    def key_id(self) -> str:
        """The short key id of the public key."""
        return key_id(self._public)

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the public key, for out-of-band comparison."""
        return fingerprint(self._public)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key_id})"


class SigningKey(RawPrivateKey[Ed25519PrivateKey]):
    """An agency's Ed25519 signing key."""

    __slots__ = ()
    kind = Ed25519PrivateKey
    name = "Ed25519"

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self._private.sign(message)

    def record(self, agency: str, state: str, valid_from: datetime, valid_until: datetime | None = None) -> KeyRecord:
        """The public record of this key for ``agency`` of ``state``, in force from ``valid_from``."""
        return KeyRecord.of(self._public, agency, state, valid_from, valid_until)


class TrustStore:
    """The public keys a verifier trusts. Nothing outside it is trusted, whatever a bundle carries."""

    def __init__(self, records: Iterable[KeyRecord] = ()) -> None:
        self._records: dict[str, KeyRecord] = {}
        self._loaded: dict[str, Ed25519PublicKey] = {}
        self._validity: dict[str, tuple[datetime, datetime | None]] = {}
        for record in records:
            self.add(record)

    def add(self, record: KeyRecord) -> None:
        """Trust ``record``; a record for a known key may only change its validity (e.g. record a rotation)."""
        known = self._records.get(record.key)
        if known is not None and (known.public_key, known.agency, known.state) != (
                record.public_key, record.agency, record.state):
            raise InvalidInput(f"key {record.key}: the trust store already holds this key id for "
                               f"{known.agency} ({known.state}) with another public key or agency")
        self._records[record.key] = record
        self._loaded.pop(record.key, None)
        self._validity[record.key] = (parse_time(record.valid_from),
                                      parse_time(record.valid_until) if record.valid_until else None)

    def get(self, key: str) -> KeyRecord | None:
        """The trusted record of key id ``key``, or None."""
        return self._records.get(key)

    def key_for(self, key: str, at: datetime) -> KeyRecord:
        """The trusted record of ``key`` if it was in force at ``at``; VerificationFailed otherwise."""
        record = self._records.get(key)
        if record is None:
            raise VerificationFailed(f"key {key} is not in the trust store",
                                     hint="import the agency's public key after comparing its fingerprint")
        start, end = self._validity[key]
        if at < start or (end is not None and at >= end):
            until = f" until {record.valid_until}" if record.valid_until else ""
            raise VerificationFailed(f"key {key} of {record.agency} was not in force at {timestamp(at)} "
                                     f"(valid from {record.valid_from}{until})")
        return record

    def verify(self, key: str, signature: bytes, message: bytes) -> bool:
        """True if ``signature`` of ``message`` was made with trusted key ``key`` (validity is not checked here)."""
        loaded = self._loaded.get(key)
        if loaded is None:
            record = self._records.get(key)
            if record is None:
                return False
            loaded = self._loaded[key] = Ed25519PublicKey.from_public_bytes(record.raw)
        try:
            loaded.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @property
    def records(self) -> list[KeyRecord]:
        """The trusted records, ordered by agency and start of validity."""
        return sorted(self._records.values(), key=lambda r: (r.agency, r.valid_from, r.key))

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def __iter__(self) -> Iterator[KeyRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self._records)

    def to_json(self) -> bytes:
        """The trust store as canonical JSON (format palermo-custody-trust, version 1)."""
        return canonical({"format": TRUST_FORMAT, "version": 1, "keys": [r.wire() for r in self.records]})

    @classmethod
    def from_json(cls, data: bytes | str, source: str = "trust store") -> TrustStore:
        """A trust store from ``to_json`` output (or a partner's key export); names the first bad key."""
        try:
            doc = parse(data.encode() if isinstance(data, str) else data)
        except ValueError:
            raise InvalidInput(f"{source}: not JSON") from None
        if not isinstance(doc, dict) or doc.get("format") != TRUST_FORMAT or doc.get("version") != 1 \
                or not isinstance(doc.get("keys"), list) or set(doc) != {"format", "version", "keys"}:
            raise InvalidInput(f"{source}: expected {{'format': '{TRUST_FORMAT}', 'version': 1, 'keys': [...]}}")
        records = []
        for i, item in enumerate(doc["keys"]):
            try:
                records.append(KeyRecord.model_validate(item))
            except ValidationError as exc:
                raise invalid(exc, f"{source}: keys[{i}]") from None
        return cls(records)
