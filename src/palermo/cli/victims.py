"""`palermo victims`: victims' records on the command line, for bulk work and scripts: open a record (the identity
read from a file, never from the command line, which shells keep in their history), reveal it with a reason,
consent, referrals, screenings from an answers file, the rights checklist, and the de-identified statistics
export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from palermo import yamlfile
from palermo.cli.console import JsonOpt, emit, out, plain, plain_row
from palermo.cli.context import services
from palermo.errors import InvalidInput
from palermo.model import CONSENT_PURPOSES, SERVICE_KINDS, Identity, VictimRecord, VictimRecordDraft, invalid
from palermo.protection import Answers, ScreeningResult

victims_app = typer.Typer(help="Victims' records: identity sealed, consent, referrals, screenings, rights.",
                          no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]


def _print(record: VictimRecord, as_json: bool) -> None:
    if as_json:
        emit(record)
        return
    out.print(f"[bold]{plain(record.pseudonym)}[/] ({record.id}) in {record.jurisdiction}, informed in "
              f"{record.language}" + (f", case {plain(record.case_reference)}" if record.case_reference else ""))
    if record.identity is not None:
        i = record.identity
        out.print(f"  names: {plain(', '.join(i.names))}\n  born: {i.birth_date or '-'}\n"
                  f"  documents: {plain('; '.join(i.documents) or '-')}\n"
                  f"  contacts: {plain('; '.join(i.contacts) or '-')}\n  notes: {plain(i.notes or '-')}")


def _result(result: ScreeningResult) -> None:
    out.print(f"[bold]{plain(result.recommendation_label)}[/] ({plain(result.set_title)})")
    for reason in result.reasons:
        out.print(f"  - {plain(reason)}")
    for name, element in result.elements.items():
        keys = f": {', '.join(element.keys)}" if element.keys else ""
        out.print(f"  {name}: {element.status.replace('_', ' ')}{plain(keys)}")


@victims_app.command("list")
def list_records(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """The agency's victims' records, by pseudonym."""
    svc = services()
    found = svc.victims.list(svc.accounts.actor(as_user))
    if as_json:
        emit(found)
        return
    table = Table("pseudonym", "id", "where", "case", "opened")
    for r in found:
        table.add_row(*plain_row(r.pseudonym, r.id, r.jurisdiction, r.case_reference or "", r.created_at[:10]))
    out.print(table)


@victims_app.command("open")
def open_record(identity: Annotated[Path, typer.Option(help="YAML or JSON file: names, birth_date, documents, "
                                                              "contacts, notes")],
                jurisdiction: Annotated[str, typer.Option(help="state where the person is now (ISO 3166)")],
                as_user: AsUser,
                language: Annotated[str, typer.Option(help="language they were informed in")] = "en",
                sex: Annotated[str | None, typer.Option(help="female, male or other")] = None,
                citizenship: Annotated[str | None, typer.Option(help="ISO 3166 code")] = None,
                minor: Annotated[bool | None, typer.Option("--minor/--adult", help="under 18 when exploited")]
                = None,
                case: Annotated[str | None, typer.Option(help="the case the person is part of")] = None,
                as_json: JsonOpt = False) -> None:
    """Open a victim's record; the identity is sealed at once and the pseudonym printed."""
    person = yamlfile.load_file(Identity, identity)
    try:
        draft = VictimRecordDraft.model_validate({
            "identity": person, "jurisdiction": jurisdiction.upper(), "language": language, "sex": sex,
            "citizenship": citizenship.upper() if citizenship else None, "minor": minor, "case": case})
    except ValidationError as exc:
        raise invalid(exc) from None
    svc = services()
    record = svc.victims.open(svc.accounts.actor(as_user), draft)
    if as_json:
        emit(record)
        return
    out.print(f"record opened: {plain(record.pseudonym)} ({record.id})")


