"""The gap-check framework: a registry of small functions, each checking one obligation (or recommendation) of an
instrument against a national profile. A check's docstring is the explanation shown to users.

A check yields one result per element: `met`, `gap`, `partial` (met in part, only under some of the state's
offences, only through an open-ended clause or an equivalence the profile states, or by a provision only partly
verified) or `unknown` (the profile does not record the fact). Where a law has several trafficking offences, the
checks read each offence's own elements and say, in the profile's words, which offence covers what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from palermo.law.library import Library
from palermo.law.schema import Instrument, Offence, Profile
from palermo.model import Citation, Frozen

CheckStatus = Literal["met", "gap", "partial", "unknown"]
CheckKind = Literal["obligation", "option", "recommendation"]


class CheckResult(Frozen):
    """One obligation (or recommendation) of an instrument checked against one jurisdiction."""

    check: str
    instrument: str
    element: str
    status: CheckStatus
    mandatory: bool
    message: str
    instrument_citation: Citation
    national_citation: Citation | None = None
    kind: CheckKind = "obligation"


ChecksFn = Callable[[Profile, Library, Citation], Iterator[CheckResult]]


@dataclass(frozen=True)
class Check:
    name: str
    instrument: str
    provision: str
    mandatory: bool
    run: ChecksFn
    kind: CheckKind = "obligation"

    @property
    def explanation(self) -> str:
        """The check's docstring: what the instrument asks, as shown to users."""
        return (self.run.__doc__ or "").strip()


CHECKS: list[Check] = []


def check(instrument: str, provision: str, *, mandatory: bool = True,
          kind: CheckKind | None = None) -> Callable[[ChecksFn], ChecksFn]:
    """Register a gap check against ``provision`` (a provision key) of ``instrument``; a check that is not
    mandatory is an option of the instrument, or a recommendation of guidance that binds no state."""

    def register(fn: ChecksFn) -> ChecksFn:
        CHECKS.append(Check(fn.__name__, instrument, provision, mandatory, fn,
                            kind or ("obligation" if mandatory else "option")))
        return fn

    return register


def cite(instrument: Instrument, key: str) -> Citation:
    """The citation of one provision of an instrument, with its own verified flag."""
    p = instrument.provision(key)
    return instrument.cite(p.article, p.summary, p.verified)


def national(profile: Profile, article: str | None, verified: object, text: str | None = None) -> Citation | None:
    """A citation of a national provision (none when the profile gives no citation)."""
    if not article:
        return None
    flag = verified if verified in (True, False, "partial") else False
    return Citation(source=profile.id, article=article, text=text, verified=flag)


def result(c: Citation, element: str, status: CheckStatus, message: str,
           national_citation: Citation | None = None) -> CheckResult:
    """A check's result; instrument, check name, kind and mandatory flag are filled in by ``run_checks``."""
    return CheckResult(check="", instrument=c.source, element=element, status=status, mandatory=True,
                       message=message, instrument_citation=c, national_citation=national_citation)


def offence_cite(profile: Profile, offence: Offence) -> Citation:
    """The citation of one offence's elements (the weaker of the offence's and the elements' flags)."""
    e = offence.elements
    flags = [offence.verified] + ([e.verified] if e else [])
    flag: object = False if False in flags else ("partial" if "partial" in flags else True)
    return Citation(source=profile.id, article=offence.citation, text=e.notes if e else None,
                    verified=flag)


def definition_cite(profile: Profile) -> Citation | None:
    """The citation of every offence with elements together (what 'the national offence' is, for one row)."""
    offences = profile.assessed()
    if not offences:
        return None
    cites = [offence_cite(profile, o) for o in offences]
    flags = [c.verified for c in cites]
    flag: object = False if False in flags else ("partial" if "partial" in flags else True)
    return Citation(source=profile.id, article=profile.offence_citation(),
                    text=" ".join(filter(None, (c.text for c in cites))) or None, verified=flag)


def named(offence: Offence) -> str:
    """An offence as a reader names it: '18 U.S.C. §1591 (Sex trafficking of children or by force, fraud, or
    coercion)'."""
    return f"{offence.citation} ({offence.title})"


def label(library: Library, keys: set[str] | list[str]) -> str:
    """Vocabulary keys as their labels, comma-separated."""
    return ", ".join(sorted(library.vocabulary.label(k) for k in keys))
