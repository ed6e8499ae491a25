"""Financial intelligence for a caller: the alert queue, reviews, reports and filing alerts into cases. The
finance permission is decided here once, for the CLI, the API and the pages alike.

Each agency has its own ledger (``<ledgers>/<agency>.duckdb``): an FIU's transactions, parties, alerts and screening
hits are its own, and a caller only ever opens the ledger of their own agency. A ledger is opened per call so the
CLI can load and monitor between requests (DuckDB allows one writing process at a time); reading a ledger that does
not exist yet opens an empty one in memory, so nothing is created by looking."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from palermo.cases import CaseStore
from palermo.cases.alerts import file_alerts
from palermo.cases.identity import Caller
from palermo.cases.paging import check_window
from palermo.cases.policy import Action, Actor, decide
from palermo.errors import InvalidInput
from palermo.finance import goaml
from palermo.finance.desk import AlertDetail, Desk
from palermo.finance.ledger import ledger_file
from palermo.finance.rules import Pack, load_pack
from palermo.model import Alert, Case

SCHEMA_HINT = ("the administrator sets PALERMO_GOAML_XSD to the goAML schema (goAMLSchema.xsd) the FIU gives its "
               "reporting entities, and PALERMO_GOAML_PROFILE to the FIU's codes (docs/finance.md), then restarts "
               "Palermo")


@dataclass(frozen=True)
class Reporting:
    """What a goAML report would be made with: the FIU profile and the schema, or what keeps it from being made."""

    fiu: str
    report_code: str
    schema: str | None
    """The configured schema's file name; None when none is configured."""
    problem: str | None
    """Why no report can be made yet (no schema, a schema file missing, a profile that does not load)."""


