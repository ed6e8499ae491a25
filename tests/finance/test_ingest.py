from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from palermo.errors import InvalidInput
from palermo.finance.ingest import Mapping, ingest_amlsim, ingest_file, ingest_ftm, read_mapping
from palermo.finance.ledger import Ledger

BANK_CSV = """Ref,Booked,From,To,Value,Ccy,Type,Branch,Narrative
R1,03/03/2025 10:15,ACC-1,ACC-2,120.50,EUR,TRF,Lyon,rent march
R2,03/03/2025 11:00,,ACC-1,900,EUR,CASH,Lyon,
R3,04/03/2025 09:30,ACC-1,,400,EUR,CASH,Paris,atm
"""
MAPPING = """version: 1
columns: {tx_id: Ref, ts: Booked, source: From, target: To, amount: Value, currency: Ccy, channel: Type,
          location: Branch, memo: Narrative}
values:
  channel: {TRF: transfer, CASH: cash}
timestamp_format: "%d/%m/%Y %H:%M"
"""


def _files(tmp_path: Path, csv: str = BANK_CSV) -> tuple[Path, Mapping]:
    (tmp_path / "bank.csv").write_text(csv)
    (tmp_path / "map.yaml").write_text(MAPPING)
    return tmp_path / "bank.csv", read_mapping(tmp_path / "map.yaml")


def test_csv_with_mapping_loads_typed_rows(ledger: Ledger, tmp_path: Path) -> None:
    path, mapping = _files(tmp_path)
    report = ingest_file(ledger, path, mapping)
    assert report.rows == 3
    rows = {r["tx_id"]: r for r in ledger.transactions(["R1", "R2", "R3"])}
    assert rows["R1"]["channel"] == "transfer" and str(rows["R1"]["amount"]) == "120.50"
    assert rows["R2"]["source"] is None and rows["R2"]["channel"] == "cash"
    assert rows["R3"]["ts"].isoformat() == "2025-03-04T09:30:00"


@pytest.mark.parametrize(("line", "needle"), [
    ("R4,05/03/2025 10:00,ACC-1,ACC-2,-5,EUR,TRF,Lyon,x", "bank.csv:5: amount: must be positive"),
    ("R4,05/03/2025 10:00,ACC-1,ACC-2,12;5,EUR,TRF,Lyon,x", "bank.csv:5: amount: not a number"),
    ("R4,2025-03-05,ACC-1,ACC-2,5,EUR,TRF,Lyon,x", "bank.csv:5: ts: not a date and time"),
    ("R4,05/03/2025 10:00,,,5,EUR,TRF,Lyon,x", "bank.csv:5: source/target"),
    ("R4,05/03/2025 10:00,ACC-1,ACC-2,5,euro,TRF,Lyon,x", "bank.csv:5: currency: not an ISO 4217 code"),
    ("R1,05/03/2025 10:00,ACC-1,ACC-2,5,EUR,TRF,Lyon,x", "tx_id: appears more than once"),
])
def test_one_bad_row_loads_nothing_and_names_line_and_field(ledger: Ledger, tmp_path: Path, line: str,
                                                            needle: str) -> None:
    path, mapping = _files(tmp_path, BANK_CSV + line + "\n")
    with pytest.raises(InvalidInput) as exc:
        ingest_file(ledger, path, mapping)
    assert needle in exc.value.message and "nothing was loaded" in exc.value.message
    assert ledger.count("transactions") == 0


def test_loading_the_same_file_twice_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    path, mapping = _files(tmp_path)
    ingest_file(ledger, path, mapping)
    with pytest.raises(InvalidInput, match=r"bank\.csv:2: tx_id: already loaded"):
        ingest_file(ledger, path, mapping)
    assert ledger.count("transactions") == 3


def test_mapping_errors_name_the_column(ledger: Ledger, tmp_path: Path) -> None:
    path, _ = _files(tmp_path)
    with pytest.raises(InvalidInput, match="column 'Amount' \\(mapped to amount\\) is not in the file"):
        ingest_file(ledger, path, Mapping(columns={"tx_id": "Ref", "amount": "Amount"}))
    (tmp_path / "bad.yaml").write_text("version: 1\ncolumns: {amout: Value}\n")
    with pytest.raises(InvalidInput, match=r"bad\.yaml:1: .*'amout' is not a transactions field"):
        read_mapping(tmp_path / "bad.yaml")


