"""Agencies' encryption keys (X25519, through `cryptography`) and the partner directory: for each partner agency its
signing key records (custody's), its encryption key records and its inbox URL.

An agency signs with its Ed25519 key (palermo.custody.keys) and receives bundles encrypted to its X25519 key; each
key has a period of validity, and a rotated-out key is kept for reading old records only. Partners' records are
imported after comparing fingerprints out of band, never from a bundle.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from pydantic import AfterValidator, BaseModel, Field, ValidationError, model_validator

from palermo.custody.canonical import canonical, parse
from palermo.custody.keys import (
    KeyId,
    KeyRecord,
    Name,
    RawPrivateKey,
    State,
    Strict,
    Timestamp,
    TrustStore,
    Version,
    b64decode,
    b64encode,
    parse_time,
    timestamp,
)
from palermo.errors import InvalidInput, NotFound, VerificationFailed
from palermo.model import invalid

PARTNERS_FORMAT = "palermo-exchange-partners"


def _in_force(valid_from: str, valid_until: str | None, at: datetime) -> bool:
    return parse_time(valid_from) <= at and (valid_until is None or at < parse_time(valid_until))


class EncryptionRecord(Strict):
    """An agency's public encryption key (X25519) and the period in which partners may encrypt to it."""

    version: Version = 1
    key: KeyId
    algorithm: Literal["x25519"] = "x25519"
    public_key: str = Field(description="raw 32-byte X25519 public key, base64")
    agency: Name
    state: State
    valid_from: Timestamp
    valid_until: Timestamp | None = None
    fingerprint: str

    @model_validator(mode="after")
    def _consistent(self) -> EncryptionRecord:
        # the same checks as a signing key's record: key id, fingerprint and period belong to the public key
        try:
            KeyRecord.model_validate({**self.wire(), "algorithm": "ed25519"})
        except ValidationError as exc:
            raise ValueError(invalid(exc).message) from None
        return self

    @property
    def raw(self) -> bytes:
        """The raw 32-byte public key."""
        return b64decode(self.public_key, 32)

    def public(self) -> X25519PublicKey:
        """The key as `cryptography` uses it."""
        return X25519PublicKey.from_public_bytes(self.raw)

    def valid_at(self, at: datetime) -> bool:
        """May a partner encrypt to this key at ``at``? valid_from <= at < valid_until."""
        return _in_force(self.valid_from, self.valid_until, at)

    def retired(self, at: datetime) -> EncryptionRecord:
        """This record with ``valid_until`` set: nothing is to be encrypted to it from ``at`` on (rotation)."""
        return EncryptionRecord.model_validate({**self.wire(), "valid_until": at})


class EncryptionKey(RawPrivateKey[X25519PrivateKey]):
    """An agency's X25519 key, which partners seal bundles to."""

    __slots__ = ()
    kind = X25519PrivateKey
    name = "X25519"

    @property
    def private(self) -> X25519PrivateKey:
        """The key as `cryptography` uses it (for decryption)."""
        return self._private

    def record(self, agency: str, state: str, valid_from: datetime,
               valid_until: datetime | None = None) -> EncryptionRecord:
        """The public record of this key for ``agency`` of ``state``, in force from ``valid_from``."""
        try:
            return EncryptionRecord.model_validate({
                "key": self.key_id, "public_key": b64encode(self._public), "agency": agency, "state": state,
                "valid_from": valid_from, "valid_until": valid_until, "fingerprint": self.fingerprint})
        except ValidationError as exc:
            raise invalid(exc, "key") from None


LOOPBACK_NAMES = frozenset({"localhost"})


def _inbox_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise ValueError(f"{value!r} is not an http(s) URL of an inbox (no user name or password in it)")
    if parts.scheme == "http":
        host = parts.hostname
        try:
            loopback = host in LOOPBACK_NAMES or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"{value!r}: a partner's inbox is reached over https (plain http only on loopback)")
    return value


