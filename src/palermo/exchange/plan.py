"""The export plan: what of the chosen case content an agreement lets leave for one recipient and purpose, and
why the rest stays — computed by the rules (``exchange.rules``), never by hand, and shown to the sender as a
preview to approve before anything is signed or sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Literal, TypeVar, cast

from pydantic import Field

from palermo.errors import InvalidInput, NotPermitted
from palermo.exchange import rules
from palermo.exchange.agreements import Agreement, Handling
from palermo.exchange.policy import refusals
from palermo.exchange.records import (
    AgreementRef,
    CaseEntity,
    CaseExhibit,
    Endpoint,
    SharedAttachment,
    SharedEntity,
    SharedExhibit,
    SharedNote,
)
from palermo.exchange.rules import Consent, Context
from palermo.exchange.terms import PURPOSES, Purpose
from palermo.model import Attachment, Frozen, Note

ItemKind = Literal["entity", "note", "attachment", "exhibit"]
T = TypeVar("T")
R = TypeVar("R")


class Omission(Frozen):
    """Something chosen that stays with the sender: what (kind and id), the rule, and the reason."""

    kind: ItemKind
    id: str
    rule: str
    reason: str


class Redaction(Frozen):
    """Values removed from an entity before it leaves: the property, how many values, the rule and the reason."""

    entity: str
    property: str
    values: int = Field(ge=1)
    rule: str
    reason: str


class Preview(Frozen):
    """What would leave under the agreement — entities after redaction, notes, attachments, exhibits — and every
    omission and redaction with its reason, for the sender to approve."""

    agreement: AgreementRef
    sender: Endpoint
    recipient: Endpoint
    purpose: Purpose
    handling: Handling
    retention_days: int
    today: date
    entities: list[SharedEntity]
    notes: list[SharedNote]
    attachments: list[SharedAttachment]
    exhibits: list[SharedExhibit]
    omissions: list[Omission]
    redactions: list[Redaction]
    warnings: list[str] = Field(default_factory=list)

    def rules(self) -> dict[str, str]:
        """The explanation of every rule that left something out or removed something, by rule name."""
        used = dict.fromkeys([o.rule for o in self.omissions] + [r.rule for r in self.redactions])
        return {name: rules.explain(name) for name in used}


def check(agreement: Agreement, *, sender: str, recipient: str, purpose: str, today: date) -> tuple[Endpoint,
                                                                                                     Endpoint]:
    """The sender and recipient if the agreement covers this exchange on ``today``; NotPermitted naming every
    field that does not (purpose outside, not a party, agreement expired or not yet in force)."""
    if purpose not in PURPOSES:
        raise InvalidInput(f"purpose: {purpose!r} is not a purpose Palermo knows ({', '.join(PURPOSES)})")
    found = refusals(agreement, sender=sender, recipient=recipient, purpose=purpose, on=today)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise NotPermitted(f"{found[0]}{more}", details=found)
    ends = [agreement.party(a) for a in (sender, recipient)]
    return tuple(Endpoint(agency=p.agency, state=p.state) for p in ends if p is not None)  # type: ignore[return-value]


def _omit(kind: ItemKind, item_id: str, target: rules.Target, ctx: Context, item: Any) -> Omission | None:
    for r in rules.of(target):
        reason = r.fn(ctx, item)
        if reason is not None:
            return Omission(kind=kind, id=item_id, rule=r.name, reason=reason)
    return None


def _pass(kind: Literal["note", "attachment", "exhibit"], items: Iterable[T], ctx: Context,
          omissions: list[Omission], make: Callable[[T], R]) -> list[R]:
    """The items of one kind that pass its rules, made into what travels; the others noted as omissions."""
    out = []
    for item in items:
        omitted = _omit(kind, str(item.id), kind, ctx, item)  # type: ignore[attr-defined]  # notes, files, exhibits
        if omitted is None:
            out.append(make(item))
        else:
            omissions.append(omitted)
    return out


def _select(entities: Iterable[CaseEntity], ctx: Context) -> tuple[list[CaseEntity], list[Omission]]:
    """The entities that pass the entity rules, then the relationships whose ends all travel (to a fixed point:
    leaving out a relationship can leave out one that points at it)."""
    chosen, omissions = [], []
    for entity in entities:
        omitted = _omit("entity", entity.id, "entity", ctx, entity)
        if omitted is None:
            chosen.append(entity)
        else:
            omissions.append(omitted)
    ctx.kept = {e.id for e in chosen}
    while True:
        still = []
        for entity in chosen:
            omitted = _omit("entity", entity.id, "link", ctx, entity) if rules.ends(entity.schema) else None
            if omitted is None:
                still.append(entity)
            else:
                omissions.append(omitted)
                ctx.kept.discard(entity.id)
        if len(still) == len(chosen):
            return chosen, omissions
        chosen = still


def _redact(entity: CaseEntity, ctx: Context, redactions: list[Redaction]) -> SharedEntity:
    props: dict[str, list[str]] = {}
    refs = rules.references(entity.schema)
    for prop, values in entity.properties.items():
        if not values:  # nothing to send, nothing to redact
            continue
        reason = rules.property_not_permitted(ctx, entity, prop)
        if reason is not None:
            redactions.append(Redaction(entity=entity.id, property=prop, values=len(values),
                                        rule="property_not_permitted", reason=reason))
            continue
        kept = list(values)
        if prop in refs:
            reason = rules.reference_to_omitted(ctx, entity, prop)
            if reason is not None:
                kept = [v for v in values if v in ctx.kept]
                redactions.append(Redaction(entity=entity.id, property=prop, values=len(values) - len(kept),
                                            rule="reference_to_omitted", reason=reason))
        if kept:
            props[prop] = kept
    return SharedEntity.model_construct(id=entity.id, schema_=entity.schema, properties=props,
                                        roles=list(entity.roles))


def _warnings(chosen: list[CaseEntity], ctx: Context) -> list[str]:
    """Persons in a protected role who withdrew consent but travel because the agreement asks none for this
    purpose: the sender should know before approving."""
    protected = set(ctx.agreement.consent.roles)
    out = []
    for entity in chosen:
        if protected.intersection(entity.roles) and ctx.consent(entity.id) is False:
            out.append(f"entity {entity.id}: consent to this exchange was withdrawn, but agreement "
                       f"{ctx.agreement.id} asks no consent for purpose {ctx.purpose}, so it travels: check "
                       "before approving")
    return out


def plan_export(agreement: Agreement, *, sender: str, recipient: str, purpose: str,
                entities: Iterable[CaseEntity], notes: Iterable[Note] = (), attachments: Iterable[Attachment] = (),
                exhibits: Iterable[CaseExhibit] = (), consent: Consent, today: date) -> Preview:
    """The preview of an exchange: the chosen case content as the agreement lets it leave for ``recipient`` and
    ``purpose``, every omission and redaction with its rule and reason. Refused (NotPermitted) when the
    agreement does not cover the exchange at all."""
    sent_by, sent_to = check(agreement, sender=sender, recipient=recipient, purpose=purpose, today=today)
    chosen_purpose = cast(Purpose, purpose)  # check() refused any other word
    ctx = Context(agreement=agreement, purpose=chosen_purpose, consent=consent)
    chosen, omissions = _select(entities, ctx)
    redactions: list[Redaction] = []
    shared = [_redact(e, ctx, redactions) for e in chosen]
    shared_notes = _pass("note", notes, ctx, omissions, lambda n: SharedNote(
        id=str(n.id), entity=n.entity_id, body=n.body, created=n.created_at))
    shared_files = _pass("attachment", attachments, ctx, omissions, lambda a: SharedAttachment(
        id=str(a.id), sha256=a.sha256, filename=a.filename, media_type=a.media_type, size=a.size))
    shared_exhibits = _pass("exhibit", exhibits, ctx, omissions, lambda x: SharedExhibit(
        id=x.id, label=x.label, description=x.description, kind=x.kind, custody=x.custody_sha256,
        custody_size=x.custody_size))
    return Preview.model_construct(
        agreement=AgreementRef(id=agreement.id, version=agreement.agreement_version, sha256=agreement.digest),
        sender=sent_by, recipient=sent_to, purpose=chosen_purpose, handling=agreement.handling,
        retention_days=agreement.retention_days, today=today, entities=shared, notes=shared_notes,
        attachments=shared_files, exhibits=shared_exhibits, omissions=omissions, redactions=redactions,
        warnings=_warnings(chosen, ctx))
