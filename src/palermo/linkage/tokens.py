"""Values to tokens, exactly as clkhash's comparators cut them (``clkhash/comparators.py``): n-grams padded with
n-1 spaces at both ends (positional ones prefixed by their 1-based place and a space), the whole value, or a
number's neighbourhood. An empty value has no tokens."""

from __future__ import annotations

from palermo.linkage.schema import Comparison, Exact, Ngram, Numeric


def ngrams(value: str, n: int, positional: bool) -> list[str]:
    """The n-grams of ``value`` ('ab', n=2 -> ' a', 'ab', 'b '; positional -> '1  a', '2 ab', '3 b ')."""
    if not value:
        return []
    if n > 1:
        pad = " " * (n - 1)
        value = pad + value + pad
    count = len(value) - n + 1
    if positional:
        return [f"{i + 1} {value[i:i + n]}" for i in range(count)]
    return [value[i:i + n] for i in range(count)]


def neighbourhood(value: str, comparison: Numeric) -> list[str]:
    """The 2 x resolution + 1 tokens around a number quantised to the grid of ``thresholdDistance`` (clkhash's
    NumericComparison, integer arithmetic and rounding kept as it has them)."""
    if not value:
        return []
    precision = comparison.fractional_precision
    interval = round(comparison.threshold_distance * 10**precision)
    try:
        number = int(value, 10)
        if precision > 0:
            number *= 10**precision
    except ValueError:
        real = float(value)
        number = round(real * 10**precision) if precision > 0 else int(real)
    number *= 2 * comparison.resolution
    residue = number % interval
    if residue and residue < interval / 2:
        number -= residue
    elif residue:
        number += interval - residue
    return [str(number + i * interval) for i in range(-comparison.resolution, comparison.resolution + 1)]


def tokenize(value: str, comparison: Comparison) -> list[str]:
    """The tokens of a formatted value under the feature's comparison."""
    if isinstance(comparison, Ngram):
        return ngrams(value, comparison.n, comparison.positional)
    if isinstance(comparison, Exact):
        return [value] if value else []
    return neighbourhood(value, comparison)
