"""`palermo evidence`: the evidence register and its chain of custody on the command line: register exhibits,
record acts, verify a case's custody log or a portable custody record (offline, no store needed), export one,
print it for court, and manage the keys that sign."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.table import Table

from palermo.cli.console import JsonOpt, emit, err, out, plain, when
from palermo.cli.context import services
from palermo.custody.canonical import canonical
from palermo.errors import InvalidInput
from palermo.model import CUSTODY_KINDS, CustodyAct, ExhibitDraft, invalid

evidence_app = typer.Typer(help="Evidence: exhibits, their signed chain of custody, portable custody records.",
                           no_args_is_help=True)
AsUser = Annotated[str, typer.Option("--as", help="act as this user (their role and agency apply)")]
Detail = Annotated[list[str] | None, typer.Option("--detail", "-d", help="NAME=VALUE of the act (repeatable)")]


def _details(pairs: list[str] | None) -> dict[str, str]:
    out_: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--detail: {pair!r} is not NAME=VALUE")
        out_[name.strip()] = value.strip()
    return out_


@evidence_app.command("register")
def register(case: str, label: Annotated[str, typer.Option(help="exhibit reference, e.g. JD/1")],
             description: Annotated[str, typer.Option(help="what it is")],
             legal_basis: Annotated[str, typer.Option(help="warrant, order or power of seizure")],
             seized_in: Annotated[str, typer.Option(help="state, ISO 3166 code")],
             place: Annotated[str, typer.Option(help="where it was seized or received")],
             holder: Annotated[str, typer.Option(help="who holds it now")], as_user: AsUser,
             seized_at: Annotated[str | None, typer.Option(help="when, with time zone (default: now)")] = None,
             seal: Annotated[str | None, typer.Option(help="seal number (physical exhibit)")] = None,
             location: Annotated[str | None, typer.Option(help="storage location")] = None,
             attachment: Annotated[int | None, typer.Option(help="the case attachment that is the file (digital)")]
             = None, as_json: JsonOpt = False) -> None:
    """Register an exhibit: its chain of custody opens with a signed seizure (physical) or intake (digital)."""
    try:
        draft = ExhibitDraft(label=label, description=description, kind="digital" if attachment else "physical",
                             legal_basis=legal_basis, seized_in=seized_in.upper(),
                             seized_at=when(seized_at, "--seized-at"), place=place, holder=holder, seal=seal,
                             location=location, attachment_id=attachment)
    except ValidationError as exc:
        raise invalid(exc) from None
    svc = services()
    exhibit = svc.evidence.register(svc.accounts.actor(as_user), case, draft)
    if as_json:
        emit(exhibit)
        return
    out.print(f"exhibit {plain(exhibit.label)} registered ({exhibit.kind}, {exhibit.id})"
              + (f", SHA-256 {exhibit.sha256}" if exhibit.sha256 else ""))


@evidence_app.command("act")
def act(case: str, exhibit: str, kind: Annotated[str, typer.Option(help=", ".join(CUSTODY_KINDS[2:]))],
        place: Annotated[str, typer.Option(help="where it happened")],
        purpose: Annotated[str, typer.Option(help="why")], as_user: AsUser,
        occurred: Annotated[str | None, typer.Option(help="when, with time zone (default: now)")] = None,
        detail: Detail = None, as_json: JsonOpt = False) -> None:
    """Record an act of custody on an exhibit, signed by your agency: e.g. `--kind transfer -d to_holder=...`."""
    try:
        move = CustodyAct.model_validate({"kind": kind, "occurred": when(occurred, "--occurred"), "place": place,
                                          "purpose": purpose, "details": _details(detail)})
    except ValidationError as exc:
        raise invalid(exc) from None
    svc = services()
    entry = svc.evidence.act(svc.accounts.actor(as_user), case, exhibit, move)
    if as_json:
        emit(entry)
        return
    out.print(f"event {entry.seq} recorded: {entry.kind} of {plain(exhibit)}, signed with key {entry.key_id}")


@evidence_app.command("import")
def import_acts(case: str, file: Annotated[Path, typer.Argument(help="JSON lines: exhibit, kind, occurred, place, "
                                                                    "purpose, details")], as_user: AsUser) -> None:
    """Record many acts of custody from a file, in order, all or none: every line is checked first (an error names
    its line), then each act is signed and one tree head covers them all."""
    items: list[tuple[str, CustodyAct]] = []
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{file}: cannot be read: {exc.__class__.__name__}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            exhibit = data.pop("exhibit") if isinstance(data, dict) else None
            if not isinstance(exhibit, str):
                raise InvalidInput(f"{file}:{number}: exhibit: give the exhibit's label or ID")
            items.append((exhibit, CustodyAct.model_validate(data)))
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"{file}:{number}: not JSON ({exc})") from None
        except ValidationError as exc:
            raise InvalidInput(f"{file}:{number}: {invalid(exc).message}") from None
    svc = services()
    entries = svc.evidence.acts(svc.accounts.actor(as_user), case, items)
    out.print(f"{len(entries)} acts recorded (events {entries[0].seq} to {entries[-1].seq}), one signed tree head")


@evidence_app.command("list")
def list_(case: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """The case's exhibits and where each stands."""
    svc = services()
    exhibits = svc.evidence.exhibits(svc.accounts.actor(as_user), case)
    if as_json:
        emit(exhibits)
        return
    table = Table("label", "kind", "description", "holder", "seal", "status", "events")
    for x in exhibits:
        table.add_row(*(plain(v) for v in (x.label, x.kind, x.description, x.holder, x.seal or "", x.status,
                                           x.events)))
    out.print(table)


