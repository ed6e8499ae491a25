"""Compare jurisdictions: a coverage matrix over the Protocol's and UNTOC's obligations, penalties in years, and a
harmonisation score.

The score of a jurisdiction is the share of the mandatory Palermo Protocol and UNTOC checks it meets (a `partial`
counts one half, `unknown` counts zero and is reported separately). The agreement of two jurisdictions is the share of
rows on which both are known and give the same answer: conduct that is an offence in one is then an offence in the
other, which is what cooperation needs.
"""

from __future__ import annotations

from palermo.law.gaps import CheckStatus, effective_max, run_checks
from palermo.law.library import Library
from palermo.law.schema import Profile
from palermo.model import Frozen

BASELINE = ("palermo_protocol", "untoc")
WEIGHT: dict[CheckStatus, float] = {"met": 1.0, "partial": 0.5, "gap": 0.0, "unknown": 0.0}


class Cell(Frozen):
    status: CheckStatus
    message: str
    verified: bool | str


class Row(Frozen):
    instrument: str
    article: str
    element: str
    mandatory: bool
    cells: dict[str, Cell]


class PenaltySummary(Frozen):
    """Penalties normalised to years; ``life`` marks a life sentence, ``None`` a term the law does not fix."""

    jurisdiction: str
    basic_min_years: float | None
    basic_max_years: float | None
    basic_life: bool
    aggravated_max_years: float | None
    life_available: bool
    death_available: bool
    citation: str | None
    verified: bool | str


class Score(Frozen):
    jurisdiction: str
    score: float
    met: int
    partial: int
    gaps: int
    unknown: int
    checks: int


class Comparison(Frozen):
    jurisdictions: list[str]
    names: dict[str, str]
    rows: list[Row]
    penalties: list[PenaltySummary]
    scores: list[Score]
    agreement: dict[str, dict[str, float | None]]
    method: str


def summarise_penalties(profile: Profile) -> PenaltySummary:
    """The basic and the highest aggravated penalty of a jurisdiction, in years."""
    pen = profile.penalties
    agg = [effective_max(p) for p in pen.aggravated]
    finite = [a for a in agg if a is not None and a != float("inf")]
    overall = pen.max_overall
    return PenaltySummary(
        jurisdiction=profile.id,
        basic_min_years=pen.basic.min_years,
        basic_max_years=pen.basic.max_years,
        basic_life=bool(pen.basic.life),
        aggravated_max_years=max(finite + ([overall.years] if overall.years else [])) if finite or overall.years else None,
        life_available=bool(overall.life or pen.basic.life or any(p.life for p in pen.aggravated)),
        death_available=bool(overall.death or any(p.death for p in pen.aggravated)),
        citation=pen.basic.citation,
        verified=pen.verified,
    )


def compare(profiles: list[Profile], library: Library) -> Comparison:
    """Compare jurisdictions against the Protocol and UNTOC baseline."""
    ids = [p.id for p in profiles]
    rows: dict[tuple[str, str], Row] = {}
    scores = []
    for profile in profiles:
        results = [r for inst in BASELINE for r in run_checks(profile, library, inst)]
        for r in results:
            key = (r.instrument, r.element)
            row = rows.get(key) or Row(instrument=r.instrument, article=r.instrument_citation.article,
                                       element=r.element, mandatory=r.mandatory, cells={})
            cell = Cell(status=r.status, message=r.message,
                        verified=r.national_citation.verified if r.national_citation else True)
            rows[key] = row.model_copy(update={"cells": {**row.cells, profile.id: cell}})
        counted = [r for r in results if r.mandatory]
        total = len(counted)
        got = sum(WEIGHT[r.status] for r in counted)
        scores.append(Score(jurisdiction=profile.id, score=round(100 * got / total, 1) if total else 0.0,
                            met=sum(r.status == "met" for r in counted),
                            partial=sum(r.status == "partial" for r in counted),
                            gaps=sum(r.status == "gap" for r in counted),
                            unknown=sum(r.status == "unknown" for r in counted), checks=total))
    agreement: dict[str, dict[str, float | None]] = {}
    for a in ids:
        agreement[a] = {}
        for b in ids:
            both = [r for r in rows.values() if a in r.cells and b in r.cells
                    and "unknown" not in (r.cells[a].status, r.cells[b].status)]
            same = sum(r.cells[a].status == r.cells[b].status for r in both)
            agreement[a][b] = round(same / len(both), 3) if both else None
    return Comparison(jurisdictions=ids, names={p.id: p.name for p in profiles}, rows=list(rows.values()),
                      penalties=[summarise_penalties(p) for p in profiles], scores=scores, agreement=agreement,
                      method=(__doc__ or "").strip())
