"""Two small cases of persons for the entity-resolution tests: spelling variants and a date of birth off by ten
days across GB-1 and GB-2, and one person alone."""

from __future__ import annotations

from palermo.cases import CaseStore
from palermo.cases.policy import Actor
from palermo.model import CaseDraft

PEOPLE = {"GB-1": [("p1", "Ana", "Ionescu", "1990-02-03"), ("p2", "Mihai", "Popa", "1985-07-09")],
          "GB-2": [("q1", "Anna", "Ionescu", "1990-02-03"), ("q2", "Mihai", "Popa", "1985-07-19"),
                   ("q3", "Elena", "Dumitru", "1979-11-30")]}


def create_cases(cs: CaseStore, actor: Actor) -> None:
    """Cases GB-1 and GB-2 (shared with agencies), each with its persons."""
    for ref, people in PEOPLE.items():
        cs.cases.create(actor, CaseDraft(reference=ref, title=ref, handling="agencies"))
        for pid, given, family, born in people:
            cs.entities.add(actor, ref, {"id": pid, "schema": "Person", "properties": {
                "firstName": [given], "lastName": [family], "name": [f"{given} {family}"], "birthDate": [born]}})
