"""Encryption at rest of victims' identities: AES-GCM under a per-agency data key, itself wrapped by the
deployment's master key. Everywhere else a protected person is shown by a stable pseudonym."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from palermo.errors import InvalidInput, VerificationFailed

NONCE = 12


class Keyring:
    """The master key and the operations on agency data keys."""

    def __init__(self, master: bytes) -> None:
        if len(master) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._master = AESGCM(master)

    @classmethod
    def load(cls, data_dir: Path, secret: str | None = None, *, create: bool = True, store_name: str = "") -> Keyring:
        """The master key from `secret` (base64, e.g. PALERMO_SECRET_KEY), else the data directory's `secret.key`,
        created with mode 0600 on first use. With ``create`` false (the store already holds agencies whose keys
        this master key wraps) a missing key file is an error, never a fresh key."""
        if secret:
            try:
                return cls(base64.b64decode(secret, validate=True))
            except (ValueError, binascii.Error):
                raise InvalidInput("PALERMO_SECRET_KEY: not the base64 of 32 bytes") from None
        path = data_dir / "secret.key"
        if not path.exists() and not create:
            raise InvalidInput(f"{path}: no master key, but the case store {store_name or 'in use'} holds agencies "
                               "whose keys it wraps", hint="point PALERMO_DATA_DIR at the folder that holds the "
                               "store's secret.key, or set PALERMO_SECRET_KEY; a new key could not open their data")
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64encode(AESGCM.generate_key(bit_length=256)))
        return cls(base64.b64decode(path.read_bytes()))

    def new_agency_key(self) -> bytes:
        """A fresh agency data key, wrapped for storage."""
        return _encrypt(self._master, AESGCM.generate_key(bit_length=256), b"agency-key")

    def _agency(self, wrapped: bytes) -> bytes:
        return _decrypt(self._master, wrapped, b"agency-key")

    def seal(self, wrapped: bytes, context: str, data: dict[str, Any]) -> bytes:
        """Encrypt a record under the agency's key, bound to its context (case and entity IDs)."""
        return _encrypt(AESGCM(self._agency(wrapped)), json.dumps(data).encode(), context.encode())

    def open(self, wrapped: bytes, context: str, blob: bytes) -> dict[str, Any]:
        """Decrypt a sealed record; fails if it was moved to another context or altered."""
        data: dict[str, Any] = json.loads(_decrypt(AESGCM(self._agency(wrapped)), blob, context.encode()))
        return data

    def wrap(self, secret: bytes, context: str) -> bytes:
        """Encrypt a secret (an agency's private signing key) under the master key, bound to its context."""
        return _encrypt(self._master, secret, context.encode())

    def unwrap(self, blob: bytes, context: str) -> bytes:
        """The secret `wrap` encrypted; fails if it was moved to another context or altered."""
        return _decrypt(self._master, blob, context.encode())

    def pseudonym(self, wrapped: bytes, entity_id: str) -> str:
        """A stable pseudonym for a protected person: the same within the agency, unlinkable outside it."""
        digest = hmac.new(self._agency(wrapped), entity_id.encode(), hashlib.sha256).hexdigest()
        return f"Protected person {digest[:8].upper()}"


def _encrypt(aead: AESGCM, data: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + aead.encrypt(nonce, data, aad)


def _decrypt(aead: AESGCM, blob: bytes, aad: bytes) -> bytes:
    try:
        return aead.decrypt(blob[:NONCE], blob[NONCE:], aad)
    except Exception:
        raise VerificationFailed("a sealed record failed its integrity check (wrong key or altered data)") from None
