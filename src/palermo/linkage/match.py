"""Matching CLKs: Sørensen–Dice similarities above a threshold, then a greedy one-to-one assignment, with the
results of anonlink 0.15 (``find_candidate_pairs`` with ``dice_coefficient`` and ``greedy_solve``).

A candidate is a pair (i, j) of a record of the first and of the second file with
``2 |a AND b| / (|a| + |b|) >= threshold`` computed in double precision as anonlink's C++ computes it, kept only
if anonlink's popcount filter keeps it too (``|pa - pb| <= uint32(2 pa (1/threshold - 1))``), and never for an
empty CLK. Candidates are ordered by similarity (highest first), then i, then j. The greedy solver gives what walking
them in that order and pairing two records when neither is paired yet gives (for two files this is what anonlink's group-merging
greedy solver amounts to: its groups never grow past two records, and a record left alone stays available).

The intersection counts come from one float32 matrix product of the unpacked bits per tile, exact for CLKs of
fewer than 2**24 bits. The threshold is folded into the product as integer columns (-floor(t pa / 2), -floor(t pb
/ 2)), so a tile is pre-filtered by one comparison without losing a candidate (a margin of 2 covers the floors'
rounding); the few that pass are checked exactly from the packed bytes.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from palermo.errors import InvalidInput
from palermo.linkage.clks import Clks

TILE = 4096
"""Records per side of a tile: 4096 x 4096 float32 similarities are 64 MiB."""


@dataclass(frozen=True)
class Candidates:
    """Pairs above the threshold, best first: ``similarity[k]`` of record ``first[k]`` and ``second[k]``."""

    similarity: np.ndarray
    first: np.ndarray
    second: np.ndarray

    def __len__(self) -> int:
        return int(self.similarity.shape[0])


def _check(a: Clks, b: Clks, threshold: float) -> None:
    if a.length != b.length:
        raise InvalidInput(f"CLKs of {a.length} and of {b.length} bits cannot be compared")
    if not 0.0 < threshold <= 1.0:
        raise InvalidInput(f"threshold: {threshold} is not in (0, 1]")


def _unpacked(bits: np.ndarray, own: np.ndarray, left: bool) -> np.ndarray:
    """Packed rows as float32 0/1 with two columns appended: the record's own threshold term and a one, in the order
    that makes the product of a left and a right block add both terms to the intersection count."""
    unpacked = np.unpackbits(bits, axis=1).astype(np.float32)
    column = own.astype(np.float32)[:, None]
    one = np.ones_like(column)
    return np.hstack([unpacked, column, one] if left else [unpacked, one, column])


def _tile_candidates(a: Clks, b: Clks, ia: np.ndarray, ib: np.ndarray, pa: np.ndarray, pb: np.ndarray,
                     threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact candidates among the records ``ia`` of a and ``ib`` of b (indices into the files), in (i, j) order."""
    own_a = -np.floor(threshold * pa / 2.0)
    own_b = -np.floor(threshold * pb / 2.0)
    spread_a = ((2 * pa).astype(np.float64) * (1.0 / threshold - 1.0)).astype(np.uint32).astype(np.int64)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for lo in range(0, len(ia), TILE):
        rows_a = ia[lo:lo + TILE]
        left = _unpacked(a.bits[rows_a], own_a[rows_a], True)
        tile: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for lo_b in range(0, len(ib), TILE):
            rows_b = ib[lo_b:lo_b + TILE]
            product = left @ _unpacked(b.bits[rows_b], own_b[rows_b], False).T
            # |a AND b| - floor(t pa / 2) - floor(t pb / 2), exact in float32: never below -2 for a candidate
            near_a, near_b = np.nonzero(product >= -2.0)
            i, j = rows_a[near_a], rows_b[near_b]
            both = product[near_a, near_b].astype(np.int64) - own_a[i].astype(np.int64) - own_b[j].astype(np.int64)
            total = pa[i] + pb[j]
            with np.errstate(divide="ignore", invalid="ignore"):
                similarity = np.where(total > 0, (2 * both) / total.astype(np.float64), 0.0)
            keep = (similarity >= threshold) & (pa[i] > 0) & (np.abs(pa[i] - pb[j]) <= spread_a[i])
            tile.append((similarity[keep], i[keep], j[keep]))
        if len(tile) > 1:  # several tiles of b: put each record of a's candidates together again, j ascending
            joined = [np.concatenate([t[k] for t in tile]) for k in range(3)]
            order = np.argsort(joined[1], kind="stable")
            tile = [(joined[0][order], joined[1][order], joined[2][order])]
        parts.extend(tile)
    return (np.concatenate([p[0] for p in parts]) if parts else np.zeros(0),
            np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64),
            np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, dtype=np.int64))


