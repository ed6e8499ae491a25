"""Who may do what: the one place that decides every action on the case store.

A case is visible to its owning agency and to the agencies and users it was shared with. Outside that circle a
case does not exist (404, so its existence is not disclosed). Inside it, the user's role decides (403).
On PostgreSQL the visibility half of these rules is repeated as row-level security (see docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from palermo.errors import NotFound, NotPermitted


class Role(StrEnum):
    """A user's function in their agency."""

    admin = "admin"
    investigator = "investigator"
    analyst = "analyst"
    legal_officer = "legal_officer"
    victim_support = "victim_support"
    auditor = "auditor"


class Action(StrEnum):
    """Everything a user can ask the case store to do."""

    case_create = "case_create"
    case_read = "case_read"
    case_edit = "case_edit"
    case_share = "case_share"
    entity_write = "entity_write"
    note_write = "note_write"
    attachment_write = "attachment_write"
    protected_read = "protected_read"
    audit_read = "audit_read"
    users_manage = "users_manage"
    finance = "finance"
    statistics = "statistics"
    evidence_write = "evidence_write"
    evidence_export = "evidence_export"
    keys_manage = "keys_manage"
    victim_read = "victim_read"
    victim_write = "victim_write"
    victim_reveal = "victim_reveal"
    victim_grant = "victim_grant"
    consent_override = "consent_override"
    exchange_send = "exchange_send"
    exchange_receive = "exchange_receive"
    agreement_manage = "agreement_manage"
    request_write = "request_write"


class Access(StrEnum):
    """How a user reaches a case: through the owning agency, or a share with read or write access."""

    owner = "owner"
    write = "write"
    read = "read"


A = Action
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.admin: frozenset({A.case_create, A.case_read, A.case_edit, A.case_share, A.entity_write, A.note_write,
                           A.attachment_write, A.users_manage, A.keys_manage, A.victim_grant, A.consent_override,
                           A.agreement_manage}),
    Role.investigator: frozenset({A.case_create, A.case_read, A.case_edit, A.case_share, A.entity_write,
                                  A.note_write, A.attachment_write, A.protected_read, A.finance, A.evidence_write,
                                  A.evidence_export, A.victim_read, A.victim_write, A.exchange_send,
                                  A.exchange_receive, A.request_write}),
    Role.analyst: frozenset({A.case_read, A.entity_write, A.note_write, A.finance, A.statistics,
                             A.evidence_write}),
    Role.legal_officer: frozenset({A.case_read, A.case_edit, A.note_write, A.attachment_write,
                                   A.evidence_export, A.victim_read, A.exchange_send, A.exchange_receive,
                                   A.agreement_manage, A.request_write}),
    Role.victim_support: frozenset({A.case_read, A.entity_write, A.note_write, A.protected_read, A.victim_read,
                                    A.victim_write, A.victim_reveal}),
    Role.auditor: frozenset({A.audit_read}),
}
"""What each role may do on cases it can see. Auditors read the audit trail, never case contents; reading a
victim's identity (protected data) is for investigators and victim-support workers only. Financial intelligence
(transaction alerts, screening) is for analysts and investigators; releasing statistics from victim-level data
(k-anonymous or differentially private, against the privacy budget) is for analysts. Evidence is handled
(exhibits registered, custody events recorded) by investigators and analysts (examinations, derivative copies);
a portable custody record leaves the case with an investigator or a legal officer (for a request abroad); an
agency's signing keys and the partner keys it trusts are managed by its administrators. Victim records (by
pseudonym) are kept by victim-support workers and investigators and read by legal officers; a person's identity is
read by victim-support workers, or by another user an administrator granted it to, with a reason each time; only
an administrator overrides a missing consent, with a reason. Case content leaves for a partner abroad (a preview,
its approval, the signed and sealed bundle) with an investigator or a legal officer of the owning agency, who also
receive bundles into the agency's inbox; the agreements held are imported by administrators and legal officers.
Requests for mutual legal assistance or extradition are drafted from a case, moved through their statuses and
their replies recorded by investigators and legal officers who may write in the case."""

READ_ACTIONS = frozenset({A.case_read, A.protected_read})
AGENCY_ACTIONS = frozenset({A.case_create, A.audit_read, A.users_manage, A.finance, A.statistics,
                            A.keys_manage, A.victim_read, A.victim_write, A.victim_reveal, A.victim_grant,
                            A.consent_override, A.exchange_receive, A.agreement_manage})
OWNER_ACTIONS = frozenset({A.case_share, A.exchange_send})


@dataclass(frozen=True)
class Actor:
    """The authenticated user on whose behalf the store acts."""

    user_id: str
    username: str
    agency_id: str
    roles: frozenset[Role]
    display_name: str = ""

    def may(self, action: Action) -> bool:
        """Does any of the actor's roles grant this action?"""
        return any(action in PERMISSIONS[r] for r in self.roles)


def decide(actor: Actor, action: Action, access: Access | None = None, *, case_ref: str = "") -> None:
    """Allow the action or raise: NotFound when the case is outside the actor's circle, NotPermitted otherwise."""
    if action not in AGENCY_ACTIONS and access is None:
        raise NotFound(f"no case {case_ref!r}" if case_ref else "no such case")
    if not actor.may(action):
        raise NotPermitted(f"role {'/'.join(sorted(actor.roles))} may not {action.value.replace('_', ' ')}")
    if action in OWNER_ACTIONS and access is not Access.owner:
        raise NotPermitted(f"only the owning agency may {action.value.replace('_', ' ')}")
    if access is Access.read and action not in READ_ACTIONS:
        raise NotPermitted(f"case {case_ref!r} is shared with you read-only")