@victims_app.command("show")
def show(victim: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """A record by ID or pseudonym, without the identity."""
    svc = services()
    _print(svc.victims.get(svc.accounts.actor(as_user), victim), as_json)


@victims_app.command("reveal")
def reveal(victim: str, as_user: AsUser,
           reason: Annotated[str, typer.Option(help="why you need the identity (audited)")],
           as_json: JsonOpt = False) -> None:
    """The record with the identity, for victim-support workers or a user granted it (audited, a refusal too)."""
    svc = services()
    _print(svc.victims.reveal(svc.accounts.actor(as_user), victim, reason), as_json)


@victims_app.command("grant")
def grant(victim: str, username: str, as_user: AsUser,
          reason: Annotated[str, typer.Option(help="why this user needs the identity (audited)")],
          days: Annotated[int, typer.Option(help="how long the grant lasts")] = 7) -> None:
    """Let a user of the agency read one person's identity for some days (administrators)."""
    svc = services()
    svc.victims.grant(svc.accounts.actor(as_user), victim, username, reason, days)
    out.print(f"{plain(username)} may read the identity for {days} days")


@victims_app.command("consent")
def consent(victim: str, purpose: Annotated[str, typer.Argument(help=", ".join(CONSENT_PURPOSES))],
            as_user: AsUser,
            informed_in: Annotated[str, typer.Option(help="the language the person was informed in")],
            given: Annotated[bool, typer.Option("--given/--withdrawn", help="consent given or withdrawn")] = True,
            recipient: Annotated[str, typer.Option(help="an organisation or state; empty: in general")] = "",
            note: str = "") -> None:
    """Record consent given or withdrawn for a purpose."""
    if purpose not in CONSENT_PURPOSES:
        raise InvalidInput(f"PURPOSE: {purpose!r} is not one of {', '.join(CONSENT_PURPOSES)}")
    svc = services()
    svc.consents.record(svc.accounts.actor(as_user), victim, purpose, given,
                        recipient=recipient, informed_in=informed_in, note=note)
    out.print(f"consent to {purpose} {'given' if given else 'withdrawn'}" + (f" for {plain(recipient)}"
                                                                            if recipient else ""))


@victims_app.command("consents")
def consents(victim: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Every consent given or withdrawn, oldest first."""
    svc = services()
    history = svc.consents.history(svc.accounts.actor(as_user), victim)
    if as_json:
        emit(history)
        return
    table = Table("when", "purpose", "recipient", "given", "informed in", "by")
    for c in history:
        table.add_row(*plain_row(c.recorded_at[:16], c.purpose, c.recipient or "(general)",
                                 "yes" if c.given else "withdrawn", c.informed_in, c.recorded_by))
    out.print(table)


@victims_app.command("refer")
def refer(victim: str, service: Annotated[str, typer.Argument(help=", ".join(SERVICE_KINDS))], as_user: AsUser,
          to_agency: Annotated[str | None, typer.Option(help="an agency of the directory")] = None,
          to_name: Annotated[str, typer.Option(help="a service outside the directory")] = "",
          to_state: Annotated[str, typer.Option(help="its state (ISO 3166)")] = "",
          due: Annotated[str | None, typer.Option(help="answer due by (YYYY-MM-DD)")] = None,
          note: str = "",
          override: Annotated[str | None, typer.Option(help="administrators: act without consent, and why")]
          = None, as_json: JsonOpt = False) -> None:
    """Refer the person to a service; refused, naming the consent, if they did not consent."""
    if service not in SERVICE_KINDS:
        raise InvalidInput(f"SERVICE: {service!r} is not one of {', '.join(SERVICE_KINDS)}")
    try:
        when = date.fromisoformat(due) if due else None
    except ValueError:
        raise InvalidInput(f"--due: {due!r} is not a date such as 2026-12-31") from None
    svc = services()
    referral = svc.referrals.send(svc.accounts.actor(as_user), victim, service,
                                  to_agency=to_agency, to_name=to_name, to_state=to_state, due=when, note=note,
                                  override=override)
    if as_json:
        emit(referral)
        return
    out.print(f"referral {referral.id}: {service} to {plain(referral.to_name)} ({referral.to_state}), sent")


@victims_app.command("referrals")
def referrals(as_user: AsUser, as_json: JsonOpt = False) -> None:
    """Referrals the agency sent or received, open and overdue first."""
    svc = services()
    found = svc.referrals.list(svc.accounts.actor(as_user))
    if as_json:
        emit(found)
        return
    table = Table("id", "person", "service", "from", "to", "status", "due")
    for r in found:
        table.add_row(*plain_row(r.id, r.pseudonym, r.service, r.from_agency, r.to_agency or r.to_name, r.status,
                                 (r.due or "") + (" OVERDUE" if r.overdue else "")))
    out.print(table)


@victims_app.command("referral-status")
def referral_status(referral: str, status: Annotated[str, typer.Argument(help="accepted, declined, completed or "
                                                                               "withdrawn")],
                    as_user: AsUser, note: str = "") -> None:
    """Accept, decline or complete a referral received; withdraw one sent."""
    svc = services()
    done = svc.referrals.update(svc.accounts.actor(as_user), referral, status, note)  # type: ignore[arg-type]
    out.print(f"referral {done.id} is now {done.status}")


@victims_app.command("identified")
def identified(victim: str, as_user: AsUser,
               on: Annotated[str | None, typer.Option(help="date of the identification decision (YYYY-MM-DD); "
                                                          "leave out to clear it")] = None) -> None:
    """Record the date of the decision the law counts the person's periods from."""
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise InvalidInput(f"--on: {on!r} is not a date such as 2026-12-01") from None
    svc = services()
    record = svc.victims.identify(svc.accounts.actor(as_user), victim, day)
    out.print(f"{plain(record.pseudonym)}: periods count from {record.identified_on or 'the screening or record'}")


@victims_app.command("rights")
def rights(victim: str, as_user: AsUser,
           today: Annotated[str | None, typer.Option(help="count deadlines as of this day (YYYY-MM-DD)")] = None,
           as_json: JsonOpt = False) -> None:
    """The person's rights under the law where they are: each with its citation, verification and deadline."""
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        raise InvalidInput(f"--today: {today!r} is not a date such as 2026-12-31") from None
    svc = services()
    checklist = svc.protection.rights(svc.accounts.actor(as_user), victim, today=day)
    if as_json:
        emit(checklist)
        return
    if not checklist.items:
        out.print(f"{checklist.jurisdiction}: not in the profile (no law profile for this state)")
        return
    out.print(f"Rights in {plain(checklist.name)}, periods counted from {checklist.identified_on} "
              f"({checklist.counted_from}; the law counts from: {plain(checklist.starts or 'not in the profile')})")
    table = Table("right", "what the law gives", "deadline", "citation", "verified")
    for r in checklist.items:
        deadline = f"{r.deadline.ends}{' (passed)' if r.deadline.passed else ''}" if r.deadline else ""
        table.add_row(*plain_row(r.title, r.label, deadline, "; ".join(c.reference for c in r.citations),
                                 r.verified))
    out.print(table)


@victims_app.command("sets")
def indicator_sets(as_json: JsonOpt = False) -> None:
    """The indicator sets a screening can use (ids for `palermo victims screen`)."""
    sets = services().protection.indicator_sets()
    if as_json:
        emit([{"id": s.id, "title": s.title, "verified": s.verified, "questions": s.questions()} for s in sets])
        return
    table = Table("id", "title", "indicators", "verified")
    for s in sets:
        table.add_row(*plain_row(s.id, s.title, len(s.indicators), s.verified))
    out.print(table)


@victims_app.command("screen")
def screen(answers: Annotated[Path, typer.Argument(help="YAML or JSON: indicator_set, answers {key: yes|no|unknown}, "
                                                        "age or minor, acts")],
           as_user: AsUser, victim: Annotated[str | None, typer.Option(help="the person's record")] = None,
           language: Annotated[str, typer.Option(help="the language the questions were asked in")] = "en",
           as_json: JsonOpt = False) -> None:
    """Record a completed screening from an answers file and print the recommendation with its reasons."""
    given = yamlfile.load_file(Answers, answers)
    svc = services()
    actor = svc.accounts.actor(as_user)
    data = given.model_dump(mode="json")
    started = svc.protection.start(actor, given.indicator_set, language, victim=victim)
    view = svc.protection.complete(actor, started.id, started.version, data)
    assert view.result is not None
    if as_json:
        emit({"screening": view.screening.id, "result": view.result.model_dump(mode="json")})
        return
    out.print(f"screening {view.screening.id}")
    _result(view.result)


@victims_app.command("export-ctdc")
def export_ctdc(dataset: Annotated[str, typer.Argument(help="name of the new statistics dataset")], as_user: AsUser,
                epsilon_budget: Annotated[float, typer.Option(help="the dataset's differential-privacy budget")]
                = 1.0) -> None:
    """Load the agency's completed screenings into the statistics store as a de-identified CTDC dataset."""
    svc = services()
    ds = svc.protection.export_ctdc(svc.accounts.actor(as_user), dataset, epsilon_budget=epsilon_budget)
    out.print(f"dataset {plain(ds.name)}: {ds.rows} persons, variables {plain(', '.join(ds.columns))}")


@victims_app.command("rotate-key")
def rotate_key(as_user: AsUser) -> None:
    """Give the agency a new data key and re-seal what the old one protected (administrators)."""
    svc = services()
    count = svc.victims.rotate_key(svc.accounts.actor(as_user))
    out.print(f"{count} records re-sealed under the agency's new data key")
