"""CLKs as one array: row i is record i's CLK as the bytes clkhash's bitarray gives (bit 0 is the high bit of byte
0), so base64 of a row is exactly clkhash's serialisation and anonlink reads the rows as they are."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from palermo.errors import InvalidInput

POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
"""Bits set in each byte value (numpy 1.26, which the project allows, has no bitwise_count)."""


def popcount(rows: np.ndarray) -> np.ndarray:
    """Bits set in each row of packed bytes (int64)."""
    counts: np.ndarray = POPCOUNT[rows].sum(axis=1, dtype=np.int64)
    return counts


@dataclass(frozen=True)
class Clks:
    """CLKs of ``length`` bits, one row of ``length // 8`` bytes per record (uint8, C order)."""

    bits: np.ndarray
    length: int

    def __post_init__(self) -> None:
        if self.bits.dtype != np.uint8 or self.bits.ndim != 2 or self.bits.shape[1] * 8 != self.length:
            raise ValueError(f"CLKs of {self.length} bits are rows of {self.length // 8} bytes")

    def __len__(self) -> int:
        return int(self.bits.shape[0])

    def popcounts(self) -> np.ndarray:
        """The number of bits set in each CLK (int64)."""
        return popcount(self.bits)

    def row(self, i: int) -> bytes:
        """Record i's CLK as bytes."""
        return bytes(self.bits[i].tobytes())

    def to_base64(self) -> list[str]:
        """Each CLK in base64, as clkhash serialises it (``serialize_bitarray``)."""
        return [base64.b64encode(row.tobytes()).decode("ascii") for row in self.bits]

    def take(self, order: Sequence[int] | np.ndarray) -> Clks:
        """The CLKs of the records at ``order``, in that order."""
        return Clks(np.ascontiguousarray(self.bits[np.asarray(order, dtype=np.int64)]), self.length)

    @classmethod
    def from_base64(cls, texts: Sequence[str], length: int, source: str = "CLKs") -> Clks:
        """CLKs of ``length`` bits from base64 text (clkhash's serialisation); a bad one is named by its index."""
        size = length // 8
        out = np.empty((len(texts), size), dtype=np.uint8)
        for i, text in enumerate(texts):
            try:
                raw = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError, TypeError):
                raise InvalidInput(f"{source}[{i}]: not base64") from None
            if len(raw) != size:
                raise InvalidInput(f"{source}[{i}]: {len(raw) * 8} bits, the schema says {length}")
            out[i] = np.frombuffer(raw, dtype=np.uint8)
        return cls(out, length)

    def to_clkhash_json(self) -> str:
        """The CLKs as the reference tools write a file of them: ``{"clks": [base64, ...]}``."""
        return json.dumps({"clks": self.to_base64()})

    @classmethod
    def from_clkhash_json(cls, text: str | bytes, length: int, source: str = "CLK file") -> Clks:
        """CLKs from a file the reference tools wrote (``{"clks": [base64, ...]}``), each of ``length`` bits."""
        try:
            data = json.loads(text)
        except ValueError:
            raise InvalidInput(f"{source}: not JSON") from None
        clks = data.get("clks") if isinstance(data, dict) else None
        if not isinstance(clks, list) or not all(isinstance(c, str) for c in clks):
            raise InvalidInput(f"{source}: clks: a list of base64 texts is expected")
        return cls.from_base64(clks, length, f"{source}: clks")

    @classmethod
    def from_bytes(cls, rows: Sequence[bytes], length: int) -> Clks:
        """CLKs from one bytes object per record (e.g. bitarray.tobytes())."""
        size = length // 8
        if any(len(r) != size for r in rows):
            raise InvalidInput(f"every CLK has {size} bytes ({length} bits)")
        data = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), size)
        return cls(data.copy(), length)