class Finance:
    """The deployment's finance desk behind a permission check."""

    def __init__(self, cases: CaseStore, *, ledgers: Path, typologies: Sequence[Path] = (),
                 goaml_profile: Path | None = None, goaml_xsd: Path | None = None,
                 watchlist: Path | None = None) -> None:
        self.cases = cases
        self.ledgers = ledgers
        self.options: dict[str, Any] = {"typologies": list(typologies), "goaml_profile": goaml_profile,
                                        "goaml_xsd": goaml_xsd, "watchlist": watchlist}

    def ledger_path(self, agency: str) -> Path:
        """The file of an agency's own ledger."""
        return ledger_file(self.ledgers, agency)

    @contextmanager
    def desk(self, agency: str, *, create: bool = False, **overrides: Any) -> Iterator[Desk]:
        """The agency's desk, open for one unit of work (operator commands on the CLI use it directly). Only a unit
        of work that loads data creates the agency's ledger file (``create``): reviews, reports and decisions need
        alerts or hits, which an agency without a ledger does not have."""
        options = {**self.options, **{k: v for k, v in overrides.items() if v is not None}}
        path: Path | None = self.ledger_path(agency)
        if not create and path is not None and not path.exists():
            path = None  # nothing loaded yet: an empty ledger in memory
        desk = Desk(path, **options)
        try:
            yield desk
        finally:
            desk.close()

    def analyst(self, caller: Caller) -> Actor:
        """The caller, if they may work on financial intelligence (on their own agency's ledger only)."""
        actor = self.cases.accounts.whoami(caller)
        decide(actor, Action.finance)
        return actor

    @property
    def configured_schema(self) -> Path | None:
        """The goAML schema reports are validated against, if one is configured."""
        xsd: Path | None = self.options["goaml_xsd"]
        return xsd

    def pack(self, caller: Caller) -> Pack:
        """The red-flag rules in force (any signed-in user may read them)."""
        self.cases.accounts.whoami(caller)
        return load_pack(self.options["typologies"])

    def queue(self, caller: Caller, *, rule: str | None = None, subject: str | None = None,
              status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Alert], Pack, int]:
        """A page of the alert queue (strongest rules first), the pack and the number of transactions held."""
        check_window(limit, offset)
        actor = self.analyst(caller)
        with self.desk(actor.agency_id) as desk:
            alerts = desk.alerts(rule=rule, subject=subject, status=status, limit=limit, offset=offset)
            return alerts, desk.pack(), desk.ledger.count("transactions")

    def alert(self, caller: Caller, alert_id: str) -> AlertDetail:
        """One alert with the transactions that triggered it, its parties and flows."""
        actor = self.analyst(caller)
        with self.desk(actor.agency_id) as desk:
            return desk.alert(alert_id)

    def review(self, caller: Caller, alert_id: str, status: str, reason: str = "") -> Alert:
        """Escalate, dismiss (with a reason) or reopen an alert."""
        actor = self.analyst(caller)
        with self.desk(actor.agency_id) as desk:
            return desk.review(alert_id, status, by=actor.username, reason=reason)

    def file(self, caller: Caller, alert_ids: Sequence[str], *, case_ref: str | None = None,
             title: str | None = None) -> Case:
        """File alerts into a new case (needs case creation) or an existing one (needs entity writing there);
        the alerts are marked escalated, naming the case."""
        actor = self.cases.accounts.whoami(caller)
        if case_ref is not None:
            self.cases.cases.get(actor, case_ref)  # outside the case's circle: 404 before anything else
        decide(actor, Action.finance)
        if case_ref is None:
            decide(actor, Action.case_create)
        with self.desk(actor.agency_id) as desk:
            details = [desk.alert(a) for a in alert_ids]
            case = file_alerts(self.cases, actor, details, case_ref=case_ref, title=title)
            for alert_id in alert_ids:
                desk.review(alert_id, "escalated", by=actor.username, reason=f"filed into case {case.reference}")
        return case

    def report(self, caller: Caller, alert_ids: Sequence[str], *, reference: str, reason: str | None = None,
               action: str | None = None) -> bytes:
        """A goAML report of the alerts, validated against the FIU's schema before it is returned; the alerts are
        marked escalated, naming the report."""
        actor = self.analyst(caller)
        if self.options["goaml_xsd"] is None:
            raise InvalidInput("no goAML schema is configured, so no report can be checked and made",
                               hint=SCHEMA_HINT)
        with self.desk(actor.agency_id) as desk:
            return desk.report(alert_ids, reference=reference, by=actor.username, reason=reason, action=action)

    def reporting(self, caller: Caller) -> Reporting:
        """The FIU profile and schema reports are made with, and whether a report can be made as configured."""
        self.analyst(caller)
        xsd: Path | None = self.options["goaml_xsd"]
        try:
            profile = goaml.load_profile(self.options["goaml_profile"])
            fiu, code = profile.fiu, profile.report_code
        except InvalidInput as exc:
            return Reporting(fiu="", report_code="", schema=xsd.name if xsd else None, problem=exc.message)
        if xsd is None:
            return Reporting(fiu=fiu, report_code=code, schema=None, problem="no goAML schema is configured")
        if not xsd.is_file():
            return Reporting(fiu=fiu, report_code=code, schema=xsd.name, problem=f"no schema file {xsd}")
        return Reporting(fiu=fiu, report_code=code, schema=xsd.name, problem=None)

    def selected(self, caller: Caller, alert_ids: Sequence[str]) -> list[Alert]:
        """Those of the named alerts that are in the caller's agency's ledger, in the order named."""
        actor = self.analyst(caller)
        with self.desk(actor.agency_id) as desk:
            found = {a.id: a for a in desk.ledger.alerts(ids=list(alert_ids), limit=len(alert_ids) + 1)}
        return [found[a] for a in dict.fromkeys(alert_ids) if a in found]

    def hits(self, caller: Caller, *, pending: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        """Watchlist hits kept for review, undecided first."""
        check_window(limit, 0, max_limit=1000)
        actor = self.analyst(caller)
        with self.desk(actor.agency_id) as desk:
            return desk.hits(pending=pending, limit=limit)

    def decide_hit(self, caller: Caller, hit_id: str, decision: str, reason: str) -> str:
        """Confirm or clear a screening hit; returns who decided."""
        actor = self.analyst(caller)
        with self.desk(actor.agency_id) as desk:
            desk.decide(hit_id, decision, by=actor.username, reason=reason)
        return actor.username

    def decisions(self, caller: Caller, fmt: Literal["csv", "json"] = "csv") -> str:
        """The screening audit trail."""
        actor = self.analyst(caller)
        with self.desk(actor.agency_id) as desk:
            return desk.decisions(fmt)
