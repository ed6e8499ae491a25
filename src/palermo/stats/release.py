"""Releases that protect victims: k-anonymous tables (the CTDC way) and differentially private counts with OpenDP,
each written to the dataset's privacy-budget ledger with a utility report that stays on the trusted side."""

from __future__ import annotations

import hashlib
import itertools
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from palermo.errors import InvalidInput
from palermo.stats.store import LedgerEntry, StatsStore
from palermo.stats.victims import domain

UNKNOWN = "unknown"
MAX_CELLS = 250_000


@dataclass(frozen=True)
class Cell:
    """One cell of a released table: its categories and its count (None where suppressed)."""

    key: tuple[str, ...]
    count: int | None


@dataclass(frozen=True)
class Release:
    """A published table and how it was protected. ``utility`` is for the data owner only: it compares the
    release with the exact counts, so publishing it would undo the protection."""

    id: str
    dataset: str
    version: str
    kind: str
    by: tuple[str, ...]
    cells: tuple[Cell, ...]
    epsilon: float = 0.0
    delta: float = 0.0
    k: int | None = None
    scale: float | None = None
    contributions: int = 1
    notes: tuple[str, ...] = ()
    utility: dict[str, Any] = field(default_factory=dict, repr=False)

    def public(self) -> dict[str, Any]:
        """What may be published: cells and the protection parameters, without the utility report."""
        return {"id": self.id, "dataset": self.dataset, "version": self.version, "kind": self.kind,
                "by": list(self.by), "epsilon": self.epsilon, "delta": self.delta, "k": self.k, "scale": self.scale,
                "contributions": self.contributions, "notes": list(self.notes),
                "cells": [{"key": list(c.key), "count": c.count} for c in self.cells]}


def _release_id(dataset: str, query: dict[str, Any], at: datetime) -> str:
    digest = hashlib.sha256(json.dumps([dataset, query, at.isoformat()], sort_keys=True).encode()).hexdigest()
    return f"rel-{digest[:16]}"


def _check_by(by: Sequence[str]) -> tuple[str, ...]:
    if not by:
        raise InvalidInput("by: name at least one variable to tabulate")
    if len(set(by)) != len(by):
        raise InvalidInput("by: a variable is named twice")
    return tuple(by)


def k_anonymous(store: StatsStore, name: str, by: Sequence[str], *, k: int = 11, released_by: str,
                at: datetime) -> Release:
    """Counts by the given variables where every combination seen fewer than ``k`` times is suppressed, as CTDC
    publishes (k = 11). Missing values count as 'unknown'. Logged in the ledger with epsilon 0."""
    fields = _check_by(by)
    if not 2 <= k <= 1000:
        raise InvalidInput("k: must be between 2 and 1000")
    ds = store.dataset(name)
    exact = store.counts(name, fields)
    cells = tuple(sorted((Cell(tuple(v or UNKNOWN for v in key), n if n >= k else None)
                          for key, n in exact.items()), key=lambda c: c.key))
    suppressed = sum(1 for c in cells if c.count is None)
    query = {"by": list(fields), "k": k}
    release = Release(_release_id(name, query, at), name, ds.version, "k-anonymous", fields, cells, k=k,
                      notes=(f"{suppressed} of {len(cells)} combinations seen fewer than {k} times are suppressed",
                             "no totals are published, so suppressed cells cannot be recovered by subtraction"),
                      utility={"suppressed_cells": suppressed,
                               "suppressed_records": sum(n for n in exact.values() if n < k)})
    store.record(LedgerEntry(release.id, name, release.kind, query, 0.0, 0.0, at, released_by, release.utility),
                 check_budget=False)
    return release


def _categories(fields: Sequence[str], years: tuple[int, int] | None) -> list[tuple[str, ...]]:
    domains = [[*domain(f, years), UNKNOWN] for f in fields]
    size = 1
    for d in domains:
        size *= len(d)
    if size > MAX_CELLS:
        raise InvalidInput(f"by: {' × '.join(fields)} makes {size:,} cells; at most {MAX_CELLS:,}",
                           hint="tabulate fewer variables at a time")
    return list(itertools.product(*domains))


