"""Keys and bit positions, as clkhash draws them (``clkhash/key_derivation.py``, ``clkhash/bloomfilter.py``).

Keys: HKDF (RFC 5869) from the secret, with the schema's hash, salt and info, gives two keys of ``keySize`` bytes
per feature, ignored features included, in column order. Positions of a token (its text encoded in the feature's
encoding), for a Bloom filter of ``l`` bits before folding:

- ``blakeHash``: the k-th insertion takes the k-th unsigned 16-bit little-endian word of keyed BLAKE2b-512 (key: the
  feature's first key; salt: the decimal digits of k // 32), modulo l;
- ``doubleHash``: with h1 = HMAC-SHA1 (first key) and h2 = HMAC-MD5 (second key), both read big-endian modulo l,
  the i-th insertion is (h1 + i * h2) mod l; ``prevent_singularity`` re-draws a zero h2 from HMAC-MD5 of the token
  followed by the character with code 0, 1, 2 ... until it is not zero.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from palermo.linkage.schema import Feature, LinkageSchema

_KDF_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"SHA256": hashes.SHA256, "SHA512": hashes.SHA512}


def secret_bytes(secret: bytes | str) -> bytes:
    """The secret as clkhash takes it: bytes as they are, text as UTF-8."""
    return secret if isinstance(secret, bytes) else secret.encode("utf-8")


def derive_keys(schema: LinkageSchema, secret: bytes | str) -> list[tuple[bytes, bytes]]:
    """The two keys of every feature (ignored ones too), derived from the secret by HKDF as the schema says."""
    kdf = schema.clk_config.kdf
    count = 2 * len(schema.features)
    material = HKDF(algorithm=_KDF_HASHES[kdf.hash](), length=count * kdf.key_size, salt=kdf.salt_bytes(),
                    info=kdf.info_bytes()).derive(secret_bytes(secret))
    size = kdf.key_size
    return [(material[2 * i * size:(2 * i + 1) * size], material[(2 * i + 1) * size:(2 * i + 2) * size])
            for i in range(len(schema.features))]


def _blake(token: bytes, key: bytes, k: int, length: int) -> np.ndarray:
    words = [np.frombuffer(hashlib.blake2b(token, key=key, salt=str(i).encode()).digest(), dtype="<u2")
             for i in range((k + 31) // 32)]
    return np.concatenate(words)[:k].astype(np.int64) % length


def _double(token: bytes, keys: tuple[bytes, bytes], k: int, length: int, non_singular: bool) -> np.ndarray:
    h1 = int.from_bytes(hmac.digest(keys[0], token, "sha1"), "big") % length
    h2 = int.from_bytes(hmac.digest(keys[1], token, "md5"), "big") % length
    i = 0
    while non_singular and h2 == 0:
        h2 = int.from_bytes(hmac.digest(keys[1], token + chr(i).encode(), "md5"), "big") % length
        i += 1
    return (h1 + np.arange(k, dtype=np.int64) * h2) % length


def positions(feature: Feature, keys: tuple[bytes, bytes], tokens: Sequence[str], most: Sequence[int],
              length: int) -> np.ndarray:
    """A (tokens x max(most)) matrix: row t holds the first ``most[t]`` bit positions of token t (the rest 0)."""
    width = max(most, default=0)
    table = np.zeros((len(tokens), width), dtype=np.int64)
    encoding = getattr(feature.format, "encoding", "utf-8")
    kind = feature.hashing.hash
    for t, (token, k) in enumerate(zip(tokens, most, strict=True)):
        if k == 0:  # bitsPerFeature below the number of tokens: clkhash inserts the last ones no times
            continue
        data = token.encode(encoding)
        if kind.type == "blakeHash":
            table[t, :k] = _blake(data, keys[0], k, length)
        else:
            table[t, :k] = _double(data, keys, k, length, bool(kind.prevent_singularity))
    return table
