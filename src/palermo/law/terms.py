"""The vocabulary as a legal officer reads it: every key a conduct or profile may use, its label, whether it is a
Palermo Protocol term or one found in national laws, and which jurisdictions' offences use it."""

from __future__ import annotations

from pydantic import Field

from palermo.law.library import Library
from palermo.model import Frozen

KINDS = {"acts": "act", "means": "means", "purposes": "purpose of exploitation",
         "jurisdiction_bases": "basis of jurisdiction", "aggravating_circumstances": "aggravating circumstance"}


class Term(Frozen):
    """One vocabulary key."""

    kind: str
    key: str
    label: str
    protocol: bool = Field(description="one of the Palermo Protocol's own terms (Art. 3(a))")
    note: str | None = None
    used_by: list[str] = Field(default_factory=list, description="jurisdictions whose offences or rules use it")


def _used(library: Library, kind: str) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for profile in library.profiles.values():
        keys: set[str] = set()
        for o in profile.offences:
            e = o.elements
            if e is not None and kind in ("acts", "means", "purposes"):
                keys |= set(getattr(e, kind))
            if kind == "aggravating_circumstances":
                keys |= {c for t in o.penalties for c in (*t.circumstances, *t.also)}
        if kind == "aggravating_circumstances":
            keys |= set(profile.aggravating_circumstances)
        if kind == "jurisdiction_bases":
            keys |= {b.basis for b in profile.jurisdiction.bases}
        for q in profile.equivalences:
            if {"act": "acts", "means": "means", "purpose": "purposes"}[q.kind] == kind:
                keys |= set(q.covered_by)
        for key in keys:
            used.setdefault(key, set()).add(profile.id)
    return used


def terms(library: Library, kind: str | None = None) -> list[Term]:
    """Every vocabulary key (or those of one kind), in the vocabulary's order."""
    voc = library.vocabulary
    out = []
    for name in KINDS if kind is None else [kind]:
        used = _used(library, name)
        extra = list(getattr(voc, f"{name}_extra", []))
        for t in list(getattr(voc, name)) + extra:
            out.append(Term(kind=KINDS[name], key=t.key, label=t.label, note=t.note,
                            protocol=name in ("acts", "means", "purposes") and t not in extra,
                            used_by=sorted(used.get(t.key, set()))))
    return out