def measurement(categories: Sequence[str], epsilon: float, mechanism: Literal["laplace", "gaussian"],
                delta: float, contributions: int) -> tuple[Any, float, float, float]:
    """The OpenDP measurement of a noisy histogram over public categories, calibrated so that a person who
    contributes up to ``contributions`` records costs at most (epsilon, delta); returns it with OpenDP's own
    accounting of epsilon and delta, and the noise scale."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance()
    if mechanism == "laplace":
        hist = space >> dp.t.then_count_by_categories(categories=list(categories), null_category=True)

        def laplace(scale: float) -> Any:
            return hist >> dp.m.then_laplace(scale=scale)

        scale = float(dp.binary_search_param(laplace, d_in=contributions, d_out=epsilon))
        meas = laplace(scale)
        return meas, float(meas.map(contributions)), 0.0, scale
    l2 = space >> dp.t.then_count_by_categories(categories=list(categories), null_category=True,
                                                MO=dp.L2Distance[int])

    def gaussian(scale: float) -> Any:
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(l2 >> dp.m.then_gaussian(scale=scale)), delta=delta)

    scale = float(dp.binary_search_param(gaussian, d_in=contributions, d_out=(epsilon, delta)))
    meas = gaussian(scale)
    eps_used, delta_used = meas.map(contributions)
    return meas, float(eps_used), float(delta_used), scale


def differentially_private(store: StatsStore, name: str, by: Sequence[str], *, epsilon: float,
                           mechanism: Literal["laplace", "gaussian"] = "laplace", delta: float = 0.0,
                           contributions: int = 1, years: tuple[int, int] | None = None, released_by: str,
                           at: datetime) -> Release:
    """Noisy counts over every combination of the variables' public values (OpenDP: discrete Laplace for pure
    epsilon-DP, or discrete Gaussian under zero-concentrated DP converted to (epsilon, delta)). The cost is taken
    from OpenDP's privacy map and written to the ledger before anything is computed; a release over budget is
    refused. Negative noisy counts are shown as 0 (post-processing, no privacy cost)."""
    fields = _check_by(by)
    if not 0 < epsilon <= 10:
        raise InvalidInput("epsilon: must be in (0, 10]")
    if mechanism == "gaussian" and not 0 < delta < 1e-3:
        raise InvalidInput("delta: the Gaussian mechanism needs 0 < delta < 0.001")
    if mechanism == "laplace" and delta:
        raise InvalidInput("delta: the Laplace mechanism is pure epsilon-DP; give no delta")
    if not 1 <= contributions <= 100:
        raise InvalidInput("contributions: the most records one person can have, between 1 and 100")
    ds = store.check_variables(name, fields)
    keys = _categories(fields, years)
    labels = ["|".join(k) for k in keys]
    meas, eps_used, delta_used, scale = measurement(labels, epsilon, mechanism, delta, contributions)
    query = {"by": list(fields), "mechanism": mechanism, "epsilon": epsilon, "delta": delta,
             "contributions": contributions, "years": list(years) if years else None}
    release_id = _release_id(name, query, at)
    exact = store.counts(name, fields)
    truth = [exact.get(tuple(None if v == UNKNOWN else v for v in key), 0) for key in keys]
    # Written (and the budget checked) before the data are touched by the mechanism.
    entry = LedgerEntry(release_id, name, f"dp-{mechanism}", query, eps_used, delta_used, at, released_by, {})
    store.record(entry, check_budget=True)
    records = ["|".join(v or UNKNOWN for v in row) for row in store.values(name, fields)]
    noisy = list(meas(records))[:-1]  # the last count is the null category: values outside the public lists
    cells = tuple(Cell(k, max(0, int(n))) for k, n in zip(keys, noisy, strict=True))
    utility = utility_report(truth, [c.count or 0 for c in cells])
    store.con.execute("UPDATE releases SET utility = ? WHERE id = ?", [json.dumps(utility), release_id]).fetchall()
    return Release(release_id, name, ds.version, f"dp-{mechanism}", fields, cells, eps_used, delta_used,
                   contributions=contributions, scale=scale, utility=utility,
                   notes=(f"{mechanism} noise calibrated by OpenDP to epsilon {eps_used:g}"
                          + (f", delta {delta_used:g}" if delta_used else "")
                          + f" for a person with up to {contributions} record(s)",
                          "categories are the public lists of values, never taken from the data",
                          "negative noisy counts are shown as 0"))


def utility_report(truth: Sequence[int], released: Sequence[int]) -> dict[str, Any]:
    """How far a release is from the exact counts: for the data owner only."""
    errors = [abs(r - t) for t, r in zip(truth, released, strict=True)]
    large = [abs(r - t) / t for t, r in zip(truth, released, strict=True) if t >= 100]
    return {"cells": len(truth), "median_abs_error": statistics.median(errors) if errors else 0,
            "max_abs_error": max(errors) if errors else 0, "cells_at_least_100": len(large),
            "median_rel_error_cells_at_least_100": round(statistics.median(large), 6) if large else None}
