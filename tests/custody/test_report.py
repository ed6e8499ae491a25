"""The court report: self-contained, printable, escaped, and honest about failures."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from palermo.custody.bundle import write_bundle
from palermo.custody.keys import TrustStore
from palermo.custody.records import SignedEvent
from palermo.custody.report import render_bundle, render_html
from palermo.custody.verify import verify_log

from .helpers import sample_case

WHEN = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)


def test_report_of_a_verified_bundle(tmp_path: Path) -> None:
    case = sample_case()
    path = tmp_path / "ex1.zip"
    write_bundle(path, events=case.events, heads=[case.heads[-1]], keys=case.records, signer=case.police,
                 exhibits=["EX-1"], created=WHEN)
    report, html = render_bundle(path, case.trust, generated=WHEN)
    assert report.ok
    assert "<strong>VERIFIED</strong>" in html and "Custody record — exhibit EX-1" in html
    for text in ("Search warrant 118/2026", "Seals: MT-000451", "Insp. Maria Borg", "Dr. Jonas Weber (DE-BKA, DE)",
                 "Unsealed", "Returned", case.police.fingerprint, case.lab.fingerprint, report.root or "?"):
        assert text in html, text
    assert "@media print" in html and "<style>" in html
    assert not re.search(r"(src|href)\s*=|@import|url\(|https?://", html)  # nothing loaded from elsewhere
    assert html.count("<tr>") == 6 + 1 + 2 + 1  # events, their header, two keys, the keys' header
    assert "Report produced 2026-03-05 09:30:00 UTC" in html


def test_report_of_a_failed_verification_lists_problems_first() -> None:
    case = sample_case()
    lines = case.lines
    lines[3] = lines[3].replace(b"fingerprint powder", b"fingerprint powdex")
    report = verify_log(lines, [h.data for h in case.heads], TrustStore(case.records))
    events = [SignedEvent.from_leaf(line) for line in lines]
    html = render_html(report, events=events, heads=case.heads, keys=case.records, trust=case.trust, generated=WHEN)
    assert "NOT VERIFIED — 4 problems" in html
    assert html.index("Problems found") < html.index("Exhibit EX-1")
    assert "event 3" in html and "Check “signature”" in html


def test_hostile_text_is_escaped() -> None:
    case = sample_case()
    signed = case.add("EX-1", "examination", details={"method": "<script>alert(1)</script>"})
    report = verify_log(case.lines, [h.data for h in case.heads], case.trust)
    html = render_html(report, events=[signed], heads=case.heads, keys=case.records, generated=WHEN)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_unreadable_bundle_still_gets_a_report_of_its_problem(tmp_path: Path) -> None:
    case = sample_case()
    path = tmp_path / "broken.zip"
    write_bundle(path, events=case.events, heads=[case.heads[-1]], keys=case.records, signer=case.police,
                 exhibits=["EX-1"], created=WHEN)
    path.write_bytes(path.read_bytes()[:-10])
    report, html = render_bundle(path, case.trust, generated=WHEN)
    assert not report.ok and [p.check for p in report.problems] == ["bundle"]
    assert "NOT VERIFIED — 1 problem" in html and "truncated" in html
