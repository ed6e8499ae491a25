"""The few SQL spellings that differ between DuckDB and Spark SQL; every rule is written once against these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Dialect:
    """How one engine spells a sorted id list, epoch seconds, digit extraction, row expansion and a quantile."""

    name: str
    id_list: Callable[[str], str]
    epoch: Callable[[str], str]
    digits: Callable[[str], str]
    explode: Callable[[str], str]
    quantile: Callable[[str, float], str]

    def bucket(self, ts: str, days: int, phase: int) -> str:
        """Window number of ``ts``: tumbling windows of ``days``; phase 1 is shifted by half a window.

        Phase 0 windows get even numbers and phase 1 odd ones, so a pattern shorter than half a window
        always falls wholly inside one window of one phase.
        """
        width = days * 86400
        shift = width // 2 if phase else 0
        return f"(CAST(FLOOR(({self.epoch(ts)} - {shift}) / {width}) AS BIGINT) * 2 + {phase})"


DUCKDB = Dialect(
    name="duckdb",
    id_list=lambda e: f"list_sort(list(DISTINCT {e}) FILTER (WHERE {e} IS NOT NULL))",
    epoch=lambda t: f"epoch({t})",
    digits=lambda e: f"regexp_replace({e}, '[^0-9]', '', 'g')",
    explode=lambda e: f"unnest({e})",
    quantile=lambda e, q: f"quantile_cont({e}, {float(q)!r})",
)

SPARK = Dialect(
    name="spark",
    id_list=lambda e: f"array_sort(collect_set({e}))",
    epoch=lambda t: f"unix_timestamp({t})",
    digits=lambda e: f"regexp_replace({e}, '[^0-9]', '')",
    explode=lambda e: f"explode({e})",
    quantile=lambda e, q: f"percentile({e}, {float(q)!r})",
)

DIALECTS = {d.name: d for d in (DUCKDB, SPARK)}


def lit(value: str | int | float | Decimal) -> str:
    """A SQL literal for a validated parameter value (strings quoted, quotes doubled)."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def lit_list(values: Sequence[str]) -> str:
    """A parenthesised list of string literals for IN (...)."""
    return "(" + ", ".join(lit(v) for v in values) + ")"
