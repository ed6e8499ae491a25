"""Cross-border exchange (pure): data-sharing agreements as code, the export plan that applies them (redaction and
omission with reasons), bundles signed by the sending agency and sealed to the recipient agency (HPKE), and their
opening with every check before anything is returned. No database, settings, web or CLI: the case store calls it
with explicit arguments (docs/exchange.md).
"""

from palermo.exchange.agreements import (
    Agreement,
    Agreements,
    ConsentRule,
    DataRules,
    Handling,
    LegalBasis,
    Party,
    SchemaRule,
    agreement_digest,
    load_agreements,
    read_agreement,
    read_agreement_text,
)
from palermo.exchange.bundle import Manifest, SignedManifest, build, write_bundle
from palermo.exchange.envelope import Header, open_file, seal, seal_to_file
from palermo.exchange.keys import EncryptionKey, EncryptionRecord, Partner, Partners
from palermo.exchange.opening import (
    DeliveredAttachment,
    DeliveredExhibit,
    Delivery,
    Limits,
    open_bundle,
    verify_custody,
)
from palermo.exchange.plan import Omission, Preview, Redaction, check, plan_export
from palermo.exchange.policy import Decision, evidence_allowed, onward_allowed, refusals
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
from palermo.exchange.rules import RULES, Consent, explain
from palermo.exchange.terms import PURPOSES, Purpose

__all__ = [
    "PURPOSES", "RULES", "Agreement", "AgreementRef", "Agreements", "CaseEntity", "CaseExhibit", "Consent",
    "ConsentRule", "DataRules", "Decision", "DeliveredAttachment", "DeliveredExhibit", "Delivery", "EncryptionKey",
    "EncryptionRecord", "Endpoint", "Handling", "Header", "LegalBasis", "Limits", "Manifest", "Omission", "Partner",
    "Partners", "Party", "Preview", "Purpose", "Redaction", "SchemaRule", "SharedAttachment", "SharedEntity",
    "SharedExhibit", "SharedNote", "SignedManifest", "agreement_digest", "build", "check", "evidence_allowed",
    "explain", "load_agreements", "onward_allowed", "open_bundle", "open_file", "plan_export", "read_agreement",
    "read_agreement_text", "refusals", "seal", "seal_to_file", "verify_custody", "write_bundle",
]
