"""What else two names say beyond their words' likeness: legal forms, numerals, fathers' names and word order.
Each check is one small function; its docstring is the explanation a reviewer reads beside a hit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from palermo.finance.names.analysis import NameForm
from palermo.finance.names.compare import WORD_MATCH, Comparison, reordered, spelling


@dataclass(frozen=True)
class Feature:
    """One reason a candidate scores as it does: the measured value, its weight and what it means."""

    name: str
    value: float
    weight: float
    explanation: str


Check = Callable[[NameForm, NameForm, Comparison], Feature | None]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    """Register a check of two names."""
    CHECKS.append(fn)
    return fn


def _explain(fn: Check, detail: str) -> str:
    return f"{' '.join((fn.__doc__ or '').split())} ({detail})"


@check
def numbers_differ(query: NameForm, listed: NameForm, _: Comparison) -> Feature | None:
    """Numerals in the names differ: a ship, company or fund numbered 2 is not the one numbered 3, nor is
    Henry Ford III Henry Ford II."""
    if query.numbers and listed.numbers and query.numbers != listed.numbers:
        detail = f"{', '.join(sorted(query.numbers))} against {', '.join(sorted(listed.numbers))}"
        return Feature("numbers_differ", 1.0, -0.3, _explain(numbers_differ, detail))
    return None


@check
def number_on_one_side(query: NameForm, listed: NameForm, _: Comparison) -> Feature | None:
    """Only one of the names carries a numeral (Henry Ford against Henry Ford II): maybe a relative or a sister
    company, maybe the same one written short."""
    if bool(query.numbers) != bool(listed.numbers):
        detail = ", ".join(sorted(query.numbers or listed.numbers))
        return Feature("number_on_one_side", 1.0, -0.05, _explain(number_on_one_side, detail))
    return None


@check
def legal_forms_differ(query: NameForm, listed: NameForm, _: Comparison) -> Feature | None:
    """Both organisations state a legal form and the forms differ (an LLC against a joint-stock company): often a
    sister company of the listed one rather than the listed one itself."""
    if query.legal and listed.legal and not query.legal & listed.legal:
        detail = f"{', '.join(sorted(query.legal))} against {', '.join(sorted(listed.legal))}"
        return Feature("legal_forms_differ", 1.0, -0.05, _explain(legal_forms_differ, detail))
    return None


@check
def fathers_differ(query: NameForm, listed: NameForm, _: Comparison) -> Feature | None:
    """Both names state a father's name (bin, ibn, ould ...) and the fathers differ: Mohammed bin Salman and
    Salman bin Mohammed are a son and his father, not one person."""
    if query.fathers and listed.fathers and not any(
            spelling(a, b) >= WORD_MATCH for a in query.fathers for b in listed.fathers):
        detail = f"son of {', '.join(query.fathers)} against son of {', '.join(listed.fathers)}"
        return Feature("fathers_differ", 1.0, -0.25, _explain(fathers_differ, detail))
    return None


@check
def words_reordered(query: NameForm, listed: NameForm, comparison: Comparison) -> Feature | None:
    """The words stand in another order than in the listed name, beyond the family name moved to the front or
    the back: in names built from a person's and their forebears' names, order tells who is who."""
    if query.kind != "object" and reordered(comparison.pairs):
        return Feature("words_reordered", 1.0, -0.25, _explain(words_reordered, "order of the matching words"))
    return None


def weigh(query: NameForm, listed: NameForm, comparison: Comparison) -> list[Feature]:
    """Every check that speaks about these two names, in the registry's order."""
    return [f for fn in CHECKS if (f := fn(query, listed, comparison)) is not None]
