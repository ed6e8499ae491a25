"""A victim's record to open in tests, and the raw bytes of a store to search for what must not be there."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from palermo.cases import CaseStore
from palermo.model import VictimRecordDraft

NAME = "Zoltana Vărăreanu"
PROTECTED_TABLES = ("victim", "consent", "referral", "screening", "audit_record")


def draft(**changes: object) -> VictimRecordDraft:
    """A Romanian woman in England, her identity filled in; `changes` replace fields."""
    data: dict[str, object] = {"identity": {"names": [NAME, "Zoli"], "birth_date": "2001-04-02",
                                            "documents": ["passport RO 0512345"], "contacts": ["+40 712 345 678"]},
                               "jurisdiction": "GB", "language": "ro", "sex": "female", "citizenship": "RO"}
    data.update(changes)
    return VictimRecordDraft.model_validate(data)


def raw_database(cs: CaseStore, tmp_path: Path) -> bytes:
    """Everything the store wrote, as bytes: the SQLite files, or the PostgreSQL tables that hold victims' data."""
    if cs.store.postgresql:
        with cs.store.engine.connect() as conn:
            return "\n".join(str(r) for table in PROTECTED_TABLES
                             for r in conn.execute(text(f"SELECT * FROM {table}"))).encode()
    return b"".join(p.read_bytes() for p in tmp_path.glob("palermo.db*"))
