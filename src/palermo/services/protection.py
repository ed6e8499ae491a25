"""Victim protection for a caller: identification screenings (answers checked against the indicator set before
they are saved, the result computed by the screening engine), the rights checklist of a person under the law of
the state where they are, its deadlines, and the de-identified export of screenings into the statistics store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import Field

from palermo.cases import CaseStore
from palermo.cases.identity import Caller
from palermo.errors import InvalidInput
from palermo.law import Library
from palermo.model import Conduct, Frozen, Screening, VictimRecord
from palermo.protection import (
    Answers,
    IndicatorLibrary,
    IndicatorSet,
    Right,
    ScreeningResult,
    conduct_from_screening,
    read_answers,
    rights,
    screen,
)
from palermo.services.stats import Statistics
from palermo.stats.store import Dataset
from palermo.stats.victims import Parsed, schema

LANGUAGE = r"^[a-z]{2,3}$"
SOON_DAYS = 14
"""How many days ahead the start page warns of a right's deadline."""


@dataclass(frozen=True)
class ScreeningView:
    """A screening opened: what was stored, the set it answers, the answers and (once completed) the result."""

    screening: Screening
    indicator_set: IndicatorSet
    answers: Answers
    result: ScreeningResult | None


class RightsChecklist(Frozen):
    """A person's rights under the law of the state where they are, with the date their periods count from."""

    jurisdiction: str
    name: str | None
    identified_on: date | None
    counted_from: Literal["decision", "screening", "record"]
    starts: str | None = Field(default=None, description="the event the law counts the periods from, in its words")
    items: list[Right]


class Protection:
    """Screenings, rights and the statistics export, over the case store's victims' records."""

    def __init__(self, store: CaseStore, library: Library, stats: Statistics, indicators: IndicatorLibrary) -> None:
        self.store = store
        self.library = library
        self.stats = stats
        self.indicators = indicators

    # ------------------------------------------------------------------ screenings

    def indicator_sets(self) -> list[IndicatorSet]:
        """The indicator sets a screening can use."""
        return sorted(self.indicators.sets.values(), key=lambda s: s.id)

    def start(self, caller: Caller, set_id: str, language: str, *, victim: str | None = None,
              age: int | None = None, minor: bool | None = None) -> Screening:
        """Start a screening with a set, in the language the questions are asked in."""
        indicator_set = self.indicators.set(set_id)
        if not language or not language.isalpha() or not 2 <= len(language) <= 3:
            raise InvalidInput("language: a language code such as en, fr or es")
        answers = read_answers({"indicator_set": indicator_set.id, "age": age, "minor": minor}, indicator_set)
        return self.store.screenings.start(caller, indicator_set.id, language.lower(),
                                           answers.model_dump(mode="json"), victim=victim)

    def save(self, caller: Caller, screening_id: str, version: int, data: dict[str, Any]) -> Screening:
        """Save answers so far, checked against the set first (nothing is saved if one is wrong)."""
        current = self.store.screenings.for_update(caller, screening_id)
        answers = read_answers({**data, "indicator_set": current.indicator_set},
                               self.indicators.set(current.indicator_set))
        return self.store.screenings.save(caller, screening_id, version, answers.model_dump(mode="json"))

    def complete(self, caller: Caller, screening_id: str, version: int, data: dict[str, Any]) -> ScreeningView:
        """Save the last answers and the result; the screening is then final."""
        current = self.store.screenings.for_update(caller, screening_id)
        indicator_set = self.indicators.set(current.indicator_set)
        answers = read_answers({**data, "indicator_set": current.indicator_set}, indicator_set)
        result = screen(answers, indicator_set)
        stored = self.store.screenings.save(caller, screening_id, version, answers.model_dump(mode="json"),
                                            result=result.model_dump(mode="json"),
                                            recommendation=result.recommendation)
        return ScreeningView(stored, indicator_set, answers, result)

    def screening(self, caller: Caller, screening_id: str) -> ScreeningView:
        """A screening with its answers and result opened (audited)."""
        stored = self.store.screenings.get(caller, screening_id)
        indicator_set = self.indicators.set(stored.indicator_set)
        answers = read_answers(stored.answers or {"indicator_set": stored.indicator_set})
        result = ScreeningResult.model_validate(stored.result) if stored.result else None
        return ScreeningView(stored, indicator_set, answers, result)

    def screenings(self, caller: Caller, *, victim: str | None = None) -> list[Screening]:
        """The agency's screenings (or one person's), newest first, without answers."""
        return self.store.screenings.list(caller, victim=victim)

    def attach_screening(self, caller: Caller, screening_id: str, victim: str) -> Screening:
        """Link a screening made before the person had a record to their record."""
        return self.store.screenings.attach(caller, screening_id, victim)

    def conduct(self, caller: Caller, screening_id: str) -> Conduct:
        """A completed screening as a conduct the law engine can assess (what it did not establish stays unknown)."""
        view = self.screening(caller, screening_id)
        if view.result is None:
            raise InvalidInput(f"screening {screening_id}: complete it before assessing it against the law")
        return conduct_from_screening(view.result)

    # ------------------------------------------------------------------ rights

    def rights(self, caller: Caller, victim: str, *, today: date | None = None) -> RightsChecklist:
        """The person's rights under the law of the state where they are, periods counted from identification:
        the decision date recorded on the record, else the first completed screening that recommended referral,
        else the day their record was opened."""
        record = self.store.victims.get(caller, victim)
        day = today or date.today()
        referred = [s for s in self.store.screenings.list(caller, victim=record.id) if s.recommendation == "refer"]
        if record.identified_on is not None:
            start, counted = record.identified_on, "decision"
        elif referred:
            start, counted = min(date.fromisoformat(s.updated_at[:10]) for s in referred), "screening"
        else:
            start, counted = date.fromisoformat(record.created_at[:10]), "record"
        profile = self.library.profile_for_state(record.jurisdiction)
        if profile is None:
            return RightsChecklist(jurisdiction=record.jurisdiction, name=None, identified_on=start,
                                   counted_from=counted, items=[])
        return RightsChecklist(jurisdiction=record.jurisdiction, name=profile.name, identified_on=start,
                               counted_from=counted, starts=profile.victim_protection.reflection_period.starts,
                               items=rights(profile, self.library, start=start, age=_age(record, day),
                                            minor=record.profile.get("minor"), today=day))

    def deadlines(self, caller: Caller, *, today: date | None = None,
                  within: int = SOON_DAYS) -> list[tuple[VictimRecord, Right]]:
        """Rights whose deadline falls within the next days (or passed in the last ones), soonest first."""
        day = today or date.today()
        out: list[tuple[VictimRecord, Right]] = []
        for record in self.store.victims.list(caller):
            for right in self.rights(caller, record.id, today=day).items:
                if right.deadline is not None and abs((right.deadline.ends - day).days) <= within:
                    out.append((record, right))
        return sorted(out, key=lambda pair: pair[1].deadline.ends if pair[1].deadline else day)

    # ------------------------------------------------------------------ statistics

    def export_ctdc(self, caller: Caller, dataset: str, *, epsilon_budget: float = 1.0,
                    delta_budget: float = 0.0) -> Dataset:
        """Load the agency's completed screenings into the statistics store as a de-identified CTDC dataset: one
        row per person (their latest screening; a screening without a record counts as one person), no names,
        dates or free text, only CTDC variables; k-anonymity and the privacy budget apply to every release. The
        agency's record keepers export; statisticians release from the dataset and never see the records."""
        latest: dict[str, tuple[Screening, dict[str, Any] | None]] = {}
        for screening, profile in self.store.screenings.completed(caller):
            latest[screening.victim_id or screening.id] = (screening, profile)
        parsed = ctdc_rows(list(latest.values()))
        with self.stats.store() as store:
            return store.add_dataset(dataset, parsed, epsilon_budget=epsilon_budget, delta_budget=delta_budget,
                                     at=datetime.now(UTC).replace(tzinfo=None))


