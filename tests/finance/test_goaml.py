from __future__ import annotations

import xml.etree.ElementTree as ET
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


UAE = "goAMLSchema_v5.0.2_UAE.xsd"


def test_a_report_from_the_uae_profile_validates_against_the_uae_502_schema(
        desk: Desk, shared_data: Callable[[str], Path]) -> None:
    schema = shared_data("goaml_schema") / UAE
    alerts = [desk.alerts(rule=r.id)[0] for r in desk.pack().rules if desk.alerts(rule=r.id)]
    assert len(alerts) >= 8  # many rules, so every channel of the ledger is in the report
    first = alerts[0].accounts[0]
    desk.ledger.con.execute("UPDATE parties SET name = 'Ștefan Müller (Intl) 王伟' WHERE account = ?", [first])
    uae = goaml.load_profile(name="uae")
    xml = desk.report([a.id for a in alerts], reference="STR-AE-1", by="ana", xsd=schema,
                      profile=goaml.PACKAGED_PROFILES / "uae.yaml")
    root = ET.fromstring(xml)
    assert root.findtext("reporting_person/passport_country") == "AE" and root.findtext("location/state") == "Dubai"
    people = [c.tag for c in root.find("reporting_person")]  # type: ignore[union-attr]
    assert people.index("passport_country") == people.index("passport_number") + 1  # where the schema wants it
    for tx in root.iter("transaction"):
        tags = [c.tag for c in tx]
        assert tags[tags.index("transmode_code") + 1] == "transmode_comment"
    channels = {t.findtext("transmode_code") for t in root.iter("transaction")}
    assert {"OCT", "ELCFT"} <= channels and "-" not in channels
    names = {n.text for n in root.iter("account_name")}
    assert "Stefan Muller Intl wang wei" in names  # in Latin letters, as the UAE schema accepts names
    assert {i.text for i in root.iter("indicator")} >= {uae.indicator_codes["cycle"][0]}
    assert root.findtext("currency_code_local") == "AED"


def test_the_uae_schema_is_read_as_its_patterns_are_written(shared_data: Callable[[str], Path]) -> None:
    """The UAE schema writes its patterns as JavaScript expressions (^...$, as a comment in it says), which XSD reads
    as the characters ^ and $: reports exported from the UAE portal itself fail that literal reading on names only,
    and pass when the anchors are read as anchors."""
    folder = shared_data("goaml_schema")
    for sample in ("sample_DPMSR_UAE_redacted_1.xml", "sample_DPMSR_UAE_redacted_2.xml"):
        xml = (folder / sample).read_bytes()
        with pytest.raises(InvalidInput) as literal:
            goaml.validate(xml, folder / UAE, "xsd")
        assert all("^[a-zA-Z0-9 .'-]*$" in d for d in literal.value.details)
        goaml.validate(xml, folder / UAE, "ecmascript")


def test_without_the_uae_additions_the_report_is_refused_naming_what_is_missing(
        desk: Desk, shared_data: Callable[[str], Path], tmp_path: Path) -> None:
    plain = tmp_path / "uae-plain.yaml"
    text = goaml.PACKAGED_PROFILES.joinpath("uae.yaml").read_text()
    plain.write_text(text[:text.index("additions:")] + "latin_names: true\nxsd_patterns: ecmascript\n")
    alert = desk.alerts(rule="funnel_account")[0]
    with pytest.raises(InvalidInput) as refused:
        desk.report([alert.id], reference="R", by="ana", xsd=shared_data("goaml_schema") / UAE, profile=plain)
    said = " ".join(refused.value.details)
    assert "passport_country" in said and "'state' expected" in said and "transmode_comment" in said
    assert desk.alerts(rule="funnel_account")[0].status == "open"  # a refused report escalates nothing


@pytest.mark.parametrize(("addition", "message"), [
    ("  - {at: location, element: state, value: '{channel}'}\n", "{channel} is not a value here"),
    ("  - {at: transaction, element: note, value: '{amount}'}\n", "{amount} is not a value here"),
    ("  - {at: cellar, element: state, value: x}\n", "at"),
    ("  - {at: location, element: '1 state', value: x}\n", "element"),
])
def test_a_bad_addition_is_refused_naming_its_line(tmp_path: Path, addition: str, message: str) -> None:
    bad = tmp_path / "fiu.yaml"
    bad.write_text(goaml.PACKAGED_PROFILES.joinpath("generic.yaml").read_text() + "additions:\n" + addition)
    lines = bad.read_text().count("\n")
    with pytest.raises(InvalidInput) as refused:
        goaml.load_profile(bad)
    assert f"fiu.yaml:{lines}" in refused.value.message and message in refused.value.message


def test_an_addition_after_an_element_the_report_lacks_is_refused(desk: Desk, tmp_path: Path) -> None:
    profile = goaml.load_profile().model_copy(update={"additions": [
        goaml.Addition(at="location", element="state", after="zip", value="x")]})
    alert = desk.alerts(rule="cycle")[0]
    txs = desk.ledger.transactions(alert.transactions)
    with pytest.raises(InvalidInput, match="no zip at location"):
        goaml.build_str(profile, [alert], txs, {}, reference="R", reason="r")
