"""The bundle format as docs/exchange.md gives it, read by a second implementation written from that text alone:
RFC 9180 HPKE opened step by step from X25519, HKDF-SHA256 and AES-256-GCM, the zip read by Python's zipfile, the
manifest checked with plain json and Ed25519. If Palermo's writer and this page drift apart, this test fails."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .helpers import FILE, FILE_SHA, GB, RO, World, bundle, preview

KEM, KDF, AEAD = 0x0020, 0x0001, 0x0002


def extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()


def expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out, counter = out + block, counter + 1
    return out[:length]


def labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return expand(prk, struct.pack(">H", length) + b"HPKE-v1" + suite + label + info, length)


def hpke_open(private: X25519PrivateKey, sealed: bytes, info: bytes) -> bytes:
    """RFC 9180 base mode, single shot, empty aad: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM."""
    enc, ciphertext = sealed[:32], sealed[32:]
    kem_suite = b"KEM" + struct.pack(">H", KEM)
    dh = private.exchange(X25519PublicKey.from_public_bytes(enc))
    recipient = private.public_key().public_bytes_raw()
    prk = labeled_extract(kem_suite, b"", b"eae_prk", dh)
    shared = labeled_expand(kem_suite, prk, b"shared_secret", enc + recipient, 32)
    suite = b"HPKE" + struct.pack(">HHH", KEM, KDF, AEAD)
    context = (b"\x00" + labeled_extract(suite, b"", b"psk_id_hash", b"")
               + labeled_extract(suite, b"", b"info_hash", info))
    secret = labeled_extract(suite, shared, b"secret", b"")
    key = labeled_expand(suite, secret, b"key", context, 32)
    nonce = labeled_expand(suite, secret, b"base_nonce", context, 12)
    return AESGCM(key).decrypt(nonce, ciphertext, b"")


def canonical(value: Any) -> bytes:
    """RFC 8785 for what the format holds (ASCII keys, strings, integers, booleans, null, lists, objects)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def read(data: bytes, private: X25519PrivateKey) -> bytes:
    """The payload of an envelope, following docs/exchange.md, "The envelope"."""
    assert data[:8] == b"PALERMOX"
    (length,) = struct.unpack(">I", data[8:12])
    raw = data[12:12 + length]
    header = json.loads(raw)
    assert canonical(header) == raw
    assert (header["format"], header["version"], header["kem"], header["kdf"], header["aead"]) == (
        "palermo-exchange-envelope", 1, 32, 1, 2)
    assert header["recipient"] == hashlib.sha256(private.public_key().public_bytes_raw()).hexdigest()[:16]
    chunk, size = header["chunk"], header["size"]
    count = -(-size // chunk)
    assert len(data) == 12 + length + size + count * 48
    digest, at, payload = hashlib.sha256(raw).digest(), 12 + length, b""
    for index in range(count):
        plain = min(chunk, size - index * chunk)
        info = b"palermo-x1" + digest + struct.pack(">Q", index) + (b"\x01" if index == count - 1 else b"\x00")
        payload += hpke_open(private, data[at:at + 32 + plain + 16], info)
        at += 32 + plain + 16
    return payload


def test_a_second_implementation_reads_the_bundle_from_the_documentation(w: World, tmp_path: Path) -> None:
    path = bundle(w, tmp_path / "b.bundle", chunk=4096)
    private = X25519PrivateKey.from_private_bytes(w.agencies[RO].encryption.private_bytes())
    payload = read(path.read_bytes(), private)
    archive = zipfile.ZipFile(BytesIO(payload))
    infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "manifest.json" and names[1:] == sorted(names[1:])
    for info in infos:
        assert (info.compress_type, info.date_time, info.external_attr >> 16, info.extra, info.comment) == (
            zipfile.ZIP_STORED, (1980, 1, 1, 0, 0, 0), 0o100644, b"", b"")
    signed = json.loads(archive.read("manifest.json"))
    assert canonical(signed) == archive.read("manifest.json")
    manifest = signed["manifest"]
    signer = Ed25519PublicKey.from_public_bytes(w.agencies[GB].signing.public_key)
    signer.verify(base64.b64decode(signed["signature"], validate=True),
                  b"palermo exchange bundle manifest v1\n" + canonical(manifest))
    assert [m["name"] for m in manifest["members"]] == names[1:]
    for member in manifest["members"]:
        content = archive.read(member["name"])
        assert (len(content), hashlib.sha256(content).hexdigest()) == (member["size"], member["sha256"])
    entities = [json.loads(line) for line in archive.read("entities.jsonl").splitlines()]
    assert [(e["id"], e["schema"], e["properties"]) for e in entities] == [
        (e.id, e.schema_, e.properties) for e in preview(w).entities]
    attachment = json.loads(archive.read("attachments.jsonl"))
    assert archive.read(f"files/{attachment['sha256']}") == FILE and attachment["sha256"] == FILE_SHA
    exhibit = json.loads(archive.read("exhibits.jsonl"))
    assert hashlib.sha256(archive.read(f"custody/{exhibit['custody']}")).hexdigest() == exhibit["custody"]
    assert manifest["counts"] == {"entities": len(entities), "notes": 0, "attachments": 1, "exhibits": 1}
    assert manifest["sender"]["key"] == w.agencies[GB].signing.key_id
