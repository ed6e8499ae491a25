"""Gap analysis: where a national profile falls short of an international instrument, and of the recommendations
reviewers of Protocol parties apply.

The checks live in ``obligations`` (Palermo Protocol, UNTOC, recommendations) and ``obligations_europe`` (CETS 197,
EU Directive), each a small function whose docstring is the explanation shown to users (framework: ``checks``).
Mandatory checks ("shall") count towards the harmonisation score; options and recommendations are shown, labelled,
and never scored.
"""

from __future__ import annotations

from pydantic import Field

from palermo.law import obligations, obligations_europe
from palermo.law.checks import CHECKS, Check, CheckResult, CheckStatus, cite
from palermo.law.library import Library
from palermo.law.penalties import fmt_years, top
from palermo.law.schema import Profile
from palermo.model import Frozen

__all__ = ["CHECKS", "Check", "CheckResult", "CheckStatus", "GapReport", "applicable_instruments", "fmt_years",
           "gaps", "obligations", "obligations_europe", "recommendations", "run_checks", "top"]


class GapReport(Frozen):
    """The gaps of one jurisdiction against one or more instruments (and, by default, the recommendations)."""

    jurisdiction: str
    jurisdiction_name: str
    instruments: list[str]
    recommendations: list[str] = Field(default_factory=list)
    results: list[CheckResult]
    notes: list[str] = Field(default_factory=list)

    @property
    def gaps(self) -> list[CheckResult]:
        """The results that are not fully met."""
        return [r for r in self.results if r.status != "met"]


def applicable_instruments(profile: Profile) -> list[str]:
    """The instruments a jurisdiction is measured against by default: the Protocol and UNTOC always, CETS 197
    for its parties and the EU Directive for EU member states."""
    out = ["palermo_protocol", "untoc"]
    cets = profile.treaty_status.cets_197
    if cets is not None and cets.party:
        out.append("cets_197")
    if profile.eu_member:
        out.append("eu_directive_2011_36")
    return out


def recommendations(library: Library) -> list[str]:
    """Guidance that binds no state but is checked by default (the UNODC Model Law), where the library has it."""
    return [k for k, i in library.instruments.items() if i.type == "model_law"
            and any(c.instrument == k for c in CHECKS)]


def run_checks(profile: Profile, library: Library, instrument: str) -> list[CheckResult]:
    """Run every check of one instrument against a profile."""
    inst = library.instrument(instrument)
    results = []
    for chk in (c for c in CHECKS if c.instrument == inst.id):
        citation = cite(inst, chk.provision)
        for r in chk.run(profile, library, citation):
            results.append(r.model_copy(update={"check": chk.name, "instrument": inst.id,
                                                "mandatory": chk.mandatory, "kind": chk.kind}))
    return results


def gaps(profile: Profile, library: Library, instruments: list[str] | None = None) -> GapReport:
    """Check a jurisdiction against instruments (default: those that bind it, and the recommendations) and report
    every result."""
    chosen = [library.instrument(k).id for k in instruments] if instruments else applicable_instruments(profile)
    advice = recommendations(library) if not instruments else []
    notes = []
    known = {c.instrument for c in CHECKS}
    for key in chosen:
        if key not in known:
            notes.append(f"{key}: no gap checks are defined for this instrument yet")
    if "cets_197" in chosen and not (profile.treaty_status.cets_197 and profile.treaty_status.cets_197.party):
        notes.append(f"{profile.name} is not recorded as a party to CETS 197: its checks are a benchmark only.")
    if "eu_directive_2011_36" in chosen:
        if not profile.eu_member:
            notes.append(f"{profile.name} is not an EU member state: the Directive's checks are a benchmark only.")
        notes.append("Directive 2024/1712 had to be transposed by 2026-07-15; profile texts may predate it "
                     f"(profile as of: {profile.as_of}).")
    for key in advice:
        notes.append(f"{library.instruments[key].citation_name}: recommendations, binding no state; shown for "
                     "reviewers and never counted in the score.")
    results = [r for key in [*chosen, *advice] for r in run_checks(profile, library, key)]
    return GapReport(jurisdiction=profile.id, jurisdiction_name=profile.name, instruments=chosen,
                     recommendations=advice, results=results, notes=notes)
