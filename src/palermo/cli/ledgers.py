"""Which agency's ledger an operator's `palermo finance` command works on: each agency has its own file in the
deployment's ledger folder (data/finance/AGENCY.duckdb), never one shared by all."""

from __future__ import annotations

from pathlib import Path

from palermo.cli.console import err, plain
from palermo.errors import InvalidInput
from palermo.finance.ledger import ledger_file
from palermo.settings import Settings


def agency_ledger(settings: Settings, agency: str | None, *, write: bool) -> Path | None:
    """The ledger file of the agency named (or of the deployment's only agency); None for a command that only
    reads a ledger not made yet, so looking creates nothing."""
    from palermo.cases import open_case_store

    store = open_case_store(settings.data_dir, **settings.case_store_options(), upgrade=False)
    try:
        known = sorted(str(a["id"]) for a in store.accounts.agencies())
    finally:
        store.dispose()
    if agency is None:
        if len(known) != 1:
            raise InvalidInput("which agency's ledger? each agency has its own" if known else
                               "no agency in this deployment yet, so no ledger",
                               hint=f"give `palermo finance --agency ID ...`, one of: {', '.join(known)}" if known
                               else "add one with `palermo agencies add`, or give --ledger FILE")
        agency = known[0]
    elif agency not in known:
        raise InvalidInput(f"--agency: no agency {agency!r} in this deployment",
                           hint="`palermo agencies list` shows them" if known else "add one with `palermo agencies add`")
    path = ledger_file(settings.ledger or settings.data_dir / "finance", agency)
    legacy = settings.data_dir / "finance.duckdb"
    if settings.ledger is None and legacy.exists():
        err.print(plain(f"note: {legacy} is the single ledger of an older Palermo, which nothing reads now; move it "
                        f"to {path.parent}/AGENCY.duckdb of the agency whose data it holds"), soft_wrap=True)
    return path if write or path.exists() else None
