"""/api/stats: public country scorecards and their figures (no personal data: national aggregates only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from palermo.api.law import library_of
from palermo.stats.countries import countries as listed
from palermo.stats.countries import scorecard, sources
from palermo.stats.plots import country_figures

router = APIRouter(prefix="/api/stats", tags=["statistics"])


@router.get("/countries")
def countries() -> list[dict[str, str]]:
    """Countries with packaged series."""
    return [{"code": c, "name": n} for c, n in listed()]


@router.get("/countries/{code}")
def country(code: str, request: Request) -> dict[str, Any]:
    """A country's scorecard (each value with its source, version and line) and its figures (plotly JSON)."""
    card = scorecard(code, library_of(request))
    return {**card.as_dict(), "figures": country_figures(card.code),
            "sources": {k: {"title": s.title, "publisher": s.publisher, "url": s.url, "terms": s.terms,
                            "version": s.version} for k, s in sources().items()}}