class Partner(Strict):
    """A partner agency as this installation knows it: its state, its signing keys (which bundles it signs are
    checked against), its encryption keys (which bundles to it are sealed to) and its inbox URL."""

    version: Version = 1
    agency: Name
    state: State
    name: str | None = None
    signing: list[KeyRecord] = Field(min_length=1)
    encryption: list[EncryptionRecord] = Field(min_length=1)
    inbox: Annotated[str | None, AfterValidator(_inbox_url)] = Field(
        default=None, description="https URL of the partner installation's inbox endpoint")

    @property
    def records(self) -> list[KeyRecord | EncryptionRecord]:
        """Every key record of the partner, signing and encryption."""
        return [*self.signing, *self.encryption]

    @model_validator(mode="after")
    def _its_own_keys(self) -> Partner:
        for record in self.records:
            if (record.agency, record.state) != (self.agency, self.state):
                raise ValueError(f"key {record.key} belongs to {record.agency} ({record.state}), not to "
                                 f"{self.agency} ({self.state})")
        return self

    def encryption_key(self, at: datetime) -> EncryptionRecord:
        """The encryption key to seal to at ``at``: the latest in force; NotFound if none is."""
        current = [r for r in self.encryption if r.valid_at(at)]
        if not current:
            raise NotFound(f"{self.agency} has no encryption key in force at {timestamp(at)}",
                           hint="import the partner's current key record after comparing its fingerprint")
        return max(current, key=lambda r: (parse_time(r.valid_from), r.key))


class _PartnerFile(BaseModel):
    format: Literal["palermo-exchange-partners"]
    version: Literal[1]
    partners: list[Partner]


class Partners:
    """The partner directory: partner agencies by id. Nothing outside it is trusted, whatever a bundle carries."""

    def __init__(self, partners: Iterable[Partner] = ()) -> None:
        self._partners: dict[str, Partner] = {}
        for partner in partners:
            self.add(partner)

    def add(self, partner: Partner) -> None:
        """Hold ``partner``, replacing an earlier record of the same agency (e.g. after a key rotation); its state
        may not change, nor may it take a key id another agency holds."""
        known = self._partners.get(partner.agency)
        if known is not None and known.state != partner.state:
            raise InvalidInput(f"partner {partner.agency} is held as an agency of {known.state}, not {partner.state}")
        ids = {r.key for r in partner.records}
        for other in self._partners.values():
            if other.agency != partner.agency and ids & {r.key for r in other.records}:
                raise InvalidInput(f"partner {partner.agency}: a key id is already held for {other.agency}")
        self._partners[partner.agency] = partner

    def get(self, agency: str) -> Partner:
        """The partner with this agency id; NotFound otherwise."""
        try:
            return self._partners[agency]
        except KeyError:
            raise NotFound(f"no partner agency {agency!r} in the directory",
                           hint="import the partner's record after comparing its fingerprints") from None

    def trust(self) -> TrustStore:
        """The signing keys of every partner, as the trust store bundles are verified against."""
        return TrustStore(r for p in self._partners.values() for r in p.signing)

    def __iter__(self) -> Iterator[Partner]:
        return iter(sorted(self._partners.values(), key=lambda p: p.agency))

    def __len__(self) -> int:
        return len(self._partners)

    def __contains__(self, agency: object) -> bool:
        return agency in self._partners

    def to_json(self) -> bytes:
        """The directory (or one agency's own record, to publish) as canonical JSON."""
        return canonical({"format": PARTNERS_FORMAT, "version": 1,
                          "partners": [p.model_dump(mode="json", exclude_none=True) for p in self]})

    @classmethod
    def from_json(cls, data: bytes | str, source: str = "partners") -> Partners:
        """A directory from ``to_json`` output (or a partner's published record); names the first bad field."""
        try:
            doc = parse(data.encode() if isinstance(data, str) else data)
        except ValueError:
            raise InvalidInput(f"{source}: not JSON") from None
        try:
            return cls(_PartnerFile.model_validate(doc).partners)
        except ValidationError as exc:
            raise invalid(exc, source) from None


def encryption_record_in_force(record: EncryptionRecord, at: datetime, what: str) -> None:
    """VerificationFailed unless the encryption key was in force at ``at`` (sealing, or a bundle's creation)."""
    if not record.valid_at(at):
        until = f" until {record.valid_until}" if record.valid_until else ""
        raise VerificationFailed(f"{what}: encryption key {record.key} of {record.agency} was not in force at "
                                 f"{timestamp(at)} (valid from {record.valid_from}{until})")
