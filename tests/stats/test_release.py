from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.errors import Conflict, InvalidInput
from palermo.stats.release import differentially_private, k_anonymous, measurement
from palermo.stats.store import StatsStore
from palermo.stats.victims import Parsed, parse_ctdc

NOW = datetime(2026, 11, 28, 12, 0)
GENDERS = ["Female", "Male", None]
AGES = ["0--8", "9--17", "18--20", "21--23", "30--38", None]


def _dataset(rows: list[list[str | None]], name: str = "toy", budget: float = 2.0) -> StatsStore:
    store = StatsStore()
    parsed = Parsed(["gender", "ageBroad", "citizenship"], rows, [], "toy.csv@sha256:0")
    store.add_dataset(name, parsed, epsilon_budget=budget, delta_budget=1e-6, at=NOW)
    return store


def test_ctdc_subset_imports_with_its_own_columns_named(shared_data: Callable[[str], Path]) -> None:
    parsed = parse_ctdc(shared_data("ctdc") / "ctdc_global_dataset_2020-04-14_subset.csv")
    assert len(parsed.rows) == 48773
    assert parsed.columns == ["yearOfRegistration", "gender", "ageBroad", "citizenship", "isForcedLabour",
                              "isSexualExploit", "CountryOfExploitation"]
    assert "nacionalidade" in parsed.ignored  # columns outside the CTDC standard are named, not loaded
    store = StatsStore()
    store.add_dataset("ctdc", parsed, epsilon_budget=3, delta_budget=1e-6, at=NOW)
    assert store.counts("ctdc", ["gender"]) == {("Female",): 35506, ("Male",): 13267}


@pytest.mark.parametrize(("line", "needle"), [
    ("2015,Female,18--20,CO,0,1,PE", None),
    ("2015,Woman,18--20,CO,0,1,PE", ":3: gender: 'Woman' is not one of Female, Male"),
    ("2015,Female,18-20,CO,0,1,PE", ":3: ageBroad"),
    ("2015,Female,18--20,Colombia,0,1,PE", ":3: citizenship: 'Colombia' is not an ISO 3166"),
    ("2015,Female,18--20,CO,2,1,PE", ":3: isForcedLabour: '2' is not 0, 1 or -99"),
    ("15,Female,18--20,CO,0,1,PE", ":3: yearOfRegistration: '15' is not a year"),
    ("2015,Female,18--20,CO,0,1", ":3: 6 fields"),
])
def test_bad_rows_name_line_and_variable(tmp_path: Path, line: str, needle: str | None) -> None:
    path = tmp_path / "victims.csv"
    path.write_text("yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit,"
                    "CountryOfExploitation\n2014,Male,-99,UA,1,0,\n" + line + "\n")
    if needle is None:
        assert len(parse_ctdc(path).rows) == 2
        return
    with pytest.raises(InvalidInput) as exc:
        parse_ctdc(path)
    assert needle in exc.value.message and "nothing was loaded" in exc.value.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from(GENDERS), st.sampled_from(AGES), st.sampled_from(["CO", "UA", None])),
                     min_size=1, max_size=300),
       k=st.integers(min_value=2, max_value=25),
       by=st.sampled_from([["gender"], ["gender", "ageBroad"], ["ageBroad", "citizenship"],
                           ["gender", "ageBroad", "citizenship"]]))
def test_no_released_cell_below_k(rows: list[tuple[str | None, ...]], k: int, by: list[str]) -> None:
    store = _dataset([list(r) for r in rows])
    release = k_anonymous(store, "toy", by, k=k, released_by="t", at=NOW)
    shown = [c.count for c in release.cells if c.count is not None]
    assert all(n >= k for n in shown)
    assert sum(shown) + release.utility["suppressed_records"] == len(rows)