GENDER = {"female": "Female", "male": "Male"}


def ctdc_rows(screenings: list[tuple[Screening, dict[str, Any] | None]]) -> Parsed:
    """CTDC rows of completed screenings: registration year, gender, citizenship and age from the record's profile,
    means of control and type of exploitation from the screening; everything else missing. Only variables of the
    standard are kept, so no identifier can slip in."""
    rows: list[dict[str, str | None]] = []
    for screening, profile in screenings:
        result = screening.result or {}
        person = profile or {}
        row: dict[str, str | None] = {"yearOfRegistration": screening.updated_at[:4],
                                      "gender": GENDER.get(str(person.get("sex"))),
                                      "citizenship": _country(person.get("citizenship"))}
        if person.get("minor") is not None and "majorityStatus" not in result.get("ctdc", {}):
            row["majorityStatus"] = "Minor" if person["minor"] else "Adult"
        row.update(result.get("ctdc", {}))
        rows.append(row)
    known = {v.name for v in schema().variables}
    columns = [c for c in dict.fromkeys(k for r in rows for k in r) if c in known]
    if not columns:
        columns = ["yearOfRegistration"]
    return Parsed(columns=columns, rows=[[r.get(c) for c in columns] for r in rows], ignored=[],
                  version=f"palermo screenings ({len(rows)} persons)")


def _country(code: Any) -> str | None:
    return code if isinstance(code, str) and len(code) == 2 else None


def _age(record: VictimRecord, today: date) -> int | None:
    born = record.profile.get("birth_year")
    # Only the year is kept outside the sealed identity: take the younger of the two possible ages, so a person
    # who may still be a child is treated as one (CETS 197 Art. 10(3)).
    return max(today.year - int(born) - 1, 0) if born else None
