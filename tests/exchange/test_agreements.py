"""Agreements as code: the examples load; every problem of a file is named at once with file, line and field; the
hash follows the content, not the formatting."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from palermo.errors import InvalidInput, NotFound
from palermo.exchange import load_agreements, read_agreement, read_agreement_text
from palermo.exchange.agreements import packaged_instruments

from .helpers import AGREEMENTS, JIT, MLA


def text(name: str = "gb-ro-police-mla.yaml") -> str:
    return (AGREEMENTS / name).read_text()


def without_hash(source: str) -> str:
    return re.sub(r"(?m)^sha256: .*\n", "", source)


def problems(source: str, name: str = "a.yaml") -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        read_agreement_text(source, name)
    return caught.value.details or [caught.value.message]


def test_the_examples_load_with_their_hashes() -> None:
    held = load_agreements([AGREEMENTS])
    assert set(held) == {MLA, JIT}
    mla, jit = held[MLA], held[JIT]
    assert mla.sha256 == mla.digest and jit.sha256 == jit.digest
    assert [p.agency for p in jit.parties] == ["RO-DIICOT", "GB-NCA", "IT-SCO"]
    assert [(b.instrument, b.article) for b in mla.legal_basis] == [("untoc", "18(1)"), ("untoc", "18(19)"),
                                                                   ("untoc", "18(20)")]
    assert mla.legal_basis[1].cite().label == "UNTOC, Art. 18(19)"
    assert jit.legal_basis[1].cite().label.endswith("[UNVERIFIED]")
    assert mla.handling.code == "evidence/recipient/prior_consent"
    assert mla.in_force(date(2026, 1, 1)) and mla.in_force(date(2028, 12, 31)) and not mla.in_force(date(2029, 1, 1))
    with pytest.raises(NotFound, match="did you mean 'gb-ro-police-mla'"):
        held.agreement("gb-ro-police-mlaa")


def test_every_problem_is_named_with_file_line_and_field() -> None:
    source = without_hash(text())
    source = source.replace("role: requested", "role: requestd")
    source = source.replace("instrument: untoc\n    article: \"18(19)\"", "instrument: untok\n    article: \"18(19)\"")
    source = source.replace("allow: [iban,", "allow: [ibann,")
    source = source.replace("  purposes: [investigation, prosecution]\nhandling", "  purposes: [intelligence]\nhandling")
    source = source.replace("valid_until: 2028-12-31", "valid_until: 2025-12-31")
    lines = source.splitlines()
    found = problems(source)

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(lines, 1) if fragment in line)

    # a format problem stops the checks that need a valid agreement: first the format alone
    assert found == [f"a.yaml:{line_of('role: requestd')}: parties[1].role: Input should be 'requesting', 'requested', "
                     "'member', 'leader' or 'party'"]
    found = problems(source.replace("role: requestd", "role: requested"))
    assert f"a.yaml:{line_of('instrument: untok')}: legal_basis[1].instrument: unknown instrument 'untok' (did you " \
           "mean 'untoc'?)" in found
    assert f"a.yaml:{line_of('allow: [ibann')}: data.schemata.BankAccount.allow[0]: BankAccount has no property " \
           "'ibann' (did you mean 'iban'?)" in found
    assert f"a.yaml:{line_of('purposes: [intelligence]')}: consent.purposes[0]: purpose 'intelligence' is not " \
           "among the agreement's purposes" in found
    assert f"a.yaml:{line_of('valid_until')}: valid_until: 2025-12-31 is before valid_from 2026-01-01" in found
    assert len(found) == 4


def test_unknown_fields_schemata_and_roles_are_named() -> None:
    source = without_hash(text()).replace("retention_days: 730", "retention_day: 730")
    assert any(re.match(r"a\.yaml:\d+: retention_day: unknown field \(did you mean 'retention_days'\?\)", p)
               for p in problems(source))
    source = without_hash(text()).replace("    Ownership: {}", "    Ownershp: {}\n    Thing: {}")
    found = problems(source)
    assert any("data.schemata.Ownershp: unknown FtM schema 'Ownershp' (did you mean 'Ownership'?)" in p for p in found)
    assert any("data.schemata.Thing: Thing is abstract" in p for p in found)
    source = without_hash(text()).replace("roles: [suspect, associate, witness, victim]", "roles: [suspect]")
    assert any("consent.roles[0]: role 'victim' does not travel under data.roles" in p for p in problems(source))
    source = without_hash(text()).replace("agency: RO-IGPR-DCCO", "agency: GB-NCA")
    assert any("parties[1].agency: agency GB-NCA is a party twice" in p for p in problems(source))


def test_a_basis_cannot_claim_verification_the_library_does_not_hold() -> None:
    source = without_hash(text()).replace('article: "18(20)"', 'article: "99"')
    found = problems(source)
    assert any(re.search(r":\d+: legal_basis\[2\]\.verified: Art\. 99 is not among the articles of UNTOC", p)
               for p in found)
    # marked unverified, it is accepted and shown as such
    relaxed = re.sub(r'(article: "99"\n(?:.*\n){3})    verified: true', r"\1    verified: false", source)
    agreement = read_agreement_text(relaxed, "b.yaml")
    assert agreement.legal_basis[2].cite().label.endswith("[UNVERIFIED]")
    assert "19" in {p.article for p in packaged_instruments()["untoc"].provisions}


def test_the_hash_follows_the_content_not_the_formatting(tmp_path: Path) -> None:
    original = read_agreement(AGREEMENTS / "gb-ro-police-mla.yaml")
    data = yaml.safe_load(text())
    reformatted = tmp_path / "same.json"
    reformatted.write_text(json.dumps(data, default=str, indent=1))  # another spelling of the same agreement
    assert read_agreement(reformatted).digest == original.digest
    changed = without_hash(text()).replace("retention_days: 730", "retention_days: 731")
    assert read_agreement_text(changed, "c.yaml").digest != original.digest
    edited = text().replace("retention_days: 730", "retention_days: 731")
    found = problems(edited, "edited.yaml")
    assert re.match(r"edited\.yaml:\d+: sha256: the agreement's content hashes to [0-9a-f]{64}, not to the hash "
                    r"written in the file: the text was changed", found[0])


def test_loading_refuses_an_id_held_twice_and_a_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(text())
    (tmp_path / "two.yml").write_text(text())
    with pytest.raises(InvalidInput, match="agreement 'gb-ro-police-mla' is already defined in"):
        load_agreements([tmp_path])
    with pytest.raises(InvalidInput, match="no such agreement file or folder"):
        load_agreements([tmp_path / "missing"])
    (tmp_path / "bad.yaml").write_text("- a list\n")
    with pytest.raises(InvalidInput, match="an agreement is a mapping"):
        read_agreement(tmp_path / "bad.yaml")
