"""Screening hits kept for review: reviewers confirm or clear each one, and the decisions export as an audit trail
(list and version, query, match, score and its features, who decided what, when and why)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from palermo.duck import atomic
from palermo.errors import Conflict, InvalidInput, NotFound
from palermo.finance.ledger import Ledger
from palermo.finance.screening import Match, Query, WatchList

COLUMNS = ["id", "run_at", "list_name", "list_version", "query_ref", "query_name", "query_birth_date", "entity_id",
           "entity_caption", "entity_schema", "matched_name", "score", "threshold", "features", "decision",
           "decided_by", "decided_at", "reason"]


def keep_hits(ledger: Ledger, watchlist: WatchList, results: Sequence[tuple[Query, list[Match]]], *,
              threshold: float, run_at: datetime) -> int:
    """Store the hits of a screening run for review; a hit already kept (same list version, query and entity)
    keeps its decision. Returns how many hits are new."""
    rows = []
    for query, matches in results:
        for m in matches:
            key = "\x1f".join([watchlist.version, query.ref or "", query.name, m.entity.id])
            hit_id = "hit-" + hashlib.sha256(key.encode()).hexdigest()[:16]
            features = json.dumps([asdict(f) for f in m.features], ensure_ascii=False)
            rows.append((hit_id, run_at, watchlist.name, watchlist.version, query.ref, query.name, query.birth_date,
                         m.entity.id, m.entity.caption, m.entity.schema, m.matched_name, m.score, threshold, features))
    known = {r[0] for r in ledger.rows("SELECT id FROM screening_hits")}
    fresh = [r for r in rows if r[0] not in known]
    if fresh:
        with atomic(ledger.con):
            ledger.con.executemany(
                "INSERT INTO screening_hits (id, run_at, list_name, list_version, query_ref, query_name, "
                "query_birth_date, entity_id, entity_caption, entity_schema, matched_name, score, threshold, features)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", fresh)
    return len(fresh)


def hits(ledger: Ledger, *, pending: bool = False, limit: int = 500) -> list[dict[str, Any]]:
    """Kept hits, undecided first, highest score first."""
    where = "WHERE decision IS NULL" if pending else ""
    rel = ledger.con.execute(f"SELECT {', '.join(COLUMNS)} FROM screening_hits {where} "
                             f"ORDER BY decision IS NOT NULL, score DESC, id LIMIT {int(limit)}")
    return [dict(zip(COLUMNS, r, strict=True)) for r in rel.fetchall()]


def decide_hit(ledger: Ledger, hit_id: str, decision: str, *, by: str, reason: str, at: datetime) -> None:
    """Record a reviewer's decision on a hit; a decided hit is not decided again (its record stands)."""
    if decision not in ("confirmed", "cleared"):
        raise InvalidInput("decision: must be 'confirmed' or 'cleared'")
    if not reason.strip():
        raise InvalidInput("reason: say why (it goes into the audit trail)")
    found = ledger.con.execute("SELECT decision FROM screening_hits WHERE id = ?", [hit_id]).fetchall()
    if not found:
        raise NotFound(f"no screening hit {hit_id!r}")
    if found[0][0] is not None:
        raise Conflict(f"hit {hit_id} was already {found[0][0]}; its record stands")
    ledger.con.execute("UPDATE screening_hits SET decision = ?, decided_by = ?, decided_at = ?, reason = ? "
                       "WHERE id = ?", [decision, by, at, reason.strip()[:2000], hit_id]).fetchall()


def export_decisions(ledger: Ledger, fmt: Literal["csv", "json"] = "csv") -> str:
    """Every kept hit with its decision, as CSV or JSON: what a regulator asks to see."""
    rows = hits(ledger, limit=10**9)
    if fmt == "json":
        return json.dumps(rows, indent=2, default=str, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()