@evidence_app.command("show")
def show(case: str, exhibit: str, as_user: AsUser, as_json: JsonOpt = False) -> None:
    """An exhibit's chain of custody, oldest act first."""
    svc = services()
    found, chain = svc.evidence.exhibit(svc.accounts.actor(as_user), case, exhibit)
    if as_json:
        emit({"exhibit": found.model_dump(mode="json"), "chain": [e.model_dump(mode="json") for e in chain]})
        return
    out.print(f"[bold]{plain(found.label)}[/] {plain(found.description)} — {found.status}, held by "
              f"{plain(found.holder)}")
    table = Table("#", "act", "occurred", "by", "place", "purpose", "details")
    for e in chain:
        table.add_row(str(e.seq), e.kind.replace("_", " "), plain(e.occurred[:16]),
                      plain(f"{e.actor.get('name')} ({e.actor.get('agency')}, {e.actor.get('state')})"),
                      plain(e.place), plain(e.purpose),
                      plain("; ".join(f"{k}: {v}" for k, v in e.details.items())))
    out.print(table)


@evidence_app.command("verify")
def verify(target: Annotated[str, typer.Argument(help="a case reference, or a custody record file (.zip)")],
           as_user: Annotated[str | None, typer.Option("--as", help="for a case: act as this user")] = None,
           trust: Annotated[list[Path] | None, typer.Option(
               help="for a file: public keys you trust (JSON from `palermo evidence keys`); repeatable")] = None,
           as_json: JsonOpt = False) -> None:
    """Verify a case's custody log, or a portable custody record offline; exit 5 and every problem named if not."""
    path = Path(target)
    if path.suffix == ".zip" or path.is_file():
        report = _verify_file(path, trust or [])
    else:
        if as_user is None:
            raise InvalidInput("--as: give the user to verify a case as, or the path of a custody record file")
        svc = services()
        report = svc.evidence.verify(svc.accounts.actor(as_user), target)
    if as_json:
        emit({"ok": report.ok, "size": report.size, "problems": [p.model_dump(mode="json") for p in report.problems]})
    elif report.ok:
        out.print(f"[green]verified[/]: {report.size} events, every signature, tree head and file checks out")
    else:
        for problem in report.problems:
            err.print(f"[red]problem[/] {plain(problem.where)}: {plain(problem.check)}: {plain(problem.message)}")
    if not report.ok:
        raise typer.Exit(5)


def _trust(files: list[Path]) -> Any:
    from palermo.custody.keys import TrustStore

    store = TrustStore()
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"{file}: cannot be read: {exc.__class__.__name__}") from None
        for key in TrustStore.from_json(raw, str(file)).records:
            store.add(key)
    if not len(store):
        raise InvalidInput("--trust: name the file of public keys you trust",
                           hint="a custody record is verified only against keys you chose to trust")
    return store


def _verify_file(path: Path, trust_files: list[Path]) -> Any:
    from palermo.custody.bundle import verify_bundle

    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    return verify_bundle(path, _trust(trust_files))


