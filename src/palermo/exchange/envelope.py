"""The sealed envelope: a bundle's bytes encrypted to the recipient agency's X25519 key with HPKE (RFC 9180, base
mode; DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM), through `cryptography`.

The payload is cut into chunks of 1 MiB and each chunk is sealed with its own HPKE encryption, whose ``info``
binds the envelope's header (recipient key, sizes, a random envelope id), the chunk's position and whether it is
the last: chunks cannot be reordered, dropped, repeated or moved to another envelope, and neither side ever holds
more than the payload and one chunk. Only the holder of the recipient's private key reads it; who sent it is
proved inside, by the signed manifest.

Layout (big-endian): ``PALERMOX`` (8 bytes), header length (4 bytes), header (canonical JSON), then each chunk as
HPKE's output ``enc (32 bytes) ‖ ciphertext ‖ tag (16 bytes)``; the file ends after the last chunk.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from pydantic import Field, ValidationError

from palermo.custody.canonical import canonical, parse
from palermo.custody.keys import KeyId, Strict, Version
from palermo.errors import InvalidInput, VerificationFailed
from palermo.exchange.keys import EncryptionKey, EncryptionRecord
from palermo.model import invalid

MAGIC = b"PALERMOX"
FORMAT = "palermo-exchange-envelope"
CHUNK = 1 << 20
ENC = 32  # an X25519 encapsulated key
TAG = 16  # AES-256-GCM's tag
MAX_HEADER = 4096
MAX_SIZE = 2 << 30
CONTEXT = b"palermo-x1"
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_PREFIX = struct.Struct(">8sI")


class Header(Strict):
    """The envelope's header, in clear: the HPKE suite (RFC 9180 identifiers), the recipient's key id, a random
    envelope id, the chunk size and the payload's size. It names neither sender nor recipient agency."""

    format: Literal["palermo-exchange-envelope"] = "palermo-exchange-envelope"
    version: Version = 1
    kem: Literal[32] = Field(default=32, description="DHKEM(X25519, HKDF-SHA256)")
    kdf: Literal[1] = Field(default=1, description="HKDF-SHA256")
    aead: Literal[2] = Field(default=2, description="AES-256-GCM")
    recipient: KeyId
    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    chunk: int = Field(ge=1 << 12, le=1 << 26)
    size: int = Field(ge=1)

    @property
    def chunks(self) -> int:
        """How many chunks the payload is cut into."""
        return -(-self.size // self.chunk)

    @property
    def sealed_size(self) -> int:
        """The size of the sealed chunks together."""
        return self.size + self.chunks * (ENC + TAG)


def _info(header_hash: bytes, index: int, last: bool) -> bytes:
    return CONTEXT + header_hash + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def seal(payload: bytes, recipient: EncryptionRecord, out: BinaryIO, *, chunk: int = CHUNK) -> Header:
    """Write ``payload`` sealed to ``recipient``'s key to ``out``; returns the header."""
    if not payload:
        raise InvalidInput("nothing to seal: the payload is empty")
    header = Header(recipient=recipient.key, id=secrets.token_hex(16), chunk=chunk, size=len(payload))
    data = canonical(header.wire())
    out.write(_PREFIX.pack(MAGIC, len(data)) + data)
    digest = hashlib.sha256(data).digest()
    public = recipient.public()
    view = memoryview(payload)
    for index in range(header.chunks):
        part = view[index * chunk:(index + 1) * chunk]
        out.write(SUITE.encrypt(part, public, _info(digest, index, index == header.chunks - 1)))
    return header


def seal_to_file(payload: bytes, recipient: EncryptionRecord, path: Path, *, chunk: int = CHUNK) -> Header:
    """Seal ``payload`` to ``path`` atomically (a temporary file beside it, synced, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with tmp.open("wb") as out:
            header = seal(payload, recipient, out, chunk=chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return header


def read_header(f: BinaryIO, total: int, label: str) -> tuple[Header, bytes]:
    """The header of an envelope of ``total`` bytes (and its bytes); VerificationFailed for anything else."""
    prefix = f.read(_PREFIX.size)
    if len(prefix) < _PREFIX.size or prefix[:8] != MAGIC:
        raise VerificationFailed(f"{label}: not a Palermo exchange bundle (it does not start with {MAGIC.decode()})")
    length = _PREFIX.unpack(prefix)[1]
    if length > MAX_HEADER:
        raise VerificationFailed(f"{label}: the envelope header announces {length} bytes, over the limit of "
                                 f"{MAX_HEADER}: the file is damaged or altered")
    data = f.read(length)
    if len(data) < length:
        raise VerificationFailed(f"{label}: the file ends in its envelope header: it is truncated")
    try:
        doc = parse(data)
        header = Header.model_validate(doc)
        exact = canonical(doc) == data
    except (ValueError, ValidationError, InvalidInput) as exc:
        why = invalid(exc).message if isinstance(exc, ValidationError) else "not readable"
        raise VerificationFailed(f"{label}: envelope header: {why}: the file is damaged, altered, or of a format "
                                 "this installation does not read") from None
    if not exact:
        raise VerificationFailed(f"{label}: envelope header: not in the exact form Palermo writes: it was altered")
    expected = _PREFIX.size + length + header.sealed_size
    if total < expected:
        raise VerificationFailed(f"{label}: the file has {total} bytes but its envelope announces {expected}: it "
                                 "is truncated")
    if total > expected:
        raise VerificationFailed(f"{label}: {total - expected} bytes follow the last sealed chunk: data was added "
                                 "to the file")
    return header, data


def unseal(f: BinaryIO, total: int, keys: Mapping[str, EncryptionKey], label: str, *,
           max_size: int = MAX_SIZE) -> tuple[Header, bytes]:
    """Open an envelope of ``total`` bytes with the recipient's private ``keys`` (by key id): the header and the
    payload. VerificationFailed naming what failed: not an envelope, sealed to another key, too large, truncated
    or extended, a chunk altered, moved or not sealed to this key."""
    header, data = read_header(f, total, label)
    key = keys.get(header.recipient)
    if key is None:
        raise VerificationFailed(f"{label}: sealed to encryption key {header.recipient}, which this installation "
                                 f"does not hold (it holds {', '.join(sorted(keys)) or 'none'}): the bundle is meant "
                                 "for another recipient")
    if header.size > max_size:
        raise VerificationFailed(f"{label}: the payload is {header.size} bytes, over the limit of {max_size}")
    digest = hashlib.sha256(data).digest()
    parts = []
    for index in range(header.chunks):
        length = min(header.chunk, header.size - index * header.chunk) + ENC + TAG
        sealed = f.read(length)
        try:
            parts.append(SUITE.decrypt(sealed, key.private, _info(digest, index, index == header.chunks - 1)))
        except (InvalidTag, ValueError):
            raise VerificationFailed(f"{label}: sealed chunk {index + 1} of {header.chunks} does not open with key "
                                     f"{header.recipient}: the file was altered or damaged") from None
    return header, b"".join(parts)


def open_file(source: Path | bytes, keys: Mapping[str, EncryptionKey], *, max_size: int = MAX_SIZE
              ) -> tuple[Header, bytes]:
    """``unseal`` a bundle given as a file or as its bytes."""
    if isinstance(source, bytes):
        return unseal(io.BytesIO(source), len(source), keys, "bundle", max_size=max_size)
    label = f"bundle {source.name}"
    try:
        total = source.stat().st_size
    except FileNotFoundError:
        raise InvalidInput(f"{label}: no such file") from None
    with source.open("rb") as f:
        return unseal(f, total, keys, label, max_size=max_size)
