"""The FIU analyst's desk: one service behind the CLI, the API and the pages (load, monitor, review, report)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from palermo.errors import InvalidInput, NotFound
from palermo.finance import goaml
from palermo.finance.generator import Injected, generate
from palermo.finance.ingest import Mapping, ingest_amlsim, ingest_file, ingest_ftm, read_mapping
from palermo.finance.ledger import Ledger, LoadReport
from palermo.finance.monitor import Monitoring, Progress, monitor
from palermo.finance.review import decide_hit, export_decisions, hits, keep_hits
from palermo.finance.rules import Pack, load_pack
from palermo.finance.screening import Match, Query, WatchList, load_watchlist, screen_all
from palermo.model import Alert

Format = Literal["auto", "csv", "parquet", "amlsim", "ftm"]


CASH = "cash"
"""The side of a cash deposit or withdrawal that has no account."""


@dataclass(frozen=True)
class Flow:
    """The money one account (or cash) paid another in one currency: total, how many payments, first and last."""

    source: str
    target: str
    currency: str
    amount: Decimal
    count: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class AlertDetail:
    """An alert with its transactions, the parties of its accounts and the money flows between them."""

    alert: Alert
    explanation: str
    transactions: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    flows: list[Flow]


def flows(transactions: Sequence[dict[str, Any]]) -> list[Flow]:
    """The transactions summed per payer, payee and currency (cash where a side has no account)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for tx in transactions:
        groups.setdefault((tx["source"] or CASH, tx["target"] or CASH, tx["currency"]), []).append(tx)
    return [Flow(source=a, target=b, currency=c, amount=sum((Decimal(t["amount"]) for t in txs), Decimal(0)),
                 count=len(txs), first=min(t["ts"] for t in txs), last=max(t["ts"] for t in txs))
            for (a, b, c), txs in sorted(groups.items())]


