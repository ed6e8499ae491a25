"""Typology packs: versioned YAML rules, each naming the red flag it computes and the source that describes it.

The packaged pack and a user's own folder load through the same path; a user's rule with the id of a packaged
rule replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.finance.templates import TEMPLATES
from palermo.model import Citation, Frozen

PACKAGED = Path(__file__).parent / "typologies"


class Source(Frozen):
    """A published document that describes red flags: an advisory, a typology report, a paper."""

    title: str
    publisher: str
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    url: str


class RuleCitation(Frozen):
    """Where in a source the red flag is described, and whether that was checked against the text."""

    source: str
    locator: str = Field(description="section or heading of the source")
    verified: bool
    note: str | None = None


class Rule(Frozen):
    """One red flag computed from transactions: a template (kind) with parameters, a weight and its citations."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,62}$")
    title: str
    kind: str
    indicator: str = Field(description="the red flag in the source's own terms (paraphrased)")
    explanation: str = Field(description="what the rule looks for, written for an analyst or prosecutor")
    weight: float = Field(gt=0, le=1, description="how strongly one alert of this rule suggests trafficking")
    citations: list[RuleCitation] = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True


class PackFile(Frozen):
    """A YAML file of rules with the sources they cite."""

    version: Literal[1]
    pack: str
    pack_version: str
    sources: dict[str, Source] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)


class Pack(Frozen):
    """The rules in force: packaged rules plus a user's, with every cited source."""

    names: tuple[str, ...]
    version: str
    sources: dict[str, Source]
    rules: tuple[Rule, ...]

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise InvalidInput(f"no rule {rule_id!r} in the typology pack", hint="palermo finance rules lists them")

    def citations(self, rule: Rule) -> tuple[Citation, ...]:
        """The rule's citations in the shared vocabulary: source title, locator, verification."""
        return tuple(
            Citation(source=self.sources[c.source].title, article=c.locator, text=c.note, verified=c.verified)
            for c in rule.citations
        )


def _files(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: no such typology folder or file")
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"})


def read_pack_file(path: Path) -> tuple[PackFile, list[tuple[Rule, Any]]]:
    """Read one pack file; every rule's params are checked against its template and cited sources must exist."""
    text = yamlfile.read_text(path)
    data, lines = yamlfile.parse(text, str(path))
    if data is None:
        raise InvalidInput(f"{path}: the document is empty")
    pack = yamlfile.validate(PackFile, data, str(path), lines)
    checked = []
    seen: set[str] = set()
    for i, rule in enumerate(pack.rules):
        here = ("rules", i)
        if rule.id in seen:
            raise yamlfile.error_at(str(path), lines, (*here, "id"), f"rule {rule.id!r} is defined twice")
        seen.add(rule.id)
        template = TEMPLATES.get(rule.kind)
        if template is None:
            raise yamlfile.error_at(str(path), lines, (*here, "kind"),
                                    f"unknown kind {rule.kind!r}; known: {', '.join(sorted(TEMPLATES))}")
        for j, cite in enumerate(rule.citations):
            if cite.source not in pack.sources:
                raise yamlfile.error_at(str(path), lines, (*here, "citations", j, "source"),
                                        f"source {cite.source!r} is not listed under sources")
        try:
            params = template.params.model_validate(rule.params)
        except ValidationError as exc:
            err = exc.errors(include_url=False, include_input=False)[0]
            loc = (*here, "params", *err["loc"])
            raise yamlfile.error_at(str(path), lines, loc, str(err["msg"])) from None
        checked.append((rule, params))
    return pack, checked


def load_pack(folders: Sequence[Path] = (), *, packaged: bool = True, only: Iterable[str] = ()) -> Pack:
    """Load the packaged typology pack and any user folders or files; later rules replace earlier ones by id."""
    paths = (_files(PACKAGED) if packaged else []) + [p for f in folders for p in _files(f)]
    rules: dict[str, Rule] = {}
    sources: dict[str, Source] = {}
    names: list[str] = []
    versions: list[str] = []
    for path in paths:
        pack, checked = read_pack_file(path)
        names.append(pack.pack)
        versions.append(f"{pack.pack}@{pack.pack_version}")
        for key, source in pack.sources.items():
            sources[key] = source
        for rule, _ in checked:
            rules[rule.id] = rule
    wanted = set(only)
    unknown = wanted - set(rules)
    if unknown:
        raise InvalidInput(f"no rule {sorted(unknown)[0]!r} in the typology pack",
                           hint="palermo finance rules lists them")
    chosen = tuple(r for r in rules.values() if r.enabled and (not wanted or r.id in wanted))
    return Pack(names=tuple(names), version=", ".join(versions), sources=sources, rules=chosen)
