"""The rules that decide what of a case leaves under an agreement: one small function per rule, whose docstring is
the explanation a sender (and a data-protection officer) reads in the preview beside every omission and redaction.

Entity rules return the reason an entity stays home (or None); property rules the reason a property, or some of
its values, do not travel. The engine (``plan``) applies them in the order they are registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from followthemoney import model as ftm_model
from followthemoney import registry

from palermo.exchange.agreements import Agreement
from palermo.exchange.records import CaseEntity, CaseExhibit
from palermo.exchange.terms import Purpose
from palermo.model import Attachment, Note

Consent = Callable[[str], bool | None]
"""consent(entity_id): True if the person's consent to this exchange is recorded, False if it was withdrawn, None
if it was never asked."""

Target = Literal["entity", "link", "property", "reference", "note", "attachment", "exhibit"]


@dataclass
class Context:
    """What every rule may look at: the agreement, the purpose, the consent records, and which entities travel."""

    agreement: Agreement
    purpose: Purpose
    consent: Consent
    kept: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name, what it applies to, and the function (whose docstring explains it)."""

    name: str
    target: Target
    fn: Callable[..., str | None]

    @property
    def explanation(self) -> str:
        """What the rule does, in words for the people who approve an exchange."""
        return " ".join((self.fn.__doc__ or "").split())


RULES: dict[str, Rule] = {}


def rule(target: Target) -> Callable[[Callable[..., str | None]], Callable[..., str | None]]:
    """Register a rule applying to ``target``; its function's name is the rule's name."""

    def register(fn: Callable[..., str | None]) -> Callable[..., str | None]:
        RULES[fn.__name__] = Rule(fn.__name__, target, fn)
        return fn

    return register


def explain(name: str) -> str:
    """The explanation of rule ``name``."""
    return RULES[name].explanation


def of(target: Target) -> list[Rule]:
    """The rules applying to ``target``, in the order they are applied."""
    return [r for r in RULES.values() if r.target == target]


@cache
def references(schema: str) -> frozenset[str]:
    """The properties of an FtM schema that point at other entities."""
    return frozenset(p.name for p in ftm_model.schemata[schema].properties.values() if p.type is registry.entity)


@cache
def ends(schema: str) -> tuple[str, ...]:
    """The properties naming a relationship's two ends (owner and asset of an Ownership); () for a thing."""
    s = ftm_model.schemata[schema]
    if not s.edge or s.source_prop is None or s.target_prop is None:
        return ()
    return (s.source_prop.name, s.target_prop.name)


# --------------------------------------------------------------------------- entities


@rule("entity")
def schema_not_permitted(ctx: Context, entity: CaseEntity) -> str | None:
    """The agreement lists the kinds of record (FtM schemata) that may travel; a record of any other kind stays
    with the sender."""
    if entity.schema not in ctx.agreement.data.schemata:
        return f"{entity.schema} is not among the schemata the agreement permits"
    return None


@rule("entity")
def role_not_permitted(ctx: Context, entity: CaseEntity) -> str | None:
    """The agreement lists the case roles (suspect, associate, witness, victim) whose records may travel; a person
    holding any other role in the case stays with the sender, whatever else they are."""
    refused = [r for r in entity.roles if r not in ctx.agreement.data.roles]
    if refused:
        return f"role {', '.join(refused)} may not travel under the agreement"
    return None


def _needs_consent(ctx: Context, entity: CaseEntity) -> bool:
    return ctx.purpose in ctx.agreement.consent_purposes and any(r in ctx.agreement.consent.roles
                                                                 for r in entity.roles)


@rule("entity")
def consent_not_recorded(ctx: Context, entity: CaseEntity) -> str | None:
    """For the purposes the agreement names, a person in a protected role (a victim) travels only with their
    recorded consent; where none was ever recorded, their record stays with the sender."""
    if _needs_consent(ctx, entity) and ctx.consent(entity.id) is None:
        return f"no consent to this exchange is recorded for this {'/'.join(entity.roles)} (purpose {ctx.purpose})"
    return None


@rule("entity")
def consent_withdrawn(ctx: Context, entity: CaseEntity) -> str | None:
    """A person in a protected role who withdrew their consent to this exchange is left out, for the purposes the
    agreement names."""
    if _needs_consent(ctx, entity) and ctx.consent(entity.id) is False:
        return f"the consent of this {'/'.join(entity.roles)} to this exchange was withdrawn"
    return None


@rule("link")
def link_to_omitted(ctx: Context, entity: CaseEntity) -> str | None:
    """A relationship (ownership, payment, family tie ...) travels only with both its ends: one pointing at a
    person or thing that stays with the sender would show that it exists, so it stays too."""
    for prop in ends(entity.schema):
        missing = [v for v in entity.properties.get(prop, ()) if v not in ctx.kept]
        if missing:
            return f"its {prop} ({', '.join(missing)}) does not travel"
    return None


# --------------------------------------------------------------------------- properties


@rule("property")
def property_not_permitted(ctx: Context, entity: CaseEntity, prop: str) -> str | None:
    """For each schema the agreement lists the properties that travel (or those that do not); every other property
    is removed from the record before it leaves."""
    if not ctx.agreement.data.schemata[entity.schema].permits(prop):
        return f"{entity.schema}.{prop} is not permitted by the agreement"
    return None


@rule("reference")
def reference_to_omitted(ctx: Context, entity: CaseEntity, prop: str) -> str | None:
    """A reference to another record that does not travel (left out, or not chosen) is removed, so the recipient
    learns nothing of records it does not receive, not even their ids."""
    if prop in references(entity.schema) and any(v not in ctx.kept for v in entity.properties.get(prop, ())):
        return f"{entity.schema}.{prop} points at a record that does not travel"
    return None


# --------------------------------------------------------------------------- notes, attachments, exhibits


@rule("note")
def notes_not_permitted(ctx: Context, note: Note) -> str | None:
    """Notes are free text and may name anyone: they travel only where the agreement says so."""
    return None if ctx.agreement.data.notes else "the agreement does not permit notes"


@rule("note")
def note_about_omitted(ctx: Context, note: Note) -> str | None:
    """A note about a record that does not travel stays with the sender with it."""
    if note.entity_id is not None and note.entity_id not in ctx.kept:
        return "it is about a record that does not travel"
    return None


@rule("attachment")
def attachments_not_permitted(ctx: Context, attachment: Attachment) -> str | None:
    """Attached files travel only where the agreement says so."""
    return None if ctx.agreement.data.attachments else "the agreement does not permit attachments"


@rule("exhibit")
def exhibits_not_permitted(ctx: Context, exhibit: CaseExhibit) -> str | None:
    """Exhibits and their chain of custody travel only where the agreement says so."""
    return None if ctx.agreement.data.exhibits else "the agreement does not permit exhibits"
