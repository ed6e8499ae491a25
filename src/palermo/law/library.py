"""Load the law library: the packaged vocabulary, instruments and national profiles, plus a user's own folders.

A user folder holds profile files (``*.yaml``/``*.json``, at its top or under ``jurisdictions/``) and optionally
``instruments/``. A profile with the id of a packaged one replaces it. Loading is strict for the CLI (a broken file
stops with an error naming every problem in it: file, line and field) and lenient for a server (broken files are listed as
problems and their jurisdiction answers with that error: never crashed, never silently dropped).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from palermo import yamlfile
from palermo.errors import InvalidInput, NotFound
from palermo.law.migrate import ProfileV1, migrate_v1
from palermo.law.schema import Instrument, Profile, Vocabulary
from palermo.law.validation import (
    CONDUCT_KEYS,
    PROFILE_KEYS,
    closest,
    equivalence_problems,
    key_problems,
    many,
    src_problems,
    validate_all,
)
from palermo.model import Conduct

PACKAGED = Path(__file__).parent / "data"
SUFFIXES = (".yaml", ".yml", ".json")
UNTC_AS_OF = date(2014, 1, 27)
ALIASES = {"protocol": "palermo_protocol", "palermo": "palermo_protocol"}
"""Short names users type for an instrument."""


@dataclass(frozen=True)
class LoadProblem:
    """A data file that could not be loaded, with the error that says why."""

    source: str
    key: str
    error: InvalidInput


@dataclass(frozen=True)
class Summary:
    """One line about a jurisdiction, for lists."""

    id: str
    name: str
    region: str
    verified: bool | str
    eu_member: bool
    palermo_consent: date | None
    status_as_of: date | None
    origin: str
    problem: str | None = None


@dataclass(frozen=True)
class TreatyRecord:
    """One participant's row in the UN Treaty Collection status table."""

    participant: str
    signed: date | None
    consent: date | None
    consent_type: str


@dataclass
class Library:
    """Everything the law engine knows: vocabulary, instruments, profiles and the UNTC status tables."""

    vocabulary: Vocabulary = field(repr=False)
    instruments: dict[str, Instrument] = field(default_factory=dict, repr=False)
    profiles: dict[str, Profile] = field(default_factory=dict, repr=False)
    origins: dict[str, str] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    treaty_tables: dict[str, list[TreatyRecord]] = field(default_factory=dict, repr=False)

    def profile(self, key: str) -> Profile:
        """The profile of a jurisdiction by id (``DE``, ``GB-EAW``) or, failing that, by ISO 3166 code."""
        for problem in self.problems:
            if problem.key == key.upper():
                raise problem.error
        found = self.profiles.get(key.upper()) or self.profile_for_state(key)
        if found is None:
            raise NotFound(f"unknown jurisdiction {key!r}{self._did_you_mean(key)}", hint=self.known_hint())
        return found

    def _did_you_mean(self, key: str) -> str:
        found = closest(key, [*self.profiles, *self.instruments, *ALIASES])
        return f" (did you mean {ALIASES.get(found, found)!r}?)" if found else ""

    def known_hint(self) -> str:
        """What a user may name: jurisdictions, and the instruments that define the offence."""
        defining = sorted(k for k, i in self.instruments.items() if i.definition is not None)
        return (f"jurisdictions: {', '.join(sorted(self.profiles))}; instruments: {', '.join(defining)} "
                "(`palermo law list`); add a jurisdiction with --profiles DIR")

    def summaries(self) -> list[Summary]:
        """Every jurisdiction, loaded or broken, in id order."""
        out = []
        for p in self.profiles.values():
            status = p.treaty_status.palermo_protocol
            out.append(Summary(p.id, p.name, p.region, p.verified, p.eu_member,
                               status.consent if status else None, status.status_as_of if status else None,
                               self.origins.get(p.id, "packaged")))
        for problem in self.problems:
            out.append(Summary(problem.key, problem.key, "", False, False, None, None, problem.source,
                               problem=problem.error.message))
        return sorted(out, key=lambda s: s.id)

    def profile_for_state(self, state: str) -> Profile | None:
        """The profile for a state code, matching the profile id first and then its ISO code."""
        state = state.upper()
        if state in self.profiles:
            return self.profiles[state]
        matches = [p for p in self.profiles.values() if p.iso3166 == state]
        return matches[0] if len(matches) == 1 else None

    def instrument(self, key: str) -> Instrument:
        """An instrument by id (``palermo_protocol``, ``untoc``, ``cets_197``, ``eu_directive_2011_36`` ...)."""
        try:
            return self.instruments[ALIASES.get(key, key)]
        except KeyError:
            found = closest(key, [*self.instruments, *ALIASES])
            again = f" (did you mean {ALIASES.get(found, found)!r}?)" if found else ""
            raise NotFound(f"unknown instrument {key!r}{again}",
                           hint=f"known instruments: {', '.join(sorted(self.instruments))}") from None

    def palermo_status(self, participant: str) -> TreatyRecord | None:
        """A participant's row in the UNTC table for the Palermo Protocol (status as at January 2014)."""
        for row in self.treaty_tables.get("palermo_protocol", []):
            if row.participant == participant:
                return row
        return None


# --------------------------------------------------------------------------- reading