def candidates(a: Clks, b: Clks, threshold: float,
               blocks: tuple[Sequence[Hashable], Sequence[Hashable]] | None = None) -> Candidates:
    """Every pair with Dice similarity of at least ``threshold``, ordered as anonlink orders them. With ``blocks``
    (one key per record of each file) only records with equal keys are compared."""
    _check(a, b, threshold)
    pa, pb = a.popcounts(), b.popcounts()
    groups: list[tuple[np.ndarray, np.ndarray]]
    if blocks is None:
        groups = [(np.arange(len(a), dtype=np.int64), np.arange(len(b), dtype=np.int64))]
    else:
        if len(blocks[0]) != len(a) or len(blocks[1]) != len(b):
            raise InvalidInput("blocks: one key per record of each file")
        keyed: dict[Hashable, tuple[list[int], list[int]]] = {}
        for side, keys in enumerate(blocks):
            for index, key in enumerate(keys):
                keyed.setdefault(key, ([], []))[side].append(index)
        groups = [(np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64)) for x, y in keyed.values() if x and y]
    parts = [_tile_candidates(a, b, x, y, pa, pb, threshold) for x, y in groups]
    similarity = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
    first = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    second = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    rank = first * max(len(b), 1) + second
    if len(rank) > 1 and not bool((np.diff(rank) > 0).all()):  # blocks: (i, j) order first
        order = np.argsort(rank, kind="stable")
        similarity, first, second = similarity[order], first[order], second[order]
    order = np.argsort(-similarity, kind="stable")
    return Candidates(similarity[order], first[order], second[order])


def best_two(a: Clks, b: Clks, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the records ``rows`` of a: their highest and second-highest Dice similarity with any record of b (0 where
    b has too few records), over every pair (no popcount filter: for estimating, not for matching)."""
    if a.length != b.length:
        raise InvalidInput(f"CLKs of {a.length} and of {b.length} bits cannot be compared")
    high = np.zeros(len(rows), dtype=np.float32)
    second = np.zeros(len(rows), dtype=np.float32)
    if not len(rows) or not len(b):
        return high, second
    left = np.unpackbits(a.bits[rows], axis=1).astype(np.float32)
    pa = a.popcounts()[rows].astype(np.float32)[:, None]
    pb_all = b.popcounts().astype(np.float32)
    across = np.arange(len(rows))
    for lo in range(0, len(b), TILE):
        right = np.unpackbits(b.bits[lo:lo + TILE], axis=1).astype(np.float32)
        total = pa + pb_all[None, lo:lo + TILE]
        dice = np.divide(2.0 * (left @ right.T), total, out=np.zeros_like(total), where=total > 0)
        at = dice.argmax(axis=1)
        top = dice[across, at]
        dice[across, at] = -1.0
        next_top = dice.max(axis=1) if dice.shape[1] > 1 else np.zeros_like(top)
        high, second = np.maximum(high, top), np.maximum(np.minimum(high, top), np.maximum(second, next_top))
    return high, second


def greedy(found: Candidates) -> np.ndarray:
    """One-to-one pairs (k x 2 array of record indices), as walking the candidates best first and taking a pair
    whenever both records are still free would give them. Computed in rounds: a candidate that comes first among
    the remaining ones of both its records is taken (nothing before it can take either record), then every
    candidate of a taken record is dropped."""
    first, second = found.first, found.second
    position = np.arange(len(first), dtype=np.int64)
    taken: list[np.ndarray] = []
    while len(position):
        _, lead_a = np.unique(first, return_index=True)
        _, lead_b = np.unique(second, return_index=True)
        mutual = np.intersect1d(lead_a, lead_b, assume_unique=True)
        taken.append(position[mutual])
        done_a = np.zeros(int(first.max()) + 1, dtype=bool)
        done_b = np.zeros(int(second.max()) + 1, dtype=bool)
        done_a[first[mutual]] = True
        done_b[second[mutual]] = True
        alive = ~(done_a[first] | done_b[second])
        first, second, position = first[alive], second[alive], position[alive]
    chosen = np.sort(np.concatenate(taken)) if taken else np.zeros(0, dtype=np.int64)
    return np.stack([found.first[chosen], found.second[chosen]], axis=1).reshape(-1, 2)


def match(a: Clks, b: Clks, threshold: float,
          blocks: tuple[Sequence[Hashable], Sequence[Hashable]] | None = None) -> np.ndarray:
    """The one-to-one matching of two files of CLKs (k x 2 array of record indices, best pairs first)."""
    return greedy(candidates(a, b, threshold, blocks))