def test_epsilon_accounting_matches_opendp_and_the_ledger_refuses_overspending() -> None:
    import opendp.prelude as dp

    store = _dataset([["Female", "18--20", "CO"]] * 300 + [["Male", "9--17", "UA"]] * 120, budget=2.0)
    first = differentially_private(store, "toy", ["gender"], epsilon=0.8, released_by="ana", at=NOW)
    second = differentially_private(store, "toy", ["gender", "ageBroad"], epsilon=0.7, released_by="ana", at=NOW)
    m1, e1, _, _ = measurement(["|".join((g,)) for g in ["Female", "Male", "unknown"]], 0.8, "laplace", 0.0, 1)
    m2, e2, _, _ = measurement(["x", "y"], 0.7, "laplace", 0.0, 1)
    composed = dp.c.make_composition([m1, m2]).map(1)
    assert composed == pytest.approx(e1 + e2)
    assert store.spent("toy")[0] == pytest.approx(first.epsilon + second.epsilon) == pytest.approx(composed)
    with pytest.raises(Conflict, match=r"only 0\.5 .* is left; nothing was released"):
        differentially_private(store, "toy", ["ageBroad"], epsilon=0.6, released_by="ana", at=NOW)
    # the refused release is not in the ledger
    assert sorted(e.epsilon for e in store.ledger("toy")) == sorted([first.epsilon, second.epsilon])
    gauss = differentially_private(store, "toy", ["gender"], epsilon=0.5, mechanism="gaussian", delta=1e-7,
                                   released_by="ana", at=NOW)
    assert gauss.epsilon <= 0.5 + 1e-9 and 0 < gauss.delta <= 1e-7
    assert store.spent("toy")[0] == pytest.approx(2.0)


def test_release_publishes_no_utility_and_every_public_category() -> None:
    store = _dataset([["Female", "18--20", "CO"]] * 50)
    release = differentially_private(store, "toy", ["gender", "ageBroad"], epsilon=1.0, released_by="a", at=NOW)
    public = release.public()
    assert "utility" not in public and release.utility["cells"] == len(public["cells"])
    keys = {tuple(c["key"]) for c in public["cells"]}
    assert ("Male", "48+") in keys and ("unknown", "unknown") in keys  # categories are public, not data-derived
    assert all(c["count"] >= 0 for c in public["cells"])


def test_membership_attack_gains_no_more_than_epsilon() -> None:
    """Empirical check: an attacker who knows every record but one and sees a count released with epsilon = 1
    tries to tell whether the target's record is in the data. For every decision threshold, the attack's
    true-positive rate must stay within e^epsilon times its false-positive rate (plus sampling error). Without
    noise the same attack is perfect, so the check can fail."""
    epsilon, trials = 1.0, 20000
    meas, used, _, _ = measurement(["in", "out"], epsilon, "laplace", 0.0, 1)
    assert used == pytest.approx(epsilon)
    with_target = ["in"] * 40 + ["out"] * 10
    without = with_target[1:]
    seen_with = sorted(meas(with_target)[0] for _ in range(trials))
    seen_without = sorted(meas(without)[0] for _ in range(trials))
    worst, excess = 0.0, []
    for threshold in range(30, 51):
        tpr = sum(1 for x in seen_with if x >= threshold) / trials
        fpr = sum(1 for x in seen_without if x >= threshold) / trials
        if min(tpr, fpr) >= 0.02 and (1 - tpr) >= 0.02:
            for a, b in ((tpr, fpr), (1 - fpr, 1 - tpr)):
                ratio = math.log(a / b)
                # Standard error of a log ratio of two estimated rates: the test allows four of them over epsilon
                # (about 21 thresholds are compared), so sampling noise alone does not fail it.
                se = math.sqrt((1 - a) / (trials * a) + (1 - b) / (trials * b))
                worst = max(worst, ratio)
                excess.append(ratio - (epsilon + 4 * se))
    assert worst > 0.5, worst  # close to epsilon: the mechanism is tight
    assert max(excess) <= 0, (worst, max(excess))  # and never above it beyond sampling error
    # The same attack on exact counts (40 with the target, 39 without): threshold 40 is always right.
    tpr_exact = 1.0 if sum(1 for v in with_target if v == "in") >= 40 else 0.0
    fpr_exact = 1.0 if sum(1 for v in without if v == "in") >= 40 else 0.0
    assert tpr_exact > math.exp(epsilon) * fpr_exact + 0.02  # the bound the noisy release keeps is broken


def test_bad_release_requests() -> None:
    store = _dataset([["Female", "18--20", "CO"]] * 5)
    with pytest.raises(InvalidInput, match="not a variable"):
        differentially_private(store, "toy", ["colour"], epsilon=1, released_by="a", at=NOW)
    with pytest.raises(InvalidInput, match="epsilon"):
        differentially_private(store, "toy", ["gender"], epsilon=0, released_by="a", at=NOW)
    with pytest.raises(InvalidInput, match="delta"):
        differentially_private(store, "toy", ["gender"], epsilon=1, mechanism="gaussian", released_by="a", at=NOW)
    with pytest.raises(InvalidInput, match="k: must be"):
        k_anonymous(store, "toy", ["gender"], k=1, released_by="a", at=NOW)
