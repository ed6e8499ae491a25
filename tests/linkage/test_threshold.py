"""The threshold the matcher chooses from an exchange's own scores: low when every person has a partner, higher when
most have none, the agreed fixed one when the files are too small to tell; the pairs are anonlink's at it."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType

import numpy as np
import pytest

from palermo.errors import InvalidInput
from palermo.linkage import (
    DEFAULT_ADAPTIVE,
    DEFAULT_THRESHOLD,
    AdaptiveThreshold,
    Clks,
    best_two,
    choose_threshold,
    encode,
    match,
    match_adaptive,
    person_schema,
    propose,
)
from palermo.linkage.threshold import MIN_SURE, side_threshold

from . import febrl, generated
from .test_match import assert_same

RULE = AdaptiveThreshold()


def test_best_two_are_the_two_highest_dice_similarities() -> None:
    rng = np.random.default_rng(3)
    bits = (rng.random((70, 64)) < 0.3).astype(np.uint8)
    bits[5] = 0
    a, b = Clks(np.packbits(bits[:30], axis=1), 64), Clks(np.packbits(bits[30:], axis=1), 64)
    high, second = best_two(a, b, np.array([0, 5, 7, 29]))
    for k, i in enumerate([0, 5, 7, 29]):
        scores = sorted((2 * int((bits[i] & bits[30 + j]).sum()) / max(int(bits[i].sum() + bits[30 + j].sum()), 1)
                         for j in range(40)), reverse=True)
        assert high[k] == pytest.approx(scores[0], abs=1e-6) and second[k] == pytest.approx(scores[1], abs=1e-6)
    assert best_two(a, Clks(np.zeros((1, 8), np.uint8), 64), np.array([0]))[1].tolist() == [0.0]


def test_a_side_with_no_stranger_above_lowest_asks_for_the_lowest() -> None:
    """Every record sure of its partner, strangers far below: nothing to fear at the lowest threshold."""
    first = np.full(200, 0.95)
    second = np.linspace(0.30, 0.45, 200)
    assert side_threshold(first, second, RULE, 0.7) == RULE.lowest


def test_records_without_a_partner_raise_the_threshold_as_a_gumbel_tail_says() -> None:
    """100 sure records whose strangers' best scores spread evenly over 0.40-0.60, and 100 records without a
    partner (best score 0.45): about 200 records lack a partner (twice those below the median 0.5), 100 reach
    any threshold above 0.6, so the share of strangers reaching it must be at most 0.005 x 100 / 200. The
    Gumbel fitted by moments (mean 0.5, standard deviation of the uniform sample) gives that share at
    location + scale x -ln(-ln(1 - 0.0025))."""
    null = np.linspace(0.40, 0.60, 100)
    first = np.concatenate([np.full(100, 0.9), np.full(100, 0.45)])
    second = np.concatenate([null, np.full(100, 0.40)])
    scale = float(null.std()) * math.sqrt(6) / math.pi
    location = float(null.mean()) - 0.5772156649 * scale
    needed = location - scale * math.log(-math.log(1 - 0.0025))
    chosen = side_threshold(first, second, RULE, 0.7)
    assert needed <= chosen < needed + 0.005
    more = np.concatenate([first, np.full(100, 0.45)])
    assert side_threshold(more, np.concatenate([second, np.full(100, 0.4)]), RULE, 0.7) > chosen
    stricter = AdaptiveThreshold(false_match_rate=0.0005)
    assert side_threshold(first, second, stricter, 0.7) == stricter.highest  # never above highest


def test_too_few_sure_records_use_the_agreed_threshold() -> None:
    first = np.concatenate([np.full(MIN_SURE - 1, 0.9), np.full(50, 0.5)])
    assert side_threshold(first, np.full(len(first), 0.4), RULE, 0.73) == 0.73


def test_the_rule_and_the_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="lowest is above highest"):
        AdaptiveThreshold(lowest=0.9, highest=0.8)
    with pytest.raises(InvalidInput, match=r"threshold: 0.9 is outside 0.6-0.8, the range the matcher chooses in"):
        propose("gb-ro-2026-0009", ("GB-NCA", "RO-IGPR"), person_schema(), threshold=0.9)
    fixed = propose("gb-ro-2026-0009", ("GB-NCA", "RO-IGPR"), person_schema(), threshold=0.9, adaptive=None)
    assert fixed.adaptive is None and fixed.threshold == 0.9
    assert propose("gb-ro-2026-0009", ("GB-NCA", "RO-IGPR"), person_schema()).adaptive == DEFAULT_ADAPTIVE


@pytest.fixture(scope="module")
def febrl_person(febrl4) -> tuple[Clks, Clks, set[tuple[int, int]]]:
    schema = person_schema()
    a, b = febrl4
    return (encode(schema, "s", febrl.person_columns(a)), encode(schema, "s", febrl.person_columns(b)),
            febrl.truth(a, b))


def carve(clks: tuple[Clks, Clks, set[tuple[int, int]]], size: int, shared: int, seed: int
          ) -> tuple[Clks, Clks, set[tuple[int, int]]]:
    """``size`` records a side of which ``shared`` persons are on both, the rest on one side only."""
    a, b, truth = clks
    rows_a, rows_b, true = febrl.carve(sorted(truth), size, shared, seed)
    return a.take(rows_a), b.take(rows_b), true


def test_the_threshold_follows_the_share_of_persons_without_a_partner(febrl_person) -> None:
    """The same persons' records; the more of them one agency alone holds, the higher the threshold; and what is
    matched stays right (FEBRL4 was not used to choose the rule's values)."""
    chosen = []
    for shared in (2000, 1000, 400):
        a, b, truth = carve(febrl_person, 2000, shared, seed=shared)
        pairs, threshold = match_adaptive(a, b, RULE, DEFAULT_THRESHOLD)
        found = {(int(i), int(j)) for i, j in pairs.tolist()}
        precision, recall, _ = febrl.quality(found, truth)
        assert precision >= 0.99 and recall >= 0.95, (shared, threshold, precision, recall)
        chosen.append(threshold)
    assert chosen[0] == RULE.lowest and chosen[0] < chosen[1] <= chosen[2] <= RULE.highest


def test_small_files_use_the_agreed_threshold(febrl_person) -> None:
    a, b, _ = carve(febrl_person, 40, 10, seed=1)
    assert choose_threshold(a, b, RULE, 0.71) == 0.71


def test_the_pairs_are_anonlinks_at_the_chosen_threshold(febrl_person, reference: Callable[[str], ModuleType]
                                                         ) -> None:
    a, b, _ = carve(febrl_person, 1500, 500, seed=4)
    pairs, threshold = match_adaptive(a, b, RULE, DEFAULT_THRESHOLD)
    assert RULE.lowest < threshold
    assert pairs.tolist() == match(a, b, threshold).tolist()
    assert assert_same(reference("anonlink"), a, b, threshold) == len(pairs)


def test_empty_files_match_nothing() -> None:
    empty = Clks(np.zeros((0, 128), np.uint8), 1024)
    some = Clks(np.random.default_rng(1).integers(0, 255, (5, 128), dtype=np.uint8), 1024)
    for a, b in ((empty, some), (some, empty), (empty, empty)):
        pairs, threshold = match_adaptive(a, b, RULE, DEFAULT_THRESHOLD)
        assert pairs.shape == (0, 2) and threshold == DEFAULT_THRESHOLD


def test_the_rule_stays_safe_on_persons_of_another_generator(reference: Callable[[str], ModuleType]) -> None:
    """Generated persons of fifteen countries recorded again with other errors than FEBRL's (nothing was chosen on
    them): where most persons have no partner the threshold rises and what is matched stays right."""
    reference("faker")
    first, second = generated.pairs_of_records(3000, seed=11)
    pairs = [(i, i) for i in range(3000)]
    schema = person_schema()
    chosen = []
    for shared in (1500, 300):
        rows_a, rows_b, truth = febrl.carve(pairs, 1500, shared, seed=shared)
        a = encode(schema, "s", generated.columns([first[i] for i in rows_a]))
        b = encode(schema, "s", generated.columns([second[j] for j in rows_b]))
        found, threshold = match_adaptive(a, b, RULE, DEFAULT_THRESHOLD)
        precision, recall, _ = febrl.quality({(int(i), int(j)) for i, j in found.tolist()}, truth)
        assert precision >= 0.99 and recall >= 0.7, (shared, threshold, precision, recall)
        chosen.append(threshold)
    assert chosen[0] < DEFAULT_THRESHOLD < chosen[1]
