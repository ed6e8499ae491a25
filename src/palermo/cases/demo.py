"""The demo workspace `make run` starts with: one agency, an administrator with one-time credentials, and a case
modelled on Operation Fort (West Midlands Police; Birmingham Crown Court, 2019), the largest modern-slavery
prosecution in the United Kingdom. People in it are stand-ins: the pattern follows public reporting, the names,
numbers and accounts are fictitious."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from palermo.cases import CaseStore
from palermo.cases.accounts import Accounts
from palermo.cases.policy import Actor
from palermo.custody.keys import SigningKey
from palermo.exchange import EncryptionKey, Partner, Partners
from palermo.model import CaseDraft, CaseRole, TimelineEvent

DEMO_AGENCY = "demo-police"
DEMO_ADMIN = "admin"
DEMO_CASE = "DEMO-FORT-2019"
ENTITIES = Path(__file__).parent / "data" / "demo_operation_fort.jsonl"
AGREEMENT = Path(__file__).parent / "data" / "demo_agreement.yaml"
DEMO_PARTNER = "PL-DEMO-CBZC"
ROLES: dict[str, CaseRole] = {"defendant-a": "suspect", "defendant-b": "suspect", "victim-1": "victim", "victim-2": "victim",
         "victim-3": "victim", "ngo-caseworker": "witness"}
TIMELINE = [
    ("2012-01-01", "Period of exploitation begins (recruitment in Poland; reported period 2012–2017)"),
    ("2017-12-31", "Period of exploitation ends (reported)"),
    ("2019-01-01", "Convictions at Birmingham Crown Court (2019) in two trials"),
]


def needs_demo(accounts: Accounts) -> bool:
    """True on a first start: the database has no user yet."""
    return not accounts.users()


def create_demo(cs: CaseStore) -> tuple[str, str]:
    """Create the demo agency, administrator and case; returns the administrator's one-time credentials."""
    cs.accounts.add_agency(DEMO_AGENCY, "Demo anti-trafficking unit", "GB", "police")
    _, password = cs.accounts.add_user(DEMO_ADMIN, DEMO_AGENCY, ["admin", "investigator"],
                                       display_name="Demo administrator")
    actor = cs.accounts.actor(DEMO_ADMIN)
    cs.cases.create(actor, CaseDraft(
        reference=DEMO_CASE, title="Operation Fort (demo reconstruction)", jurisdictions=["GB", "PL"],
        offences=["core_trafficking"], handling="named",
        summary=("Demo modelled on Operation Fort (West Midlands Police; R v. Brzezinski and others, Birmingham "
                 "Crown Court, 2019): a Polish organised crime group recruited vulnerable people in Poland with "
                 "promises of well-paid work, transported them to the West Midlands, housed them in poor conditions "
                 "and took their wages through bank accounts it controlled. Every person, account and number here "
                 "is a fictitious stand-in; the pattern follows public reporting of the case.")))
    with ENTITIES.open(encoding="utf-8") as fh:
        cs.transfer.import_entities(actor, DEMO_CASE, fh, source="demo: Operation Fort reconstruction")
    for entity_id, role in ROLES.items():
        cs.entities.set_role(actor, DEMO_CASE, entity_id, role)
    for date, summary in TIMELINE:
        cs.timeline.add(actor, DEMO_CASE, TimelineEvent(date=date, summary=summary))
    cs.notes.add(actor, DEMO_CASE, "Wages of the workers were paid into accounts opened in their names; the group "
                "held the bank cards. Trace the payments from the labour supplier to the group's members.")
    _exchange(cs, actor)
    return DEMO_ADMIN, password


def _exchange(cs: CaseStore, actor: Actor) -> None:
    """The demo's agreement with a Polish partner (in force from today for two years) and the partner's card,
    with keys made for the demo: previews, approvals and sealed bundles to carry work; nothing can be pushed."""
    today = datetime.now(UTC)
    text = AGREEMENT.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^valid_from: .*$", f"valid_from: {today.date()}", text)
    text = re.sub(r"(?m)^valid_until: .*$", f"valid_until: {(today + timedelta(days=730)).date()}", text)
    cs.directory.add_agreement(actor, text, "demo agreement")
    partner = Partner(agency=DEMO_PARTNER, state="PL", name="Polish police unit (demo partner)",
                      signing=[SigningKey.generate().record(agency=DEMO_PARTNER, state="PL", valid_from=today)],
                      encryption=[EncryptionKey.generate().record(DEMO_PARTNER, "PL", today)])
    cs.directory.add_partners(actor, Partners([partner]).to_json(), "demo partner card (keys made for the demo)")