def _files(folder: Path) -> Iterator[Path]:
    bases = (folder / "jurisdictions",) if folder == PACKAGED else (folder, folder / "jurisdictions")
    for base in bases:
        if base.is_dir():
            yield from sorted(p for p in base.iterdir() if p.suffix in SUFFIXES and p.is_file())


def read_profile_data(data: Any, source: str, vocabulary: Vocabulary, lines: dict[yamlfile.Loc, int] | None = None
                      ) -> Profile:
    """Validate a parsed profile (format version 1 or 2) and check its keys against the vocabulary; version 1 is
    migrated to version 2. Every problem in the document is reported at once."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a profile must be a mapping with version, id, name, offences ...")
    version = data.get("version")
    if version not in (1, 2):
        raise yamlfile.error_at(source, lines, ("version",), f"unknown profile format version {version!r}: "
                                "write 2 (a version-1 profile is migrated on load; docs/law-profiles.md)")
    parsed: Profile | ProfileV1 | None
    if version == 1:
        parsed, problems = validate_all(ProfileV1, data, source, lines)
    else:
        parsed, problems = validate_all(Profile, data, source, lines)
    problems += key_problems(data, PROFILE_KEYS[version], vocabulary, source, lines)
    problems += equivalence_problems(data, vocabulary, source, lines)
    problems += src_problems(data, source, lines)
    if problems or parsed is None:
        raise many(problems)
    if isinstance(parsed, ProfileV1):
        migrated, more = validate_all(Profile, migrate_v1(parsed), f"{source} (migrated to format 2)", {})
        if more or migrated is None:
            raise many(more)
        return migrated
    return parsed


def _read_profile(path: Path, vocabulary: Vocabulary) -> Profile:
    source = str(path)
    data, lines = yamlfile.parse(yamlfile.read_text(path), source)
    return read_profile_data(data, source, vocabulary, lines)


def _read_untc(path: Path) -> list[TreatyRecord]:
    def parse(text: str) -> date | None:
        parts = text.split()
        return datetime.strptime(" ".join(parts[:3]), "%d %b %Y").date() if len(parts) >= 3 else None

    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    out = []
    for participant, signed, consent in rows:
        kind = consent.split()[3] if len(consent.split()) > 3 else ("ratification" if consent.strip() else "")
        kind = {"a": "accession", "A": "acceptance", "AA": "approval", "d": "succession"}.get(kind, kind)
        out.append(TreatyRecord(participant, parse(signed), parse(consent), kind))
    return out


def load_library(folders: Sequence[Path] = (), *, strict: bool = True) -> Library:
    """Load the packaged law data, then each user folder in order (later ones override earlier ones).

    ``strict`` raises the first problem as InvalidInput; otherwise problems are collected on the library.
    """
    vocabulary = yamlfile.load_file(Vocabulary, PACKAGED / "vocabulary.yaml")
    library = Library(vocabulary=vocabulary)
    for folder in (PACKAGED, *folders):
        if folder != PACKAGED and not folder.is_dir():
            raise InvalidInput(f"{folder}: the profiles folder does not exist or is not a folder")
        for path in sorted((folder / "instruments").glob("*.yaml")) if (folder / "instruments").is_dir() else []:
            instrument = yamlfile.load_file(Instrument, path)
            library.instruments[instrument.id] = instrument
        seen: dict[str, Path] = {}
        for path in _files(folder):
            key = path.stem.upper()
            try:
                profile = _read_profile(path, vocabulary)
                key = profile.id
                if key in seen:
                    raise InvalidInput(f"{path}: id {key!r} is already defined in {seen[key]}")
                seen[key] = path
            except InvalidInput as exc:
                if strict:
                    raise
                library.problems = [p for p in library.problems if p.key != key]
                library.problems.append(LoadProblem(str(path), key, exc))
                library.profiles.pop(key, None)
                continue
            library.problems = [p for p in library.problems if p.key != key]
            library.profiles[key] = profile
            library.origins[key] = "packaged" if folder == PACKAGED else str(path)
    for name, key in (("palermo_trafficking_protocol_XVIII-12-a.csv", "palermo_protocol"),
                      ("untoc_convention_XVIII-12.csv", "untoc")):
        library.treaty_tables[key] = _read_untc(PACKAGED / "treaty_status" / name)
    return library


def read_conduct(text: str, source: str, vocabulary: Vocabulary) -> Conduct:
    """Parse a conduct document (YAML or JSON) and check its element keys against the vocabulary."""
    data, lines = yamlfile.parse(text, source)
    return conduct_from_data(data, source, vocabulary, lines)


def conduct_from_data(data: Any, source: str, vocabulary: Vocabulary,
                      lines: dict[yamlfile.Loc, int] | None = None) -> Conduct:
    """Validate already-parsed conduct data (e.g. a JSON request body) and check its element keys; every problem
    is reported at once."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a conduct must be a mapping with acts, means, purposes, victims ...")
    conduct, problems = validate_all(Conduct, data, source, lines)
    problems += key_problems(data, CONDUCT_KEYS, vocabulary, source, lines)
    if problems or conduct is None:
        raise many(problems)
    return conduct


def load_conduct(path: Path, vocabulary: Vocabulary) -> Conduct:
    """Read a conduct file."""
    return read_conduct(yamlfile.read_text(path), str(path), vocabulary)
