"""Requests the tests draft: a complete MLA request for Operation Fort (United Kingdom to Poland) and an
extradition request for Siliadin with the offender found in Germany."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from palermo.law import Library, load_conduct
from palermo.mla import Request, draft
from palermo.model import Conduct

ROOT = Path(__file__).resolve().parents[2]
CONDUCTS = ROOT / "examples" / "conducts"


def conduct(name: str, library: Library) -> Conduct:
    """An example conduct by file name."""
    return load_conduct(CONDUCTS / f"{name}.yaml", library.vocabulary)


CPS = {"state": "GB", "name": "Crown Prosecution Service, International Justice and Organised Crime Division",
       "functions": "prosecutes offences of modern slavery and trafficking in persons in England and Wales",
       "address": "102 Petty France, London", "contact": "Case officer (demo), +44 20 0000 0000, ijocd@example.org"}
POLAND = {"state": "PL", "name": "Ministry of Justice, Department of International Cooperation (demo)",
          "languages": ["pl", "en"]}

MLA: dict[str, Any] = {
    "reference": "CPS/IJOCD/2026/0042",
    "proceedings": {"stage": "prosecution",
                    "subject": "Prosecution of members of an organised group for trafficking in persons for forced "
                               "labour (Modern Slavery Act 2015 s.2)"},
    "persons": [{"ref": "W-0007", "role": "witness", "nationality": "PL", "location": "PL",
                 "description": "recruited in Poland in 2013"},
                {"ref": "S-0001", "role": "suspect", "nationality": "PL", "location": "GB"}],
    "assistance": [
        {"form": "taking_evidence", "persons": ["W-0007"],
         "details": "A witness statement on how the witness was recruited, transported and paid.",
         "procedure": "Questions annexed; the statement to be signed and each page initialled."},
        {"form": "documents_and_records",
         "details": "Certified copies of the statements of two accounts held with a Polish bank, 2012-2017."},
    ],
    "purpose": "To obtain evidence for the trial of the suspects before the Crown Court.",
    "preempted": [{"ground": "dual_criminality",
                   "statement": "The conduct is trafficking in persons under the Palermo Protocol, to which Poland "
                                "is a party; the requested state may assist irrespective of dual criminality."}],
    "confidentiality": {"required": True, "reason": "Suspects at large could warn the account holders."},
    "urgency": {"urgent": True, "deadline": date(2026, 6, 1), "reasons": "The trial is listed for 2026-07-06."},
    "language": "en",
    "dated": date(2026, 3, 2),
}


def mla(library: Library, **changes: Any) -> Request:
    """The complete MLA request, with ``changes`` to its content."""
    return draft("mla", conduct("operation_fort", library), CPS, POLAND, library, **(MLA | changes))


def extradition(library: Library, **changes: Any) -> Request:
    """A complete request from France to Germany for the extradition of Siliadin's offender, found in Germany."""
    facts = conduct("siliadin", library)
    offender = facts.offenders[0].model_copy(update={"present_in": ["DE"]})
    moved = facts.model_copy(update={"offenders": [offender]})
    content: dict[str, Any] = {
        "reference": "PARQUET-PARIS/2026/17",
        "persons": [{"ref": "S-0001", "role": "person_sought", "nationality": "FR", "location": "DE"}],
        "extradition": {"person": "S-0001", "warrant": "Mandat d'arrêt, juge d'instruction de Paris, 2026-01-15, "
                                                     "no. 26/0017", "provisional_arrest": True},
        "confidentiality": {"required": False},
        "language": "fr",
        "dated": date(2026, 2, 1),
    }
    return draft("extradition", moved,
                 {"state": "FR", "name": "Ministère de la Justice, Bureau de l'entraide pénale internationale",
                  "contact": "Magistrat (démo), +33 1 00 00 00 00"},
                 {"state": "DE", "name": "Bundesamt für Justiz", "languages": ["de", "fr"]}, library,
                 **(content | changes))
