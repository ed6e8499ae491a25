"""Multiple systems estimation: how many victims no list saw, from how the lists overlap.

Each person known to any of k lists (police, NGOs, local authorities ...) has a capture pattern; the counts of the
2^k - 1 observable patterns are fitted by a Poisson log-linear model with a main effect per list and the pairwise
interactions that the data support, added one at a time (the stepwise method of Bales, Hesketh & Silverman behind
the UK Home Office estimate, Silverman 2014). The unseen count is the model's
prediction for the pattern "on no list". Intervals are from the profile likelihood of that count (Cormack 1992),
or from a parametric bootstrap that repeats the model selection.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from palermo.errors import InvalidInput

CHI2_95 = 3.841458820694124  # chi-square, 1 degree of freedom, 0.95


@dataclass(frozen=True)
class Overlap:
    """Counts of people by the combination of lists they appear on (1 = on that list)."""

    lists: tuple[str, ...]
    patterns: np.ndarray  # shape (2^k - 1, k), every observable pattern, zeros included
    counts: np.ndarray    # shape (2^k - 1,)
    source: str = ""

    @property
    def observed(self) -> int:
        """People on at least one list."""
        return int(self.counts.sum())


def overlap(lists: Sequence[str], rows: Sequence[tuple[Sequence[int], int]], source: str = "") -> Overlap:
    """An overlap table from (pattern, count) rows; patterns not given have count zero."""
    k = len(lists)
    if not 2 <= k <= 12:
        raise InvalidInput(f"{source}: multiple systems estimation needs 2 to 12 lists, got {k}")
    counts: dict[tuple[int, ...], int] = {}
    for pattern, count in rows:
        key = tuple(int(x) for x in pattern)
        if len(key) != k or any(x not in (0, 1) for x in key):
            raise InvalidInput(f"{source}: pattern {key} is not {k} zeros and ones")
        if not any(key):
            raise InvalidInput(f"{source}: the pattern 'on no list' cannot be observed; leave it out")
        if count < 0:
            raise InvalidInput(f"{source}: negative count for pattern {key}")
        counts[key] = counts.get(key, 0) + int(count)
    patterns = np.array([p for p in itertools.product((0, 1), repeat=k) if any(p)], dtype=float)
    values = np.array([counts.get(tuple(int(x) for x in p), 0) for p in patterns], dtype=float)
    return Overlap(tuple(lists), patterns, values, source)


def read_overlap(path: Path) -> Overlap:
    """Read a CSV of list columns (0/1) and a final count column (count, n, frequency ...)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows = []
            for line, record in enumerate(reader, start=2):
                if not record:
                    continue
                if len(record) != len(header):
                    raise InvalidInput(f"{path}:{line}: {len(record)} fields, the header has {len(header)}")
                try:
                    values = [int(float(v)) for v in record]
                except ValueError:
                    raise InvalidInput(f"{path}:{line}: values must be 0/1 and a count") from None
                rows.append((values[:-1], values[-1]))
    except (OSError, StopIteration, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read as a CSV overlap table ({exc.__class__.__name__})") from None
    return overlap(header[:-1], rows, str(path))


@dataclass
class Fit:
    """A fitted log-linear model: its terms, coefficients, standard errors and deviance."""

    terms: tuple[tuple[int, int], ...]
    beta: np.ndarray
    se: np.ndarray
    deviance: float
    converged: bool

    @property
    def unseen(self) -> float:
        """Predicted count of the pattern 'on no list' (exp of the intercept)."""
        return float(math.exp(self.beta[0]))


def _design(patterns: np.ndarray, terms: Sequence[tuple[int, int]]) -> np.ndarray:
    cols = [np.ones(len(patterns)), *[patterns[:, j] for j in range(patterns.shape[1])]]
    cols += [patterns[:, i] * patterns[:, j] for i, j in terms]
    return np.column_stack(cols)


def poisson_fit(x: np.ndarray, y: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """Poisson regression with a log link by iteratively reweighted least squares: beta, SEs, deviance."""
    beta = np.linalg.lstsq(x, np.log(y + 0.5), rcond=None)[0]
    converged = False
    for _ in range(max_iter):
        eta = np.clip(x @ beta, -50, 50)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        root = np.sqrt(mu)
        new = np.linalg.lstsq(x * root[:, None], z * root, rcond=None)[0]
        if np.max(np.abs(new - beta)) < 1e-9:
            beta, converged = new, True
            break
        beta = new
    mu = np.exp(np.clip(x @ beta, -50, 50))
    cov = np.linalg.pinv((x.T * mu) @ x)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = 2 * float(np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
    return beta, np.sqrt(np.abs(np.diag(cov))), dev, converged and bool(np.all(np.abs(beta) < 30))


def fit(table: Overlap, terms: Sequence[tuple[int, int]] = ()) -> Fit:
    """Fit main effects plus the given pairwise interactions to the observable patterns."""
    beta, se, dev, ok = poisson_fit(_design(table.patterns, terms), table.counts)
    return Fit(tuple(terms), beta, se, dev, ok)


def _p_value(beta: float, se: float) -> float:
    return math.erfc(abs(beta / se) / math.sqrt(2)) if se > 0 else 1.0


def stepwise(table: Overlap, threshold: float = 0.05) -> Fit:
    """Forward selection as in Bales, Hesketh & Silverman (the UK Home Office estimate): from main effects, try
    every pairwise interaction not yet in, take the one that lowers the AIC most, and keep it if its p-value is
    below the threshold; stop when the AIC no longer falls or the best new term is not significant. A term whose
    estimate does not exist (two lists that share nobody) has no p-value and stops the selection."""
    k = len(table.lists)
    current = fit(table)
    while True:
        trials = [fit(table, (*current.terms, pair)) for pair in itertools.combinations(range(k), 2)
                  if pair not in current.terms]
        if not trials:
            return current
        best = min(trials, key=lambda f: f.deviance)
        if best.deviance + 2 >= current.deviance:  # AIC: one more parameter must buy more than 2 of deviance
            return current
        if not best.converged or _p_value(best.beta[-1], best.se[-1]) >= threshold:
            return current
        current = best


def _profile_interval(table: Overlap, terms: Sequence[tuple[int, int]], centre: float) -> tuple[float, float]:
    """Values m of the unseen count whose profile deviance is within chi2(1, 0.95) of the best."""
    full = np.vstack([np.zeros(len(table.lists)), table.patterns])
    x = _design(full, terms)

    def deviance(m: float) -> float:
        y = np.concatenate([[m], table.counts])
        return poisson_fit(x, y)[2]

    low_dev = deviance(centre)

    def edge(direction: int) -> float:
        inside = centre
        step = max(1.0, centre * 0.05)
        outside = centre + direction * step
        while outside > 0 and deviance(outside) - low_dev < CHI2_95:
            inside, step = outside, step * 2
            outside = centre + direction * step
        if outside <= 0:
            return 0.0
        for _ in range(60):
            mid = (inside + outside) / 2
            if deviance(mid) - low_dev < CHI2_95:
                inside = mid
            else:
                outside = mid
        return inside

    return edge(-1), edge(+1)


@dataclass(frozen=True)
class Estimate:
    """A hidden-population estimate: total = observed + unseen, with a 95% interval and how it was made."""

    lists: tuple[str, ...]
    observed: int
    unseen: float
    total: float
    low: float
    high: float
    interactions: tuple[str, ...]
    method: str
    interval: str
    source: str = ""
    bootstrap_totals: tuple[float, ...] = field(default=(), repr=False)


def estimate(table: Overlap, *, threshold: float = 0.05, bootstrap: int = 0, seed: int = 1) -> Estimate:
    """Estimate the total population by the stepwise log-linear model; the interval is the profile likelihood's,
    or with ``bootstrap`` > 0 the 2.5-97.5% percentiles of a parametric bootstrap that repeats the selection."""
    chosen = stepwise(table, threshold)
    total = table.observed + chosen.unseen
    names = tuple(f"{table.lists[i]}×{table.lists[j]}" for i, j in chosen.terms)
    if bootstrap:
        rng = np.random.default_rng(seed)
        mu = np.exp(_design(table.patterns, chosen.terms) @ chosen.beta)
        totals = []
        for _ in range(bootstrap):
            sample = Overlap(table.lists, table.patterns, rng.poisson(mu).astype(float), table.source)
            refit = stepwise(sample, threshold)
            totals.append(sample.observed + refit.unseen)
        low, high = (float(v) for v in np.percentile(totals, [2.5, 97.5]))
        return Estimate(table.lists, table.observed, chosen.unseen, total, low, high, names,
                        f"stepwise log-linear, AIC with p < {threshold} (Bales, Hesketh & Silverman)", f"parametric bootstrap, {bootstrap} samples",
                        table.source, tuple(totals))
    lo_unseen, hi_unseen = _profile_interval(table, chosen.terms, chosen.unseen)
    return Estimate(table.lists, table.observed, chosen.unseen, total, table.observed + lo_unseen,
                    table.observed + hi_unseen, names, f"stepwise log-linear, AIC with p < {threshold} (Bales, Hesketh & Silverman)",
                    "profile likelihood, 95%", table.source)