class Desk:
    """Transactions, rules and alerts of one FIU or bank team, on a ledger file."""

    def __init__(self, ledger_path: Path | None, typologies: Sequence[Path] = (), *,
                 goaml_profile: Path | None = None, goaml_xsd: Path | None = None,
                 watchlist: Path | None = None) -> None:
        self.ledger = Ledger(ledger_path)
        self.watchlist = watchlist
        self._pack: Pack | None = None
        self.typologies = list(typologies)
        self.goaml_profile = goaml_profile
        self.goaml_xsd = goaml_xsd

    def close(self) -> None:
        """Close the ledger."""
        self.ledger.close()

    def pack(self, only: Sequence[str] = ()) -> Pack:
        """The typology pack in force (packaged rules plus the configured folders), read once per desk."""
        if only:
            return load_pack(self.typologies, only=only)
        if self._pack is None:
            self._pack = load_pack(self.typologies)
        return self._pack

    def ingest(self, path: Path, fmt: Format = "auto", mapping: Path | None = None,
               currency: str | None = None) -> list[LoadReport]:
        """Load a file or AMLSim folder into the ledger: all of it, or nothing."""
        if fmt == "auto":
            fmt = _guess(path)
        if fmt == "amlsim":
            return ingest_amlsim(self.ledger, path, currency=currency or "USD")
        if fmt == "ftm":
            return ingest_ftm(self.ledger, path, default_currency=currency)
        chosen = read_mapping(mapping) if mapping else Mapping()
        if currency and "currency" not in chosen.columns:
            chosen = chosen.model_copy(update={"constants": {**chosen.constants, "currency": currency}})
        return [ingest_file(self.ledger, path, chosen)]

    def generate(self, transactions: int, seed: int = 7,
                 progress: Callable[[str, int], None] | None = None) -> list[Injected]:
        """Fill the ledger with seeded synthetic activity and planted typologies; returns the labels."""
        if self.ledger.count("transactions"):
            raise InvalidInput("the ledger already holds transactions; generate into a new ledger file",
                               hint="give --ledger a new path")
        return generate(self.ledger, transactions, seed=seed, progress=progress)

    def monitor(self, *, engine: Literal["duckdb", "spark"] = "duckdb", master: str = "local[*]",
                only: Sequence[str] = (), progress: Progress | None = None) -> tuple[Monitoring, int]:
        """Run the pack on DuckDB (here) or Spark (local or a cluster), keep the alerts; returns the run and how
        many alerts are new."""
        pack = self.pack(only)
        if engine == "spark":
            from palermo.finance.spark import SparkEngine

            with tempfile.TemporaryDirectory(prefix="palermo-spark-") as tmp:
                spark = SparkEngine(self.ledger.export_parquet(Path(tmp)), master=master)
                try:
                    run = monitor(spark, pack, progress)
                finally:
                    spark.stop()
        else:
            run = monitor(self.ledger, pack, progress)
        new = self.ledger.save_alerts(run.alerts, datetime.now(UTC).replace(tzinfo=None))
        return run, new

    def alerts(self, *, rule: str | None = None, subject: str | None = None, status: str | None = None,
               limit: int = 500, offset: int = 0) -> list[Alert]:
        """The alert queue, strongest rules first."""
        return self.ledger.alerts(rule=rule, subject=subject, status=status, limit=limit, offset=offset)

    def review(self, alert_id: str, status: str, *, by: str, reason: str) -> Alert:
        """Escalate, dismiss or reopen an alert, with the reviewer's name and reason."""
        self.ledger.review(alert_id, status, by=by, reason=reason, at=datetime.now(UTC).replace(tzinfo=None))
        return self.ledger.alerts(ids=[alert_id])[0]

    def alert(self, alert_id: str) -> AlertDetail:
        """One alert with the transactions that triggered it and the flows between its accounts."""
        found = self.ledger.alerts(ids=[alert_id])
        if not found:
            raise NotFound(f"no alert {alert_id!r}")
        alert = found[0]
        txs = self.ledger.transactions(alert.transactions)
        explanation = next((r.explanation for r in self.pack().rules if r.id == alert.rule), "")
        return AlertDetail(alert=alert, explanation=explanation, transactions=txs,
                           parties=self.ledger.parties(alert.accounts), flows=flows(txs))

    def report(self, alert_ids: Sequence[str], *, reference: str, by: str, reason: str | None = None,
               action: str | None = None, xsd: Path | None = None, profile: Path | None = None,
               submitted: date | None = None) -> bytes:
        """A goAML report of the alerts, validated against the FIU's schema (refused if it does not validate);
        the reported alerts are marked escalated by ``by``, naming the report."""
        schema = xsd or self.goaml_xsd
        if schema is None:
            raise InvalidInput("no goAML schema to validate the report against",
                               hint="give --xsd (or set PALERMO_GOAML_XSD) to your FIU's goAMLSchema.xsd")
        alerts = self.ledger.alerts(ids=list(alert_ids), limit=len(alert_ids) + 1)
        missing = set(alert_ids) - {a.id for a in alerts}
        if missing:
            raise NotFound(f"no alert {sorted(missing)[0]!r}")
        fiu = goaml.load_profile(profile or self.goaml_profile)
        txs = self.ledger.transactions(sorted({t for a in alerts for t in a.transactions}))
        parties = {p["account"]: p for p in self.ledger.parties(sorted({x for a in alerts for x in a.accounts}))}
        explanations = {r.id: r.explanation for r in self.pack().rules}
        xml = goaml.build_str(fiu, alerts, txs, parties, reference=reference,
                              reason=goaml.narrative(alerts, explanations, reason), action=action,
                              submitted=submitted)
        goaml.validate(xml, schema, fiu.xsd_patterns)
        for alert_id in alert_ids:
            self.review(alert_id, "escalated", by=by, reason=f"reported to the FIU as {reference}")
        return xml


    def screen(self, *, names: Sequence[str] = (), parties: bool = False, watchlist: Path | None = None,
               threshold: float = 0.8) -> tuple[WatchList, list[tuple[Query, list[Match]]], int]:
        """Screen names, or every party in the ledger, against a watchlist; hits are kept for review.
        Returns the list, the results and how many hits are new."""
        path = watchlist or self.watchlist
        if path is None:
            raise InvalidInput("no watchlist to screen against",
                               hint="give --list (or set PALERMO_WATCHLIST) to an FtM / OpenSanctions JSON lines file")
        if not 0 < threshold <= 1:
            raise InvalidInput("threshold: must be above 0 and at most 1")
        listed = load_watchlist(path)
        queries = [Query(name=n) for n in names if n.strip()]
        if parties:
            for account, name, birth, country in self.ledger.rows(
                    "SELECT account, name, CAST(birth_date AS VARCHAR), country FROM parties "
                    "WHERE name IS NOT NULL ORDER BY account"):
                queries.append(Query(name=name, birth_date=birth, countries=(country.lower(),) if country else (),
                                     ref=account))
        if not queries:
            raise InvalidInput("nothing to screen: give names, or --parties to screen the ledger's parties")
        results = screen_all(queries, listed, threshold=threshold)
        new = keep_hits(self.ledger, listed, [(q, m) for q, m in results if m], threshold=threshold,
                        run_at=datetime.now(UTC).replace(tzinfo=None))
        return listed, results, new

    def hits(self, *, pending: bool = False, limit: int = 500) -> list[dict[str, Any]]:
        """Screening hits kept for review, undecided first."""
        return hits(self.ledger, pending=pending, limit=limit)

    def decide(self, hit_id: str, decision: str, *, by: str, reason: str) -> None:
        """Confirm or clear a screening hit, with the reviewer's name and reason."""
        decide_hit(self.ledger, hit_id, decision, by=by, reason=reason, at=datetime.now(UTC).replace(tzinfo=None))

    def decisions(self, fmt: Literal["csv", "json"] = "csv") -> str:
        """The screening audit trail: every hit, its list version, scores and the decision on it."""
        return export_decisions(self.ledger, fmt)


def _guess(path: Path) -> Format:
    if path.is_dir():
        return "amlsim"
    suffix = path.suffix.lower()
    if suffix in {".json", ".jsonl", ".ftm"} or path.name.endswith(".ftm.json"):
        return "ftm"
    if suffix == ".parquet":
        return "parquet"
    return "csv"
