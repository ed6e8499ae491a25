"""/api/stats: public country scorecards and their figures (national aggregates only), and for analysts the
victim-level datasets, their privacy-budget ledgers and releases."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import ApiCaller, Svc
from palermo.services import ReleaseAsk
from palermo.stats.countries import countries as listed
from palermo.stats.countries import sources
from palermo.stats.plots import country_figures

router = APIRouter(prefix="/api/stats", tags=["statistics"])


@router.get("/countries")
def countries() -> list[dict[str, str]]:
    """Countries with packaged series."""
    return [{"code": c, "name": n} for c, n in listed()]


@router.get("/countries/{code}")
def country(code: str, svc: Svc) -> dict[str, Any]:
    """A country's scorecard (each value with its source, version and line) and its figures (plotly JSON)."""
    card = svc.stats.scorecard(code)
    return {**card.as_dict(), "figures": country_figures(card.code),
            "sources": {k: {"title": s.title, "publisher": s.publisher, "url": s.url, "terms": s.terms,
                            "version": s.version} for k, s in sources().items()}}


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: list[str] = Field(min_length=1, max_length=4)
    k: int | None = Field(default=None, ge=2, le=1000, description="k-anonymous table (CTDC: 11)")
    epsilon: float | None = Field(default=None, gt=0, le=100, description="differentially private counts at this "
                                                                         "epsilon")
    mechanism: Literal["laplace", "gaussian"] = "laplace"
    delta: float = Field(default=0.0, ge=0, lt=1)
    contributions: int = Field(default=1, ge=1, le=10_000)
    years: tuple[int, int] | None = None


@router.get("/datasets")
def datasets(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """Victim-level datasets (names, sizes, versions) and what is left of their privacy budgets."""
    return svc.stats.datasets(caller)


@router.get("/datasets/{dataset}/ledger")
def ledger(caller: ApiCaller, svc: Svc, dataset: str) -> list[dict[str, Any]]:
    """Every release made from a dataset: what, when, by whom, at what privacy cost (utility: owner only)."""
    return svc.stats.ledger(caller, dataset)


@router.post("/datasets/{dataset}/releases", status_code=201)
def release(caller: ApiCaller, svc: Svc, dataset: str, body: ReleaseRequest) -> dict[str, Any]:
    """Release a k-anonymous or differentially private table; refused (409) when over the privacy budget. The
    response's "public" part may be published; "owner_only" (errors against the exact counts) may not."""
    made = svc.stats.release(caller, dataset, ReleaseAsk(**body.model_dump()))
    return {"public": made.public(), "owner_only": made.utility}
