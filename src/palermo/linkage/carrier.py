"""Messages of a linkage exchange as they travel between two installations (over their APIs or as files): which
step, which exchange, the sending agency and its key, the step's content, signed with the agency's Ed25519 key
(the custody key) so the recipient knows who sent it and that nothing was changed on the way. Secret halves
travel inside sealed to the recipient's encryption key; this module only signs and checks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, ValidationError

from palermo.custody.keys import SigningKey, TrustStore, b64decode, b64encode
from palermo.errors import VerificationFailed
from palermo.linkage.protocol import canonical
from palermo.model import Frozen, invalid

Step = Literal["proposal", "reply", "summary", "confirmation", "result"]
CONTEXT = b"palermo-linkage-message-v1\x00"
"""Bound into every signature, so a signature over another kind of Palermo document never passes for one here."""


class Carried(Frozen):
    """A signed message of a linkage exchange."""

    format: Literal["palermo-linkage-message"] = "palermo-linkage-message"
    version: Literal[1] = 1
    step: Step
    exchange: str = Field(min_length=1, max_length=120)
    sender: str = Field(min_length=2, max_length=64)
    recipient: str = Field(min_length=2, max_length=64)
    key: str = Field(min_length=1, max_length=64)
    body: dict[str, Any]
    signature: str = ""

    def signed_part(self) -> bytes:
        """The bytes the signature covers: everything but the signature, as the protocol's canonical JSON, after
        the context."""
        data = self.model_dump(mode="json", exclude={"signature"})
        return CONTEXT + json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(step: Step, exchange: str, body: dict[str, Any], *, sender: str, recipient: str,
         signer: SigningKey) -> bytes:
    """A message for ``recipient``, signed by ``sender``'s key, as canonical JSON bytes."""
    unsigned = Carried(step=step, exchange=exchange, sender=sender, recipient=recipient, key=signer.key_id, body=body)
    signed = unsigned.model_copy(update={"signature": b64encode(signer.sign(unsigned.signed_part()))})
    return canonical(signed)


def open_message(data: bytes, trust: TrustStore, *, recipient: str, now: datetime) -> Carried:
    """A message checked before anything in it is used: the form, that it is addressed to ``recipient``, that the
    key is a trusted key of the sending agency in force now, and the signature. VerificationFailed otherwise."""
    try:
        message = Carried.model_validate(json.loads(data))
    except ValidationError as exc:
        raise VerificationFailed(f"message: {invalid(exc).message}") from None
    except ValueError:
        raise VerificationFailed("message: not JSON: it was damaged or is not a linkage message") from None
    if message.recipient != recipient:
        raise VerificationFailed(f"message: addressed to {message.recipient}, not to {recipient}")
    record = trust.key_for(message.key, now)
    if record.agency != message.sender:
        raise VerificationFailed(f"message: key {message.key} belongs to {record.agency}, not to {message.sender}")
    try:
        signature = b64decode(message.signature, 64)
    except ValueError:
        raise VerificationFailed("message: the signature is not a 64-byte Ed25519 signature") from None
    if not trust.verify(message.key, signature, message.signed_part()):
        raise VerificationFailed(f"message: the signature does not verify with {message.sender}'s key "
                                 f"{message.key}: it was altered or not signed by that agency")
    return message
