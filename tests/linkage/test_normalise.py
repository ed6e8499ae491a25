"""Palermo's normalisers: one spelling per person, whatever the script, case and punctuation."""

from __future__ import annotations

import pytest

from palermo.linkage.normalise import code, date, name, sex


@pytest.mark.parametrize(("written", "normal"), [
    ("Jean-Pierre O’Neil", "jean pierre oneil"),
    ("  MÜLLER   Lüdenscheidt ", "muller ludenscheidt"),
    ("Łukasz", "lukasz"),
    ("Дмитрий", "dmitrij"),
    ("Ιωάννης", "ioannes"),
    ("D'Angelo", "dangelo"),
    ("", ""),
    ("--", ""),
])
def test_names(written: str, normal: str) -> None:
    assert name(written) == normal


def test_codes_dates_and_sex() -> None:
    assert code("ab 12-34/ç") == "AB1234C"
    assert [date(d) for d in ("1985-03-07", "19850307", "1985/03", "1985", "1985-03-07T10:00:00", "")] == [
        "19850307", "19850307", "198503", "1985", "19850307", ""]
    assert date("1985-13-45") == "19851345"
    with pytest.raises(ValueError, match="year first"):
        date("07.03.1985")
    assert [sex(s) for s in ("F", "male", " X ", "unknown", "")] == ["female", "male", "other", "", ""]
    with pytest.raises(ValueError, match="not one of female, male") as caught:
        sex("Frau")
    assert "Frau" not in str(caught.value)
