"""HTML pages for the law engine: jurisdictions, gaps, comparison heat map, instruments and the conduct forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from palermo import law
from palermo.api.deps import library_of
from palermo.api.law import conduct_of
from palermo.errors import InvalidInput, named_in_input
from palermo.law.compare import WEIGHT
from palermo.law.library import Library
from palermo.law.penalties import describe
from palermo.law.terms import KINDS, terms
from palermo.law.validation import suggest
from palermo.model import Conduct
from palermo.web.session import viewer
from palermo.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
# the law pages show penalty tiers as the law writes them; the helper lives with the engine
templates.env.globals.setdefault("penalty_text", describe)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """Home: the jurisdictions and instruments in the library."""
    return render(request, "index.html", summaries=library_of(request).summaries())


@router.get("/law/jurisdictions/{key}", response_class=HTMLResponse)
def jurisdiction_page(key: str, request: Request) -> HTMLResponse:
    """A national profile with every fact's citation and verification."""
    return render(request, "jurisdiction.html", profile=library_of(request).profile(key))


@router.get("/law/jurisdictions/{key}/gaps", response_class=HTMLResponse)
def gaps_page(key: str, request: Request) -> HTMLResponse:
    """The gap report of a jurisdiction."""
    lib = library_of(request)
    return render(request, "gaps.html", report=law.gaps(lib.profile(key), lib))


@router.get("/law/vocabulary", response_class=HTMLResponse)
def vocabulary_page(request: Request, kind: str | None = None) -> HTMLResponse:
    """Every vocabulary key with its label, whether it is a Protocol term, and the laws that use it."""
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind: unknown kind {kind!r}{suggest(kind, KINDS)}", hint=f"kinds: {', '.join(KINDS)}")
    return render(request, "vocabulary.html", terms=terms(library_of(request), kind), kinds=KINDS)


@router.get("/law/instruments/{key}", response_class=HTMLResponse)
def instrument_page(key: str, request: Request) -> HTMLResponse:
    """An instrument's provisions, each with an anchor that citations link to."""
    return render(request, "instrument.html", instrument=library_of(request).instrument(key))


@router.get("/law/compare", response_class=HTMLResponse)
def compare_page(request: Request, ids: str | None = None) -> HTMLResponse:
    """The comparison matrix as a heat map, with penalties and harmonisation scores."""
    lib = library_of(request)
    keys = [k.strip() for k in ids.split(",") if k.strip()] if ids else sorted(lib.profiles)
    with named_in_input("ids"):
        result = law.compare([lib.profile(k) for k in keys], lib)
    return render(request, "compare.html", result=result, weight=WEIGHT)


def _conduct_from_form(form: dict[str, Any], multi: dict[str, list[str]]) -> dict[str, Any]:
    def codes(name: str) -> list[str]:
        return [c.strip().upper() for c in str(form.get(name, "")).replace(";", ",").split(",") if c.strip()]

    def opt(name: str) -> str | None:
        value = str(form.get(name, "")).strip()
        return value.upper() if value else None

    victim: dict[str, Any] = {"nationality": opt("victim_nationality"), "residence": opt("victim_residence")}
    minor = {"yes": True, "no": False}.get(str(form.get("victim_minor", "")))
    if minor is not None:
        victim["minor"] = minor
    age = str(form.get("victim_age", "")).strip()
    if age:
        try:
            victim["age"] = int(age)
        except ValueError:
            raise InvalidInput(f"victim age: {age!r} is not a whole number of years") from None
    consent = form.get("consent_given", "unknown")
    victim["consent_given"] = {"yes": True, "no": False}.get(str(consent))
    offender = {"nationality": opt("offender_nationality"), "residence": opt("offender_residence"),
                "present_in": codes("offender_present_in")}
    means_known = form.get("means_known", "yes") == "yes"
    return {
        "title": str(form.get("title") or "Conduct described in the form"),
        "acts": multi.get("acts", []), "means": multi.get("means", []) if means_known else None,
        "purposes": multi.get("purposes", []), "victims": [victim], "offenders": [offender],
        "places": codes("places"), "effects_in": codes("effects_in"),
        "vessel_flag": opt("vessel_flag"), "aircraft_registry": opt("aircraft_registry"),
        "stage": str(form.get("stage") or "completed"),
    }


async def _form(request: Request) -> tuple[dict[str, Any], dict[str, list[str]]]:
    data = await request.form()
    multi = {k: [str(v) for v in data.getlist(k)] for k in ("acts", "means", "purposes", "against")}
    return {k: data.get(k) for k in data}, multi


@router.get("/law/assess", response_class=HTMLResponse)
def assess_form(request: Request) -> HTMLResponse:
    """The conduct form."""
    return render(request, "assess.html", form={}, multi={"against": ["palermo_protocol"]}, results=None)


Compute = Callable[[Conduct, dict[str, Any], dict[str, list[str]], Library], dict[str, Any]]


async def _submit(request: Request, template: str, compute: Compute) -> HTMLResponse:
    """Read a conduct form, run ``compute`` on it and render the page; bad input re-renders the form with 422."""
    lib = library_of(request)
    form, multi = await _form(request)
    try:
        conduct = conduct_of(_conduct_from_form(form, multi), lib)
        context = compute(conduct, form, multi, lib)
    except InvalidInput as exc:
        return render(request, template, status=422, form=form, multi=multi, error=exc)
    return render(request, template, form=form, multi=multi, conduct=conduct, **context)


def _assess(conduct: Conduct, form: dict[str, Any], multi: dict[str, list[str]], lib: Library) -> dict[str, Any]:
    with named_in_input("against"):
        results = [law.assess(conduct, t, lib) for t in (multi["against"] or ["palermo_protocol"])]
    return {"results": results, "report": law.jurisdiction(conduct, lib)}


@router.post("/law/assess", response_class=HTMLResponse)
async def assess_page(request: Request) -> HTMLResponse:
    """Assess the conduct from the form and show verdicts with reasoning."""
    return await _submit(request, "assess.html", _assess)


@router.get("/law/dual-criminality", response_class=HTMLResponse)
def dual_form(request: Request) -> HTMLResponse:
    """The dual-criminality form."""
    return render(request, "dual.html", form={}, multi={}, result=None)


def _dual(conduct: Conduct, form: dict[str, Any], multi: dict[str, list[str]], lib: Library) -> dict[str, Any]:
    kind: Literal["extradition", "mla"] = "mla" if form.get("kind") == "mla" else "extradition"
    try:
        threshold = float(str(form.get("threshold_years") or 1))
    except ValueError:
        raise InvalidInput("threshold: not a number of years") from None
    with named_in_input("states"):
        result = law.dual_criminality(conduct, str(form.get("requesting")), str(form.get("requested")), lib,
                                      kind=kind, threshold_years=threshold)
    return {"result": result}


@router.post("/law/dual-criminality", response_class=HTMLResponse)
async def dual_page(request: Request) -> HTMLResponse:
    """Dual criminality between the two states chosen in the form."""
    return await _submit(request, "dual.html", _dual)
