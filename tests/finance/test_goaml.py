from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palermo.errors import InvalidInput
from palermo.finance import goaml
from palermo.finance.desk import Desk
from palermo.finance.generator import generate


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    d = Desk(tmp_path / "ledger.duckdb")
    generate(d.ledger, 30_000, seed=4, per_typology=3)
    d.monitor()
    return d


def _xsd(shared_data: Callable[[str], Path]) -> Path:
    return shared_data("goaml_schema") / "goAMLSchema_v5.0.1.xsd"


def test_str_from_alerts_validates_against_goaml_501(desk: Desk, shared_data: Callable[[str], Path]) -> None:
    funnel = desk.alerts(rule="funnel_account")[0]
    cycle = desk.alerts(rule="cycle")[0]
    xml = desk.report([funnel.id, cycle.id], reference="STR-2026-001", by="ana", xsd=_xsd(shared_data),
                      reason="Customer could not explain the deposits.")
    text = xml.decode()
    assert "<report_code>STR</report_code>" in text and "<entity_reference>STR-2026-001</entity_reference>" in text
    for tx in (*funnel.transactions, *cycle.transactions):
        assert f"<transactionnumber>{tx}</transactionnumber>" in text
    assert "Customer could not explain the deposits." in text and "Funnel account on" in text
    assert "FinCEN FIN-2020-A008" in text  # the narrative cites the source of each red flag
    for reported in desk.alerts(subject=None, limit=500):  # reporting escalates, whoever reports (CLI, API, page)
        if reported.id in (funnel.id, cycle.id):
            assert reported.status == "escalated" and reported.reviewed_by == "ana"
            assert reported.review_reason == "reported to the FIU as STR-2026-001"


def test_invalid_report_is_refused_with_the_schema_reason(desk: Desk, shared_data: Callable[[str], Path],
                                                          tmp_path: Path) -> None:
    profile = goaml.load_profile()
    bad = tmp_path / "fiu.yaml"
    bad.write_text(goaml.PACKAGED_PROFILES.joinpath("generic.yaml").read_text().replace(
        "report_code: STR", "report_code: XSTR"))
    assert profile.report_code == "STR"
    alert = desk.alerts(rule="cycle")[0]
    with pytest.raises(InvalidInput) as exc:
        desk.report([alert.id], reference="R", by="ana", xsd=_xsd(shared_data), profile=bad)
    assert "/report/report_code" in exc.value.message and "value must be one of" in exc.value.message


def test_no_schema_no_report(desk: Desk) -> None:
    alert = desk.alerts()[0]
    with pytest.raises(InvalidInput, match="no goAML schema"):
        desk.report([alert.id], reference="R", by="ana")


def test_profile_codes_are_used(desk: Desk, shared_data: Callable[[str], Path], tmp_path: Path) -> None:
    custom = tmp_path / "fiu.yaml"
    custom.write_text(goaml.PACKAGED_PROFILES.joinpath("generic.yaml").read_text()
                      .replace("report_code: STR", "report_code: SAR")
                      .replace("currency_code_local: EUR", "currency_code_local: GHS"))
    alert = desk.alerts(rule="cycle")[0]
    xml = desk.report([alert.id], reference="R", by="ana", xsd=_xsd(shared_data), profile=custom).decode()
    assert "<report_code>SAR</report_code>" in xml and "<currency_code_local>GHS</currency_code_local>" in xml
