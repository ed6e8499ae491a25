"""`palermo exchange`: cross-border exchange on the command line: agreements and partner cards, the outbox
(preview, approve, send or write the sealed bundle to carry), the inbox (import a carried bundle), retention, and
joint investigation team spaces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palermo.cli.console import JsonOpt, emit, out, plain, read_bytes, read_text, when
from palermo.cli.context import services
from palermo.exchange import Partners
from palermo.model import OutboxEntry

exchange_app = typer.Typer(help="Cross-border exchange: agreements, partners, outbox, inbox, joint teams.",
                           no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]


@exchange_app.command("agreement-add")
def agreement_add(file: Path, as_user: AsUser) -> None:
    """Hold a data-sharing agreement (its YAML; errors name the line and field). Both parties hold the same
    text: compare the hash printed here with your partner's."""
    svc = services()
    text = read_text(file)
    held = svc.exchange.directory.add_agreement(svc.accounts.actor(as_user), text, str(file))
    out.print(f"agreement {plain(held.id)} (version {plain(held.agreement_version)}) held; SHA-256 {held.digest}")


@exchange_app.command("agreements")
def agreements(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """The agreements held here."""
    svc = services()
    held = svc.exchange.directory.agreements(svc.accounts.actor(as_user))
    if as_json:
        emit([{"id": a.id, "version": a.agreement_version, "sha256": a.digest, "imported_at": at} for a, at in held])
        return
    table = Table("id", "version", "parties", "purposes", "handling", "in force", "SHA-256")
    for a, _ in held:
        table.add_row(*(plain(v) for v in (a.id, a.agreement_version, ", ".join(p.agency for p in a.parties),
                                           ", ".join(a.purposes), a.handling.code,
                                           f"{a.valid_from} – {a.valid_until}", a.digest[:16] + "…")))
    out.print(table)


@exchange_app.command("card")
def card(as_user: AsUser, inbox: Annotated[str | None, typer.Option(
        help="this installation's inbox URL for your agency: https://HOST/api/exchange/inbox/AGENCY")] = None,
         output: Annotated[Path | None, typer.Option("--out", help="write the card here (default: stdout)")] = None
         ) -> None:
    """Your agency's partner card (public signing and encryption keys, inbox): give it to partners and read the
    fingerprints out to them by phone."""
    svc = services()
    mine = svc.exchange.directory.card(svc.accounts.actor(as_user), inbox)
    data = Partners([mine]).to_json()
    if output is None:
        typer.echo(data.decode())
        return
    output.write_bytes(data)
    out.print(f"card of {plain(mine.agency)} written to {plain(output)}; fingerprints: "
              + ", ".join(r.fingerprint for r in mine.records))


@exchange_app.command("rotate-key")
def rotate_key(as_user: AsUser) -> None:
    """End your agency's encryption key and make a new one (administrators); then give partners your new card.
    Bundles sealed to the old key still open here."""
    svc = services()
    fresh = svc.exchange.directory.rotate(svc.accounts.actor(as_user))
    out.print(f"new encryption key {fresh.key}, fingerprint {fresh.fingerprint}: give partners your new card")


@exchange_app.command("partner-add")
def partner_add(file: Path, as_user: AsUser) -> None:
    """Hold partners from their card (administrators), after comparing its fingerprints with them."""
    svc = services()
    cards = svc.exchange.directory.add_partners(svc.accounts.actor(as_user), read_bytes(file), str(file))
    for c in cards:
        out.print(f"partner {plain(c.agency)} ({c.state}) held; inbox {plain(c.inbox or 'none: carry bundles')}; "
                  f"fingerprints {', '.join(r.fingerprint for r in c.records)}")


@exchange_app.command("partners")
def partners(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """The partner agencies your agency exchanges with."""
    svc = services()
    held = svc.exchange.directory.partners(svc.accounts.actor(as_user))
    if as_json:
        emit([p.model_dump(mode="json", exclude_none=True) for p in held])
        return
    table = Table("agency", "state", "name", "inbox", "keys")
    for p in held:
        table.add_row(*(plain(v) for v in (p.agency, p.state, p.name or "", p.inbox or "", len(p.records))))
    out.print(table)


@exchange_app.command("preview")
def preview(case: str, as_user: AsUser, agreement: Annotated[str, typer.Option(help="the agreement's id")],
            to: Annotated[str, typer.Option("--to", help="the partner agency")],
            purpose: Annotated[str, typer.Option(help="one of the agreement's purposes")],
            entity: Annotated[list[str] | None, typer.Option(help="send only these entities (repeatable)")] = None,
            reference: Annotated[str | None, typer.Option(help="your reference")] = None,
            notes: Annotated[bool, typer.Option(help="notes go too (if the agreement lets them)")] = True,
            files: Annotated[bool, typer.Option(help="attachments go too (if the agreement lets them)")] = True,
            exhibits: Annotated[bool, typer.Option(help="exhibits with their custody records go too")] = True,
            as_json: JsonOpt = False) -> None:
    """Preview what of the case would leave for the partner: what travels, what stays and why, what is removed."""
    include = [k for k, on in (("notes", notes), ("attachments", files), ("exhibits", exhibits)) if on]
    svc = services()
    entry = svc.exchange.outbox.preview(svc.accounts.actor(as_user), case, agreement=agreement, recipient=to,
                                        purpose=purpose, entities=entity, reference=reference, include=include)
    show_entry(entry, as_json)


@exchange_app.command("show")
def show(entry: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """One exchange of your agency's outbox, with its preview."""
    svc = services()
    show_entry(svc.exchange.outbox.get(svc.accounts.actor(as_user), entry), as_json)


@exchange_app.command("approve")
def approve(entry: str, as_user: AsUser) -> None:
    """Approve a preview as it stands: what it shows is what will leave."""
    svc = services()
    done = svc.exchange.outbox.approve(svc.accounts.actor(as_user), entry)
    out.print(f"exchange {done.id} approved by {plain(done.approved_by)}")


@exchange_app.command("send")
def send(entry: str, as_user: AsUser,
         output: Annotated[Path | None, typer.Option("--out", help="also write the sealed bundle here")] = None,
         push: Annotated[bool, typer.Option(help="deliver to the partner's inbox, if it has one")] = True) -> None:
    """Seal an approved exchange (signed by your agency, encrypted to the partner) and push it to the partner's
    inbox; with --out, also write the bundle to carry."""
    svc = services()
    sent, bundle = svc.exchange.send(svc.accounts.actor(as_user), entry, push=push)
    if output is not None:
        output.write_bytes(bundle)
        out.print(f"bundle written to {plain(output)} ({len(bundle):,} bytes, SHA-256 {sent.bundle_sha256})")
    out.print(f"exchange {sent.id}: {sent.status}" + (f" ({plain(sent.error)})" if sent.error else ""))
    if sent.status == "failed":
        raise typer.Exit(1)


@exchange_app.command("outbox")
def outbox(as_user: AsUser, case: Annotated[str | None, typer.Option(help="one case only")] = None,
           as_json: JsonOpt = False) -> None:
    """Your agency's exchanges, newest first."""
    svc = services()
    entries = svc.exchange.outbox.list(svc.accounts.actor(as_user), case=case)
    if as_json:
        emit(entries)
        return
    table = Table("id", "case", "to", "agreement", "purpose", "status", "entities", "withheld", "created")
    for e in entries:
        table.add_row(*(plain(v) for v in (e.id, e.case_reference, e.recipient, e.agreement, e.purpose, e.status,
                                           e.counts.get("entities", 0), e.counts.get("withheld", 0), e.created_at)))
    out.print(table)


@exchange_app.command("import")
def import_(file: Path, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Import a bundle carried as a file: checked whole (signature, recipient, agreement, purpose, hashes,
    replay) before anything is written, then a new case marked with its foreign origin."""
    svc = services()
    got = svc.exchange.inbox.receive(svc.accounts.actor(as_user), read_bytes(file))
    if as_json:
        emit(got)
        return
    out.print(f"bundle from {plain(got.sender)} ({got.sender_state}) under {plain(got.agreement)} imported into "
              f"case {plain(got.case_reference)}: {got.counts.get('entities', 0)} entities, handling {got.handling}, "
              f"kept until {got.retention_until[:10]}")


@exchange_app.command("inbox")
def inbox(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """The bundles your agency received, newest first."""
    svc = services()
    entries = svc.exchange.inbox.list(svc.accounts.actor(as_user))
    if as_json:
        emit(entries)
        return
    table = Table("received", "from", "agreement", "purpose", "handling", "case", "status", "kept until")
    for e in entries:
        table.add_row(*(plain(v) for v in (e.received_at, f"{e.sender} ({e.sender_state})", e.agreement, e.purpose,
                                           e.handling, e.case_reference or "", e.status, e.retention_until[:10])))
    out.print(table)


@exchange_app.command("onward-consent")
def onward_consent(case: str, as_user: AsUser, to: Annotated[str, typer.Option("--to", help="the agency it may go to")],
                   reference: Annotated[str, typer.Option(help="the sender's letter or message consenting")],
                   note: Annotated[str, typer.Option(help="anything else to keep with it")] = "") -> None:
    """Record the sending agency's prior consent to passing a received case on to another agency (UNTOC Art.
    18(19)): sharing or sending it there is then allowed where the handling code asks that consent."""
    svc = services()
    svc.exchange.inbox.consent_onward(svc.accounts.actor(as_user), case, to, reference, note)
    out.print(f"prior consent of the sender to passing {plain(case)} to {plain(to)} recorded ({plain(reference)})")


@exchange_app.command("expire")
def expire() -> None:
    """Delete, in every agency, what was received and whose retention ended (each deletion audited)."""
    emptied = services().exchange.expire_all()
    out.print(f"{len(emptied)} received case(s) emptied" + (": " + ", ".join(emptied) if emptied else ""))


@exchange_app.command("team")
def team(case: str, as_user: AsUser, agreement: Annotated[str, typer.Option(help="the JIT agreement's id")],
         expires: Annotated[str, typer.Option(help="when members' access ends, e.g. 2026-12-31T23:59+00:00")]
         ) -> None:
    """Make a case the space of a joint investigation team under its agreement, until ``expires``."""
    until = when(expires, "--expires")
    svc = services()
    made = svc.exchange.teams.create(svc.accounts.actor(as_user), case, agreement=agreement, expires=until)
    out.print(f"case {plain(made.case_reference)} is the space of the team under {plain(made.agreement)} until "
              f"{made.expires_at}: " + ", ".join(f"{m.agency} ({m.state})" for m in made.members))


@exchange_app.command("team-close")
def team_close(case: str, as_user: AsUser,
               output: Annotated[Path, typer.Option("--out", help="write the team's record here")]) -> None:
    """Close a team: members' access ends now; the team's record is written to --out."""
    svc = services()
    closed, record = svc.exchange.teams.close(svc.accounts.actor(as_user), case)
    output.write_bytes(record)
    out.print(f"team of {plain(closed.case_reference)} closed; its record written to {plain(output)}")


def show_entry(entry: OutboxEntry, as_json: bool) -> None:
    """An exchange as the preview shows it: what travels, what stays and why, what is removed (or its JSON)."""
    if as_json:
        emit(entry)
        return
    out.print(f"exchange {entry.id} ({entry.status}): case {plain(entry.case_reference)} to {plain(entry.recipient)} "
              f"({entry.recipient_state}) under {plain(entry.agreement)} for {entry.purpose}; handling "
              f"{entry.handling}, kept {entry.retention_days} days")
    table = Table("travels", "schema", "roles", "values")
    for e in entry.entities:
        table.add_row(plain(e.label), e.schema_, ", ".join(e.roles), str(e.properties))
    out.print(table)
    if entry.withheld:
        kept = Table("stays here", "rule", "why")
        for w in entry.withheld:
            kept.add_row(plain(w.label), w.rule, plain(w.reason))
        out.print(kept)
    if entry.removed:
        cut = Table("entity", "property removed", "values", "why")
        for r in entry.removed:
            cut.add_row(plain(r.label), r.property, str(r.values), plain(r.reason))
        out.print(cut)
    for warning in entry.warnings:
        out.print(f"[yellow]warning:[/] {plain(warning)}")
