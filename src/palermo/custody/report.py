"""The printable custody report for a court: one self-contained HTML page (no external assets) that prints
cleanly, showing each exhibit's chain of custody, the fingerprints, the signing keys and the verification result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from palermo.custody.bundle import read_bundle, verify_bundle
from palermo.custody.keys import KeyRecord, TrustStore, timestamp
from palermo.custody.records import KIND_LABELS, CustodyEvent, SignedEvent, SignedHead
from palermo.custody.verify import Report, explain
from palermo.errors import InvalidInput, VerificationFailed

STYLE = """
:root { --ok: #136f3a; --bad: #a4161a; --line: #c8c8c8; --muted: #555; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 "Noto Serif", Georgia, "Times New Roman", serif; color: #111; margin: 2rem auto;
       max-width: 62rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .4rem;
     border-bottom: 1px solid var(--line); padding-bottom: .15rem; } h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
.verdict { border: 2px solid; padding: .6rem .9rem; margin: 1rem 0; }
.verdict.ok { border-color: var(--ok); color: var(--ok); } .verdict.bad { border-color: var(--bad); color: var(--bad); }
.verdict strong { font-size: 1.15rem; letter-spacing: .03em; } .verdict p { color: #111; margin: .3rem 0 0; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 .8rem; font-size: .92em; }
th, td { border: 1px solid var(--line); padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; } td.n { text-align: right; white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .3rem 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
.hash, .fp { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; } .muted { color: var(--muted); }
ol.problems li { margin-bottom: .3rem; } ol.problems .why { color: var(--muted); font-size: .9em; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85em; border-top: 1px solid var(--line); padding-top: .4rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  h2 { break-after: avoid; } table { break-inside: auto; } tr, .verdict, dl.facts { break-inside: avoid; }
  thead { display: table-header-group; } th { background: none; }
  @page { size: A4; margin: 15mm 12mm 18mm; }
}
"""


def _when(text: str) -> str:
    return escape(text.replace("T", " ").replace("+00:00", " UTC"))


def _details(event: CustodyEvent) -> str:
    d = event.details
    parts: list[str] = []
    if d.legal_basis:
        parts.append(f"Legal basis: {escape(d.legal_basis)}")
    if d.seized_in:
        parts.append(f"Seized in: {escape(d.seized_in)}")
    if d.from_holder or d.to_holder:
        source = f"{d.from_holder} ({d.from_agency}, {d.from_state})" if d.from_holder else ""
        target = f"{d.to_holder}" + (f" ({d.to_agency}, {d.to_state})" if d.to_agency else "")
        parts.append(escape(f"{source} → {target}" if source else f"To: {target}"))
    if d.recipient_state:
        parts.append(f"Recipient: {escape(str(d.recipient_agency))} ({escape(d.recipient_state)})")
    if d.seals:
        parts.append(f"Seals: {escape(', '.join(d.seals))}")
    if d.derived_exhibit:
        parts.append(f"Copy: exhibit {escape(d.derived_exhibit)}, SHA-256 "
                     f"<span class=hash>{escape(str(d.derived_sha256))}</span>")
    if d.derived_from:
        parts.append(f"Copy of exhibit {escape(d.derived_from)}")
    if d.method:
        parts.append(f"Method: {escape(d.method)}")
    if d.description:
        parts.append(escape(d.description))
    if d.note:
        parts.append(f"Note: {escape(d.note)}")
    return "<br>".join(parts)


def render_html(report: Report, *, events: Sequence[SignedEvent], heads: Sequence[SignedHead] = (),
                keys: Sequence[KeyRecord] = (), trust: TrustStore | None = None, title: str | None = None,
                generated: datetime | None = None) -> str:
    """The court report as one HTML page: verdict and problems, each exhibit's chain of custody (who, when,
    where, why, seals), fingerprints, signing keys and the checks performed."""
    exhibits = sorted({e.event.exhibit for e in events}) or report.exhibits
    heading = title or f"Custody record — exhibit{'s' if len(exhibits) > 1 else ''} {', '.join(exhibits)}"
    by_key = {k.key: k for k in keys}
    if trust is not None:
        by_key.update({k.key: k for k in trust.records if k.key in by_key or k.key in report.keys})
    latest = max(heads, key=lambda h: h.head.size).head if heads else None
    out: list[str] = [
        "<!doctype html>", "<html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        f"<title>{escape(heading)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(heading)}</h1>",
        f"<p class=sub>Custody log <span class=hash>{escape(report.log or '?')}</span></p>",
    ]
    if report.ok:
        out.append("<div class='verdict ok'><strong>VERIFIED</strong><p>Every check below passed: the events shown "
                   "are signed by the agencies named, with keys trusted by this installation and in force at the "
                   "time, and they are part of the custody log as fixed by its signed tree head.</p></div>")
    else:
        out.append(f"<div class='verdict bad'><strong>NOT VERIFIED — {len(report.problems)} problem"
                   f"{'s' if len(report.problems) != 1 else ''}</strong><p>Do not rely on this record before the "
                   "problems below are explained.</p></div>")
        out.append("<h2>Problems found</h2><ol class=problems>")
        for p in report.problems:
            out.append(f"<li><strong>{escape(p.where)}</strong> {escape(p.message)}"
                       f"<br><span class=why>Check “{escape(p.check)}”: {escape(explain(p.check))}</span></li>")
        out.append("</ol>")
    out.append("<h2>The record</h2><dl class=facts>")
    if latest is not None:
        keeper = by_key.get(latest.key)
        out += [f"<dt>Events in the log</dt><dd>{latest.size} (signed tree head of {_when(latest.at)})</dd>",
                f"<dt>Merkle root</dt><dd class=hash>{escape(latest.root)}</dd>",
                f"<dt>Tree head signed by</dt><dd>{escape(keeper.agency + ' (' + keeper.state + ')') if keeper else '?'}"
                f", key {escape(latest.key)}</dd>"]
    out.append(f"<dt>Events shown</dt><dd>{len(events)}</dd>")
    out.append(f"<dt>Result</dt><dd>{'verified' if report.ok else 'not verified'}</dd></dl>")
    for exhibit in exhibits:
        chain = [e for e in events if e.event.exhibit == exhibit]
        shas = sorted({e.event.exhibit_sha256 for e in chain if e.event.exhibit_sha256})
        out.append(f"<h2>Exhibit {escape(exhibit)}</h2>")
        if shas:
            out.append(f"<p>Digital exhibit, SHA-256 at intake: <span class=hash>{escape(', '.join(shas))}</span></p>")
        out.append("<table><thead><tr><th>No.</th><th>Event</th><th>When</th><th>Who</th><th>Where</th><th>Why</th>"
                   "<th>Details</th><th>Signed</th></tr></thead><tbody>")
        for e in chain:
            ev = e.event
            record = by_key.get(ev.key)
            signer = f"{escape(record.agency)}<br>key {escape(ev.key)}" if record else f"key {escape(ev.key)}"
            out.append(
                f"<tr><td class=n>{ev.seq}</td><td>{escape(KIND_LABELS[ev.kind])}</td>"
                f"<td><span class=nowrap>{_when(ev.at)}</span><br><span class=muted>recorded "
                f"{_when(ev.recorded)}</span></td>"
                f"<td>{escape(ev.actor.name)}<br><span class=muted>{escape(ev.actor.agency)} ({escape(ev.actor.state)})"
                f"</span></td><td>{escape(ev.place)}</td><td>{escape(ev.purpose)}</td><td>{_details(ev)}</td>"
                f"<td>{signer}<br><span class='hash muted'>leaf {e.leaf_hash.hex()[:16]}…</span></td></tr>")
        out.append("</tbody></table>")
    used = sorted({e.event.key for e in events} | ({latest.key} if latest else set()))
    out.append("<h2>Signing keys</h2><p>Compare each fingerprint with the one the agency gives you by another "
               "channel (telephone, letter) before trusting it.</p><table><thead><tr><th>Key</th><th>Agency</th>"
               "<th>In force</th><th>Fingerprint (SHA-256 of the public key)</th><th>Trusted here</th></tr></thead>"
               "<tbody>")
    for key in used:
        record = by_key.get(key)
        if record is None:
            out.append(f"<tr><td class=hash>{escape(key)}</td><td colspan=4>no public record</td></tr>")
            continue
        until = _when(record.valid_until) if record.valid_until else "current"
        trusted = "yes" if trust is not None and key in trust else ("no" if trust is not None else "—")
        out.append(f"<tr><td class=hash>{escape(key)}</td><td>{escape(record.agency)} ({escape(record.state)})</td>"
                   f"<td>{_when(record.valid_from)} – {until}</td><td class=fp>{escape(record.fingerprint)}</td>"
                   f"<td>{trusted}</td></tr>")
    out.append("</tbody></table><h2>What was checked</h2><dl class=facts>")
    for name in report.checks:
        out.append(f"<dt>{escape(name)}</dt><dd>{escape(explain(name))}</dd>")
    made = timestamp(generated or datetime.now(UTC).replace(microsecond=0))
    out.append(f"</dl><footer>Report produced {_when(made)} by the Palermo custody verifier (offline; RFC 9162 Merkle "
               "proofs, Ed25519 signatures). The bundle can be verified again by anyone holding the agencies' public "
               "keys.</footer></body></html>")
    return "\n".join(out)


def render_bundle(path: Path | str, trust: TrustStore, *, generated: datetime | None = None) -> tuple[Report, str]:
    """Verify a bundle with ``trust`` and render its court report; the report is produced even when verification
    fails (it then lists the problems first)."""
    report = verify_bundle(path, trust)
    try:
        bundle = read_bundle(path)
    except (InvalidInput, VerificationFailed):  # an unreadable bundle still gets a report of its problems
        return report, render_html(report, events=[], trust=trust, generated=generated)
    return report, render_html(report, events=bundle.signed_events(), heads=bundle.signed_heads(), keys=bundle.keys,
                               trust=trust, generated=generated)
