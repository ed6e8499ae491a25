from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from palermo.errors import InvalidInput
from palermo.stats.mse import estimate, fit, overlap, read_overlap, stepwise


def test_two_lists_give_lincoln_petersen() -> None:
    table = overlap(["A", "B"], [((1, 0), 60), ((0, 1), 40), ((1, 1), 20)])
    unseen = fit(table).unseen
    assert unseen == pytest.approx(60 * 40 / 20, rel=1e-6)  # n10 * n01 / n11
    est = estimate(table)
    assert est.total == pytest.approx(240, rel=1e-6) and est.low < 240 < est.high


def test_recovers_a_known_population_without_list_dependence() -> None:
    rng = np.random.default_rng(3)
    n, p = 5000, [0.2, 0.15, 0.3, 0.1]
    caught = rng.random((n, 4)) < p
    rows: dict[tuple[int, ...], int] = {}
    for row in caught:
        key = tuple(int(x) for x in row)
        if any(key):
            rows[key] = rows.get(key, 0) + 1
    est = estimate(overlap(["a", "b", "c", "d"], list(rows.items())))
    assert est.low <= n <= est.high and abs(est.total - n) / n < 0.1


def test_uk_2013_six_lists_against_the_home_office_estimate(shared_data: Callable[[str], Path]) -> None:
    """Silverman (2014) for the Home Office: between 10,000 and 13,000 potential victims in the UK in 2013,
    from the 2013 Strategic Assessment's lists with PF and NCA merged (UKdat_5), central estimate 11,313."""
    table = read_overlap(shared_data("mse_modern_slavery_lists") / "UKdat_5.csv")
    assert table.observed == 2744
    est = estimate(table)
    assert round(est.total) == 11313
    assert 9500 < est.low < 10500 and 12500 < est.high < 13500
    assert "LA×NG" in est.interactions


def test_selection_stops_at_terms_that_have_no_estimate(shared_data: Callable[[str], Path]) -> None:
    table = read_overlap(shared_data("mse_modern_slavery_lists") / "UKdat_5.csv")
    chosen = stepwise(table)
    la, gp = table.lists.index("LA"), table.lists.index("GP")
    assert (la, gp) not in chosen.terms  # LA and GP share nobody: that interaction cannot be estimated
    assert chosen.converged and all(math.isfinite(b) for b in chosen.beta)


def test_bootstrap_interval_is_wider_and_seeded() -> None:
    table = overlap(["A", "B", "C"], [((1, 0, 0), 120), ((0, 1, 0), 90), ((0, 0, 1), 70), ((1, 1, 0), 25),
                                      ((1, 0, 1), 18), ((0, 1, 1), 15), ((1, 1, 1), 5)])
    one = estimate(table, bootstrap=200, seed=4)
    two = estimate(table, bootstrap=200, seed=4)
    assert one.bootstrap_totals == two.bootstrap_totals and len(one.bootstrap_totals) == 200
    assert one.low < one.total < one.high and "bootstrap" in one.interval


@pytest.mark.parametrize(("text", "needle"), [
    ("A,B,count\n1,0,5\n0,0,3\n", "on no list"),
    ("A,B,count\n1,0,5\n2,1,3\n", "zeros and ones"),
    ("A,B,count\n1,0,5\n0,1\n", ":3: 2 fields"),
    ("A,count\n1,5\n", "2 to 12 lists"),
    ("A,B,count\n1,0,x\n", ":2: values must be"),
])
def test_bad_tables_are_refused_with_line(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "lists.csv"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=needle):
        read_overlap(path)