def test_parquet_rows_are_named_by_row(ledger: Ledger, tmp_path: Path) -> None:
    path, mapping = _files(tmp_path, BANK_CSV + "R4,05/03/2025 10:00,ACC-1,ACC-2,-1,EUR,TRF,Lyon,x\n")
    parquet = tmp_path / "bank.parquet"
    ledger.con.execute(f"COPY (SELECT * FROM read_csv('{path}', all_varchar=true)) TO '{parquet}'").fetchall()
    with pytest.raises(InvalidInput, match=r"bank\.parquet:row 4: amount"):
        ingest_file(ledger, parquet, mapping)


def test_amlsim_output_folder(ledger: Ledger, shared_data: Callable[[str], Path], tmp_path: Path) -> None:
    source = shared_data("amlsim_sample")
    folder = tmp_path / "amlsim"
    folder.mkdir()
    for name in ("accounts", "tx", "cash_tx", "alerts"):
        (folder / f"{name}.csv").write_bytes((source / f"sample_outputs_{name}.csv").read_bytes())
    reports = ingest_amlsim(ledger, folder)
    assert [r.rows for r in reports] == [45 + 88, 30]
    deposit = ledger.rows("SELECT source, target, location, ts FROM transactions WHERE tx_id = '1'")[0]
    assert deposit[0] == "0" and deposit[1] is None and deposit[2] == "branch:11"  # CASH-OUT from account 0
    assert str(deposit[3]) == "2017-01-02 00:00:00"


def test_ftm_payments_become_transactions_and_parties(ledger: Ledger, tmp_path: Path) -> None:
    lines = [
        {"id": "p1", "schema": "Person", "properties": {"name": ["Ana Doe"], "phone": ["+33 7 00 00 00 01"]}},
        {"id": "acc1", "schema": "BankAccount", "properties": {"accountNumber": ["FR76-1"]}},
        {"id": "acc2", "schema": "BankAccount", "properties": {"accountNumber": ["FR76-2"]}},
        {"id": "pay1", "schema": "Payment", "properties": {
            "payer": ["p1"], "payerAccount": ["acc1"], "beneficiaryAccount": ["acc2"], "amount": ["250"],
            "currency": ["EUR"], "date": ["2024-05-01"], "purpose": ["advert"]}},
    ]
    path = tmp_path / "pay.ftm.json"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    ingest_ftm(ledger, path)
    [tx] = ledger.transactions(["pay1"])
    assert (tx["source"], tx["target"], str(tx["amount"]), tx["memo"]) == ("acc1", "acc2", "250.00", "advert")
    parties = {p["account"]: p for p in ledger.parties(["acc1", "acc2"])}
    assert parties["acc1"]["name"] == "Ana Doe" and parties["acc1"]["phone"] == "+33 7 00 00 00 01"
    path.write_text(json.dumps({"id": "pay2", "schema": "Payment", "properties": {"amount": ["x"]}}))
    with pytest.raises(InvalidInput):
        ingest_ftm(ledger, path)
    assert ledger.count("transactions") == 1


def test_an_amlsim_graph_export_loads_through_the_same_reader(ledger: Ledger, tmp_path: Path) -> None:
    folder = tmp_path / "graph"
    folder.mkdir()
    (folder / "nodes.csv").write_text("nodeid,isFraud,init_balance,fraudStep\n0,0,1.0,-1\n1,1,1.0,4\n")
    (folder / "transactions.csv").write_text("sourceNodeId,targetNodeId,value,time\n0,1,25.5,4\n")
    reports = ingest_amlsim(ledger, folder)
    assert [r.rows for r in reports] == [1, 2]
    assert ledger.rows("SELECT tx_id, CAST(ts AS VARCHAR), source, target FROM transactions") == [
        ("2", "2017-01-05 00:00:00", "0", "1")]
