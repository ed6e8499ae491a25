"""Compare jurisdictions: a coverage matrix over the Protocol's and UNTOC's obligations, penalties in years, and a
harmonisation score.

The score of a jurisdiction is the share of the mandatory Palermo Protocol and UNTOC checks it meets (a `partial`
counts one half, `unknown` counts zero and is reported separately). The agreement of two jurisdictions is the share of
rows on which both are known and give the same answer: conduct that is an offence in one is then an offence in the
other, which is what cooperation needs.
"""

from __future__ import annotations

from palermo.law.gaps import CheckStatus, run_checks
from palermo.law.library import Library
from palermo.law.penalties import INF, describe, ordinary, top
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
    basic_text: str = ""
    """Each trafficking offence's ordinary penalty as written ('TIPPEA 2015 s.13: at least 2 years (no maximum
    stated)')."""


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
    """The ordinary penalty of the state's weakest trafficking offence and the highest aggravated one, in years, as
    the law writes them (a maximum the law does not state stays empty)."""
    offences = profile.assessed()
    tiers = [t for o in offences for t in o.penalties]

    def weakest(pair: tuple[object, list]) -> float:  # type: ignore[type-arg]
        highs = [top(t) for t in pair[1]]
        return min((h for h in highs if h is not None), default=INF) if highs else INF

    pairs = sorted(((o, ordinary(o)) for o in offences if ordinary(o)), key=weakest)
    basic = pairs[0][1][0] if pairs else None
    aggravated = [top(t) for t in tiers if t.tier == "aggravated"]
    finite = [a for a in aggravated if a is not None and a != INF]
    flags = [t.verified for t in tiers]
    return PenaltySummary(
        jurisdiction=profile.id,
        basic_min_years=basic.min_years if basic else None,
        basic_max_years=basic.max_years if basic else None,
        basic_life=bool(basic and basic.life),
        aggravated_max_years=max(finite) if finite else None,
        life_available=any(t.life for t in tiers),
        death_available=any(t.death for t in tiers),
        citation=(basic.citation or pairs[0][0].citation) if basic else None,
        verified=False if False in flags else ("partial" if "partial" in flags else True),
        basic_text="; ".join(f"{o.citation}: {', '.join(describe(t) for t in ts)}" for o, ts in pairs),
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
