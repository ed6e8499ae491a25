"""A threshold chosen from the exchange's own similarities, so that few records without a partner are matched.

A fixed threshold serves one mix of data only: when every person is held by both agencies, a low one finds the most
matches and costs nothing, since a greedy one-to-one solver meets each record's true partner before a stranger; when
most persons are held by one agency alone, the same low threshold pairs many of them with their most similar
stranger. The number of such false matches can be estimated from the scores themselves, in the way a false
discovery rate is (Storey 2002; a null sample as in target-decoy searches):

1. *Strangers' best score*: for a record sure to have its partner (its best similarity at or above ``highest``), its
   second-best similarity is the best it has with a stranger. These scores sample the best score a record *without*
   a partner reaches. Their tail is the larger of the empirical one and a Gumbel's fitted to them by moments (the
   distribution of a maximum; it smooths a tail of few points).
2. *Records without a partner*: they score below the median of that sample half the time, while records with a
   partner almost never do; so about twice the records whose best similarity is below it have no partner.
3. The threshold is the lowest in [``lowest``, ``highest``], in steps of 0.005, at which the expected number of
   records without a partner that still reach it is at most ``false_match_rate`` of the records that reach it.
   Each file is looked at from its side, and the higher of the two thresholds is kept.

The scores of up to ``SAMPLE`` records of each file are used. With fewer than ``MIN_SURE`` sure records on a side
there is too little to estimate from, and the agreed fixed threshold is used. The similarities and the threshold stay with the matcher: neither party receives them.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field, model_validator

from palermo.linkage.clks import Clks
from palermo.linkage.match import best_two, match
from palermo.model import Frozen

MIN_SURE = 30
"""Sure records (best similarity at or above ``highest``) a side needs before its scores are used."""
SAMPLE = 1000
"""Records of each file whose best two similarities are computed (the estimate needs distributions, not every
record; it costs a fifth of the matching of 5,000 x 5,000)."""
STEP = 0.005
EULER_GAMMA = 0.5772156649015329


class AdaptiveThreshold(Frozen):
    """How the matcher chooses the threshold from the similarities: between ``lowest`` and ``highest``, the lowest
    at which the expected share of false matches is at most ``false_match_rate``."""

    lowest: float = Field(default=0.6, gt=0.0, le=1.0, description="the threshold is never lower")
    highest: float = Field(default=0.8, gt=0.0, le=1.0,
                           description="the threshold is never higher; a record this similar to another is sure")
    false_match_rate: float = Field(default=0.005, gt=0.0, lt=1.0,
                                    description="the expected share of matched records without a real partner")

    @model_validator(mode="after")
    def _ordered(self) -> AdaptiveThreshold:
        if self.lowest > self.highest:
            raise ValueError("lowest is above highest")
        return self


def side_threshold(first: np.ndarray, second: np.ndarray, rule: AdaptiveThreshold, fallback: float) -> float:
    """The threshold one file's records ask for (``first``: each record's best similarity, ``second``: its
    second best); ``fallback`` when fewer than ``MIN_SURE`` records are sure."""
    null = np.sort(second[first >= rule.highest]).astype(np.float64)
    if len(null) < MIN_SURE:
        return fallback
    scale = float(null.std()) * math.sqrt(6.0) / math.pi
    location = float(null.mean()) - EULER_GAMMA * scale
    without = min(float(len(first)), 2.0 * float(np.sum(first < np.median(null))))
    steps = round((rule.highest - rule.lowest) / STEP)
    for k in range(steps + 1):
        t = round(rule.lowest + k * STEP, 6)
        empirical = 1.0 - np.searchsorted(null, t, side="left") / len(null)
        gumbel = -math.expm1(-math.exp(-(t - location) / scale)) if scale > 0 else 0.0
        if without * max(empirical, gumbel) <= rule.false_match_rate * max(int(np.sum(first >= t)), 1):
            return t
    return rule.highest


def sample(count: int) -> np.ndarray:
    """The records of a file whose scores are looked at: all of them up to ``SAMPLE``, else ``SAMPLE`` evenly spread
    (the protocol's files are in the random order of their references)."""
    if count <= SAMPLE:
        return np.arange(count, dtype=np.int64)
    return np.unique(np.linspace(0, count - 1, SAMPLE).astype(np.int64))


def choose_threshold(a: Clks, b: Clks, rule: AdaptiveThreshold, fallback: float) -> float:
    """The threshold for this pair of files: the higher of the thresholds each file's (sampled) records ask for."""
    return max(side_threshold(*best_two(a, b, sample(len(a))), rule, fallback),
               side_threshold(*best_two(b, a, sample(len(b))), rule, fallback))


def match_adaptive(a: Clks, b: Clks, rule: AdaptiveThreshold, fallback: float) -> tuple[np.ndarray, float]:
    """The one-to-one matching at the threshold chosen from the files' similarities (k x 2 record indices, best
    first) and that threshold; the pairs are anonlink's greedy pairs at that threshold."""
    threshold = choose_threshold(a, b, rule, fallback)
    return match(a, b, threshold), threshold
