"""Custody: signed custody events in an append-only Merkle log (RFC 9162), signed tree heads, proofs, portable
bundles and their offline verification. Pure: no database, settings, web or CLI, so that a court or a partner
abroad verifies with the same code that wrote the record.
"""

from palermo.custody.bundle import Bundle, read_bundle, verify_bundle, write_bundle
from palermo.custody.canonical import canonical
from palermo.custody.keys import KeyRecord, SigningKey, TrustStore, fingerprint, key_id, timestamp
from palermo.custody.log import Appended, LogWriter
from palermo.custody.merkle import (
    Frontier,
    Tree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from palermo.custody.records import (
    EVENT_KINDS,
    Actor,
    CustodyEvent,
    Details,
    EventDraft,
    Prev,
    SignedEvent,
    SignedHead,
    TreeHead,
    draft,
    make_event,
    sign_event,
    sign_head,
)
from palermo.custody.report import render_bundle, render_html
from palermo.custody.verify import CHECKS, Finding, Report, explain, verify_extension, verify_inclusion_of, verify_log

__all__ = [
    "CHECKS", "EVENT_KINDS", "Actor", "Appended", "Bundle", "CustodyEvent", "Details", "EventDraft", "Finding",
    "Frontier", "KeyRecord", "LogWriter", "Prev", "Report", "SignedEvent", "SignedHead", "SigningKey", "Tree",
    "TreeHead", "TrustStore", "canonical", "consistency_proof", "draft", "explain", "fingerprint", "inclusion_proof",
    "key_id", "leaf_hash", "make_event", "node_hash", "read_bundle", "render_bundle", "render_html", "root", "sign_event", "sign_head",
    "timestamp", "verify_bundle", "verify_consistency", "verify_extension", "verify_inclusion", "verify_inclusion_of",
    "verify_log", "write_bundle",
]
