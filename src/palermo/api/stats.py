"""/api/stats: public country scorecards and their figures (no personal data: national aggregates only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.auth import ApiActor
from palermo.api.law import library_of
from palermo.cases.policy import Action, decide
from palermo.errors import InvalidInput
from palermo.settings import Settings
from palermo.stats.countries import countries as listed
from palermo.stats.countries import read_3p, scorecard, sources
from palermo.stats.plots import country_figures
from palermo.stats.release import differentially_private, k_anonymous
from palermo.stats.store import StatsStore

router = APIRouter(prefix="/api/stats", tags=["statistics"])


@router.get("/countries")
def countries() -> list[dict[str, str]]:
    """Countries with packaged series."""
    return [{"code": c, "name": n} for c, n in listed()]


@router.get("/countries/{code}")
def country(code: str, request: Request) -> dict[str, Any]:
    """A country's scorecard (each value with its source, version and line) and its figures (plotly JSON)."""
    settings: Settings = request.app.state.settings
    card = scorecard(code, library_of(request), read_3p(settings.index_3p) if settings.index_3p else None)
    return {**card.as_dict(), "figures": country_figures(card.code),
            "sources": {k: {"title": s.title, "publisher": s.publisher, "url": s.url, "terms": s.terms,
                            "version": s.version} for k, s in sources().items()}}


@contextmanager
def store_for(request: Request) -> Iterator[StatsStore]:
    """The deployment's statistics store, open for one request."""
    settings: Settings = request.app.state.settings
    store = StatsStore(settings.stats_store_path)
    try:
        yield store
    finally:
        store.close()


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: list[str] = Field(min_length=1, max_length=4)
    k: int | None = Field(default=None, description="k-anonymous table (CTDC: 11)")
    epsilon: float | None = Field(default=None, description="differentially private counts at this epsilon")
    mechanism: Literal["laplace", "gaussian"] = "laplace"
    delta: float = 0.0
    contributions: int = 1
    years: tuple[int, int] | None = None


@router.get("/datasets")
def datasets(request: Request, actor: ApiActor) -> list[dict[str, Any]]:
    """Victim-level datasets (names, sizes, versions) and what is left of their privacy budgets."""
    decide(actor, Action.statistics)
    with store_for(request) as store:
        return [{"name": d.name, "version": d.version, "records": d.rows, "variables": list(d.columns),
                 "epsilon_budget": d.epsilon_budget, "delta_budget": d.delta_budget,
                 "epsilon_spent": store.spent(d.name)[0], "delta_spent": store.spent(d.name)[1]}
                for d in store.datasets()]


@router.get("/datasets/{dataset}/ledger")
def ledger(request: Request, actor: ApiActor, dataset: str) -> list[dict[str, Any]]:
    """Every release made from a dataset: what, when, by whom, at what privacy cost (utility: owner only)."""
    decide(actor, Action.statistics)
    with store_for(request) as store:
        return [e.__dict__ for e in store.ledger(dataset)]


@router.post("/datasets/{dataset}/releases", status_code=201)
def release(request: Request, actor: ApiActor, dataset: str, body: ReleaseRequest) -> dict[str, Any]:
    """Release a k-anonymous or differentially private table; refused (409) when over the privacy budget. The
    response's "public" part may be published; "owner_only" (errors against the exact counts) may not."""
    decide(actor, Action.statistics)
    if (body.k is None) == (body.epsilon is None):
        raise InvalidInput("give either k (k-anonymous) or epsilon (differential privacy)")
    now = datetime.now(UTC).replace(tzinfo=None)
    with store_for(request) as store:
        if body.k is not None:
            made = k_anonymous(store, dataset, body.by, k=body.k, released_by=actor.username, at=now)
        else:
            assert body.epsilon is not None
            made = differentially_private(store, dataset, body.by, epsilon=body.epsilon, mechanism=body.mechanism,
                                          delta=body.delta, contributions=body.contributions, years=body.years,
                                          released_by=actor.username, at=now)
    return {"public": made.public(), "owner_only": made.utility}
