"""Mutual legal assistance and extradition requests (pure): drafted from a case's conduct with the legal basis,
dual criminality and jurisdiction computed by the law engine, checked for completeness, rendered as documents a
central authority prints or edits, tracked through their statuses (docs/requests.md)."""

from palermo.mla.checks import CHECKS, Check, Missing, check, ready_to_send
from palermo.mla.draft import draft, read_request, redraft
from palermo.mla.findings import Basis, Claimed, Findings, Participation, SeriousCrime, compute
from palermo.mla.html import render_html
from palermo.mla.layout import Document, layout
from palermo.mla.request import (
    Assistance,
    Authority,
    Confidentiality,
    Content,
    Extradition,
    Person,
    Preemption,
    Proceedings,
    Request,
    StatusChange,
    Urgency,
)
from palermo.mla.status import advance, allowed, overdue, sent_on
from palermo.mla.templates import Template, template
from palermo.mla.terms import (
    BASIS_KINDS,
    FORMS,
    GROUNDS,
    KINDS,
    LANGUAGES,
    STAGES,
    STATUSES,
    TRANSITIONS,
    Form,
    Ground,
    Kind,
    Language,
    Status,
)
from palermo.mla.word import render_docx

__all__ = [
    "BASIS_KINDS", "CHECKS", "FORMS", "GROUNDS", "KINDS", "LANGUAGES", "STAGES", "STATUSES", "TRANSITIONS",
    "Assistance", "Authority", "Basis", "Check", "Claimed", "Confidentiality", "Content", "Document", "Extradition",
    "Findings", "Form", "Ground", "Kind", "Language", "Missing", "Participation", "Person", "Preemption",
    "Proceedings", "Request", "SeriousCrime", "Status", "StatusChange", "Template", "Urgency", "advance", "allowed",
    "check", "compute", "draft", "layout", "overdue", "read_request", "ready_to_send", "redraft", "render_docx",
    "render_html", "sent_on", "template",
]
