"""An agreement that does not say for which purposes victims' consent is needed asks it for every purpose; one that
says `[]` asks it for none, explicitly."""

from __future__ import annotations

import re

from palermo.exchange import plan_export, read_agreement_text

from .helpers import AGREEMENTS, GB, NOW, RO, consent, entities

TEXT = re.sub(r"(?m)^sha256: .*\n", "", (AGREEMENTS / "gb-ro-police-mla.yaml").read_text())


def travelling_victims(text: str) -> list[str]:
    agreement = read_agreement_text(text, "a.yaml")
    preview = plan_export(agreement, sender=GB, recipient=RO, purpose="prosecution", entities=entities(),
                          consent=consent, today=NOW.date())
    return sorted(e.id for e in preview.entities if "victim" in e.roles)


def test_left_out_consent_is_asked_for_every_purpose_and_an_empty_list_for_none() -> None:
    left_out = TEXT.replace("  purposes: [investigation, prosecution]\nhandling", "handling")
    assert left_out != TEXT
    assert read_agreement_text(left_out, "a.yaml").consent_purposes == ["investigation", "prosecution"]
    assert travelling_victims(left_out) == ["p-victim-yes"]
    none = TEXT.replace("  purposes: [investigation, prosecution]\nhandling", "  purposes: []\nhandling")
    assert travelling_victims(none) == ["p-victim-never", "p-victim-no", "p-victim-yes"]
