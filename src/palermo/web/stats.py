"""Public pages of monitoring statistics: the country list and a country profile combining law, statistics and
scorecard, with plots (plotly.js served from the installed plotly package, never a CDN)."""

from __future__ import annotations

import json
from functools import lru_cache

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from palermo.api.deps import Svc, library_of
from palermo.law.compare import compare
from palermo.stats.countries import countries, sources
from palermo.stats.plots import country_figures, law_ranking
from palermo.web.session import viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


@router.get("/vendor/plotly.min.js")
def plotly_js() -> Response:
    """The plotly.js bundled with the plotly package (works offline)."""
    return Response(_plotly_js(), media_type="application/javascript",
                    headers={"cache-control": "public, max-age=86400"})


@router.get("/stats", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """Countries with statistics, and the law engine's reading of every profiled law."""
    library = library_of(request)
    profiles = [library.profiles[k] for k in sorted(library.profiles)]
    scores = compare(profiles, library).scores if profiles else []
    ranking = law_ranking([(s.jurisdiction, library.profiles[s.jurisdiction].name, s.score) for s in scores])
    return render(request, "stats_index.html", countries=countries(),
                  figures_json=json.dumps({"ranking": ranking} if ranking else {}))


@router.get("/stats/countries/{code}", response_class=HTMLResponse)
def country(request: Request, code: str, svc: Svc) -> HTMLResponse:
    """A country profile: ratification, law, scorecard with sources, plots; printable."""
    card = svc.stats.scorecard(code)
    figures = country_figures(card.code)
    return render(request, "country.html", card=card, figures=figures, figures_json=json.dumps(figures),
                  sources=sources())
