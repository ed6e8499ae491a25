"""/api/law: the law engine over HTTP, mirroring `palermo law` on the CLI."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from palermo import law
from palermo.api.deps import Lib
from palermo.errors import InvalidInput, named_in_input
from palermo.law.library import Library, conduct_from_data
from palermo.law.schema import Instrument, Profile, Vocabulary
from palermo.law.terms import KINDS, Term, terms
from palermo.law.validation import suggest
from palermo.model import Conduct

router = APIRouter(prefix="/api/law", tags=["law"])


def conduct_of(data: Any, library: Library) -> Conduct:
    """Validate a conduct from a request body, with the same checks as a conduct file."""
    return conduct_from_data(data, "body.conduct", library.vocabulary)


class AssessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conduct: dict[str, Any] = Field(description="a conduct in the documented format (docs/conduct.md)")
    against: list[str] = Field(default=["palermo_protocol"], description="instrument or jurisdiction ids")


class DualRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conduct: dict[str, Any]
    requesting: str
    requested: str
    kind: Literal["extradition", "mla"] = "extradition"
    threshold_years: float = Field(default=1.0, ge=0, le=100)


class JurisdictionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conduct: dict[str, Any]


@router.get("/jurisdictions")
def list_jurisdictions(lib: Lib) -> list[dict[str, Any]]:
    """Every jurisdiction with its verification status, Protocol consent date and any load problem."""
    return [dataclasses.asdict(s) for s in lib.summaries()]


@router.get("/jurisdictions/{key}")
def show_jurisdiction(key: str, lib: Lib) -> Profile:
    """A national profile in full, with citations and verified flags."""
    return lib.profile(key)


@router.get("/jurisdictions/{key}/gaps")
def jurisdiction_gaps(key: str, lib: Lib,
                      instrument: Annotated[list[str] | None, Query()] = None) -> dict[str, Any]:
    """Gaps of a jurisdiction against instruments (default: those that bind it)."""
    report = law.gaps(lib.profile(key), lib, instrument)
    return {**report.model_dump(mode="json"), "gaps": [g.model_dump(mode="json") for g in report.gaps]}


@router.get("/instruments")
def list_instruments(lib: Lib) -> list[dict[str, Any]]:
    """The international instruments in the library."""
    return [{"id": i.id, "short_title": i.short_title, "title": i.title, "verified": i.verified}
            for i in lib.instruments.values()]


@router.get("/instruments/{key}")
def show_instrument(key: str, lib: Lib) -> Instrument:
    """An instrument with its provisions."""
    return lib.instrument(key)


@router.get("/vocabulary")
def vocabulary(lib: Lib) -> Vocabulary:
    """The keys for acts, means, purposes, jurisdiction bases and aggravating circumstances."""
    return lib.vocabulary


@router.get("/vocabulary/terms")
def vocabulary_terms(lib: Lib, kind: Annotated[str | None, Query(
        description="acts, means, purposes, jurisdiction_bases or aggravating_circumstances")] = None) -> list[Term]:
    """Every key with its label, whether it is a Palermo Protocol term, and the jurisdictions whose offences use it."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind: unknown kind {kind!r}{suggest(kind, KINDS)}", hint=f"kinds: {', '.join(KINDS)}")
    return terms(lib, kind)


@router.post("/assess")
def assess(lib: Lib, body: AssessRequest) -> list[law.Assessment]:
    """Assess a conduct against the Protocol, other instruments or jurisdictions."""
    conduct = conduct_of(body.conduct, lib)
    if not body.against:
        raise InvalidInput("body.against: name at least one instrument or jurisdiction")
    with named_in_input("body.against"):
        return [law.assess(conduct, target, lib) for target in body.against]


@router.get("/compare")
def compare(lib: Lib, ids: Annotated[str | None, Query(description="comma-separated ids")] = None
            ) -> law.Comparison:
    """Coverage matrix, penalties in years and harmonisation scores of several jurisdictions (default: all)."""
    keys = [k.strip() for k in ids.split(",") if k.strip()] if ids else sorted(lib.profiles)
    with named_in_input("ids"):
        return law.compare([lib.profile(k) for k in keys], lib)


@router.post("/dual-criminality")
def dual_criminality(lib: Lib, body: DualRequest) -> law.DualCriminality:
    """Conduct-based dual criminality between a requesting and a requested state."""
    with named_in_input("body"):
        return law.dual_criminality(conduct_of(body.conduct, lib), body.requesting, body.requested, lib,
                                kind=body.kind, threshold_years=body.threshold_years)


@router.post("/jurisdiction")
def jurisdiction(lib: Lib, body: Annotated[JurisdictionRequest, Body()]) -> law.JurisdictionReport:
    """Which states may establish jurisdiction over the conduct, on which basis."""
    return law.jurisdiction(conduct_of(body.conduct, lib), lib)
