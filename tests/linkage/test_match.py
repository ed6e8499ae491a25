"""Matching gives anonlink's results (0.15: find_candidate_pairs with the Dice coefficient, greedy_solve): the same
candidates in the same order with the same similarities, and the same one-to-one pairs, on FEBRL4 and on CLKs
made to tie."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from palermo.errors import InvalidInput
from palermo.linkage import Clks, candidates, encode_rows, greedy, match, read_schema

from . import febrl

SAMPLE = 2000


def anonlink_result(anonlink: ModuleType, a: Clks, b: Clks, threshold: float,
                    blocks: Any = None) -> tuple[list[float], list[int], list[int], list[tuple[int, int]]]:
    """anonlink's candidates (similarities, indices) and greedy pairs for the same CLKs."""
    from bitarray import bitarray

    def bitarrays(clks: Clks) -> list[bitarray]:
        out = []
        for i in range(len(clks)):
            x = bitarray()
            x.frombytes(clks.row(i))
            out.append(x)
        return out

    blocking = None
    if blocks is not None:
        def blocking(dataset: int, record: int, _: Any) -> tuple[Any, ...]:
            return (blocks[dataset][record],)
    found = anonlink.candidate_generation.find_candidate_pairs(
        [bitarrays(a), bitarrays(b)], anonlink.similarities.dice_coefficient, threshold, blocking_f=blocking)
    pairs = sorted(anonlink.solving.pairs_from_groups(anonlink.solving.greedy_solve(found)))
    return list(found[0]), list(found[2][0]), list(found[2][1]), pairs


def assert_same(anonlink: ModuleType, a: Clks, b: Clks, threshold: float, blocks: Any = None) -> int:
    sims, first, second, pairs = anonlink_result(anonlink, a, b, threshold, blocks)
    ours = candidates(a, b, threshold, blocks)
    assert ours.similarity.tolist() == sims
    assert ours.first.tolist() == first and ours.second.tolist() == second
    assert sorted(map(tuple, greedy(ours).tolist())) == pairs
    return len(pairs)


@pytest.fixture(scope="module")
def febrl_clks(febrl4) -> tuple[Clks, Clks]:
    schema = read_schema(febrl.TUTORIAL)
    return (encode_rows(schema, "s", febrl.rows(febrl4[0])[:SAMPLE]),
            encode_rows(schema, "s", febrl.rows(febrl4[1])[:SAMPLE]))


@pytest.mark.parametrize("threshold", [0.7, 0.8, 0.95])
def test_febrl_matches_are_anonlinks(threshold, febrl_clks, reference: Callable[[str], ModuleType]) -> None:
    assert assert_same(reference("anonlink"), *febrl_clks, threshold) > 0


def test_ties_are_broken_as_anonlink_breaks_them(reference: Callable[[str], ModuleType]) -> None:
    """Few bits in short CLKs: many pairs share a similarity, some CLKs are empty (never candidates)."""
    anonlink = reference("anonlink")
    rng = np.random.default_rng(7)
    for width in (8, 16, 24):
        bits = (rng.random((300, width * 8)) < 0.08).astype(np.uint8)
        bits[::37] = 0
        a = Clks(np.packbits(bits[:140], axis=1), width * 8)
        b = Clks(np.packbits(bits[140:], axis=1), width * 8)
        assert (a.popcounts() == 0).any()
        for threshold in (0.3, 2 / 3, 1.0):
            assert_same(anonlink, a, b, threshold)


def test_blocking_compares_only_within_a_block(febrl_clks, reference: Callable[[str], ModuleType]) -> None:
    a, b = (c.take(range(500)) for c in febrl_clks)
    blocks = ([i % 3 for i in range(500)], [i % 3 for i in range(500)])
    assert assert_same(reference("anonlink"), a, b, 0.7, blocks) > 0
    assert set(match(a, b, 0.7, blocks)[:, 0] % 3 - match(a, b, 0.7, blocks)[:, 1] % 3) == {0}


def test_refusals_and_empty_files() -> None:
    a = Clks(np.zeros((2, 8), dtype=np.uint8), 64)
    with pytest.raises(InvalidInput, match="CLKs of 64 and of 128 bits"):
        candidates(a, Clks(np.zeros((1, 16), dtype=np.uint8), 128), 0.8)
    with pytest.raises(InvalidInput, match=r"threshold: 0 is not in \(0, 1\]"):
        candidates(a, a, 0)
    assert match(a, a, 0.5).shape == (0, 2)
    empty = Clks(np.zeros((0, 8), dtype=np.uint8), 64)
    assert match(empty, a, 0.5).shape == (0, 2)
    with pytest.raises(InvalidInput, match="one key per record"):
        candidates(a, a, 0.5, ([1], [1, 2]))