@evidence_app.command("export")
def export(case: str, exhibit: str, as_user: AsUser,
           output: Annotated[Path, typer.Option("--out", "-o", help="where to write the custody record (.zip)")],
           no_files: Annotated[bool, typer.Option("--no-files", help="leave the exhibit's file out")] = False
           ) -> None:
    """Write a portable custody record of one exhibit that another installation verifies offline."""
    svc = services()
    data = svc.evidence.export(svc.accounts.actor(as_user), case, exhibit, include_files=not no_files)
    output.write_bytes(data)
    out.print(f"wrote {plain(output)} ({len(data):,} bytes)")


@evidence_app.command("checkpoint")
def checkpoint(case: str, as_user: AsUser,
               output: Annotated[Path | None, typer.Option("--out", "-o", help="write the signed head here")] = None
               ) -> None:
    """The case's latest signed tree head, to publish or hand to a partner: any later rewrite of the log, or a
    deleted tail, is then detectable (`palermo evidence extends`)."""
    svc = services()
    heads = svc.evidence.heads(svc.accounts.actor(as_user), case)
    if not heads:
        raise InvalidInput(f"case {case!r} has no custody log yet")
    data = canonical(heads[-1])
    if output:
        output.write_bytes(data + b"\n")
        out.print(f"wrote {plain(output)}: size {heads[-1]['head']['size']}, root {heads[-1]['head']['root']}")
    else:
        out.print(data.decode(), markup=False)


@evidence_app.command("extends")
def extends(case: str, old: Annotated[Path, typer.Argument(help="a signed tree head published earlier")],
            as_user: AsUser) -> None:
    """Check that the case's custody log only grew since a published checkpoint (exit 5 if it was rewritten)."""
    try:
        data = old.read_bytes().strip()
    except OSError as exc:
        raise InvalidInput(f"{old}: cannot be read: {exc.__class__.__name__}") from None
    svc = services()
    _, proof, result = svc.evidence.extension(svc.accounts.actor(as_user), case, data)
    if result.ok:
        out.print(f"[green]consistent[/]: the log extends the checkpoint (proof of {len(proof)} hashes)")
        return
    for problem in result.problems:
        err.print(f"[red]problem[/] {plain(problem.where)}: {plain(problem.check)}: {plain(problem.message)}")
    raise typer.Exit(5)


@evidence_app.command("keys")
def keys(as_user: AsUser, output: Annotated[Path | None, typer.Option("--out", "-o", help="write JSON here")]
         = None) -> None:
    """Your agency's public signing keys, with fingerprints to read out to a partner."""
    from palermo.custody.keys import TrustStore

    svc = services()
    records = svc.signing.published(svc.accounts.actor(as_user))
    data = TrustStore(records).to_json()
    if output:
        output.write_bytes(data + b"\n")
    for k in records:
        until = f" to {k.valid_until[:16]}" if k.valid_until else " (current)"
        err.print(f"{k.key}  {plain(k.agency)} ({k.state})  fingerprint {k.fingerprint}  "
                  f"valid from {k.valid_from[:16]}{until}")
    if not output:
        out.print(data.decode(), markup=False)


@evidence_app.command("trust")
def trust(file: Path, label: Annotated[str, typer.Option(help="whose keys, how the fingerprints were checked")],
          as_user: AsUser) -> None:
    """Trust a partner's public keys (administrators); compare the fingerprints with them first."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot be read: {exc.__class__.__name__}") from None
    svc = services()
    for k in svc.signing.trust(svc.accounts.actor(as_user), data, label):
        out.print(f"trusted {k.key} of {plain(k.agency)} ({k.state}), fingerprint {k.fingerprint}")


@evidence_app.command("rotate")
def rotate(as_user: AsUser) -> None:
    """End your agency's signing key now and make a new one (administrators)."""
    svc = services()
    k = svc.signing.rotate(svc.accounts.actor(as_user))
    out.print(f"new key {k.key}, fingerprint {k.fingerprint}; the old one verifies what it signed before now")


@evidence_app.command("report")
def report(bundle: Path, trust: Annotated[list[Path], typer.Option(help="public keys you trust (JSON)")],
           output: Annotated[Path, typer.Option("--out", "-o", help="the printable report (.html)")]) -> None:
    """A printable custody report for court from a custody record, with its verification (exit 5 if it fails)."""
    from palermo.custody.report import render_bundle

    if not bundle.is_file():
        raise InvalidInput(f"{bundle}: no such file")
    result, html = render_bundle(bundle, _trust(trust))
    output.write_text(html, encoding="utf-8")
    out.print(f"wrote {plain(output)}: {'verified' if result.ok else 'NOT verified: see the report'}")
    if not result.ok:
        raise typer.Exit(5)
