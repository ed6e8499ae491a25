"""The portable custody record: one .zip another state verifies offline with its own trust store.

The archive is written in exactly one way (stored members, fixed times and attributes, fixed order) and read by
a strict reader that accepts only that form, so any byte changed anywhere in the file is refused. Its signed
manifest lists every member with its SHA-256. For a bundle of some exhibits, the other events of the case log are
not disclosed: inclusion proofs (RFC 9162) show that the disclosed events sit in the whole log at their positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from palermo.custody.archive import Content, Layout, Member, read_archive, sha256_of, size_of, write_zip
from palermo.custody.canonical import canonical, parse
from palermo.custody.keys import (
    KeyId,
    KeyRecord,
    Name,
    SigningKey,
    State,
    Strict,
    Timestamp,
    TrustStore,
    Version,
    b64decode,
    b64encode,
    parse_time,
)
from palermo.custody.merkle import Tree
from palermo.custody.records import (
    MANIFEST_CONTEXT,
    Hex64,
    LogId,
    Signature,
    SignedEvent,
    SignedHead,
)
from palermo.custody.verify import Report, Verifier, _Chain, _Ev, _hashes, _Head, check
from palermo.errors import InvalidInput, VerificationFailed
from palermo.model import invalid

FORMAT = "palermo-custody-bundle"
MANIFEST = "manifest.json"
JSON_MEMBERS = ("events.jsonl", "heads.jsonl", "keys.json", "proofs.json")
FILE_NAME = re.compile(r"^files/[0-9a-f]{64}$")
MAX_JSON = 512 * 1024 * 1024
MAX_MEMBERS = 100_000


def _order(name: str) -> tuple[int, str]:
    return (0 if name == MANIFEST else 1, name)


def _allowed(name: str) -> bool:
    return name == MANIFEST or name in JSON_MEMBERS or FILE_NAME.match(name) is not None


def layout(max_json: int = MAX_JSON, max_members: int = MAX_MEMBERS) -> Layout:
    """The custody bundle's archive layout: its members, their order, the JSON members' size limit."""
    return Layout(kind="custody bundle", allowed=_allowed, order=_order,
                  kept=lambda name: not name.startswith("files/"),
                  limit=lambda name: None if name == MANIFEST or name.startswith("files/") else max_json,
                  max_members=max_members)


# --------------------------------------------------------------------------- bundle records


class Listed(Strict):
    """A member of the bundle as the manifest lists it."""

    name: str
    size: int = Field(ge=0)
    sha256: Hex64


class Exporter(Strict):
    """The agency that exported the bundle and the key that signed its manifest."""

    agency: Name
    state: State
    key: KeyId


class Manifest(Strict):
    """What the bundle holds: the log, the exhibits disclosed (or the complete log), the latest signed tree head,
    the exporter, and every member with its SHA-256."""

    format: Literal["palermo-custody-bundle"] = "palermo-custody-bundle"
    version: Version = 1
    log: LogId
    complete: bool = Field(description="true: every event 0..size-1 is disclosed")
    exhibits: list[Name]
    size: int = Field(ge=0)
    root: Hex64
    created: Timestamp
    exporter: Exporter
    members: list[Listed]


class SignedManifest(Strict):
    """The manifest with the exporting agency's signature."""

    manifest: Manifest
    signature: Signature


class InclusionEntry(Strict):
    """The inclusion proof of event ``seq`` in the tree of the latest head."""

    seq: int = Field(ge=0)
    proof: list[Hex64]


class ConsistencyEntry(Strict):
    """The consistency proof from the head of ``size`` to the latest head."""

    size: int = Field(ge=0)
    proof: list[Hex64]


class Proofs(Strict):
    """All proofs of a bundle, against the latest head (of ``size``)."""

    size: int = Field(ge=0)
    inclusion: list[InclusionEntry]
    consistency: list[ConsistencyEntry]


@dataclass(frozen=True)
class Bundle:
    """A bundle read by ``read_bundle``: structure checked, content not yet verified."""

    path: Path
    members: tuple[Member, ...]
    signed_manifest: SignedManifest
    manifest_data: bytes
    event_lines: list[bytes]
    head_lines: list[bytes]
    proofs: Proofs
    keys: list[KeyRecord]
    files: dict[str, Member] = field(default_factory=dict)

    @property
    def manifest(self) -> Manifest:
        """The manifest (its signature is checked by ``verify_bundle``)."""
        return self.signed_manifest.manifest

    def signed_events(self) -> list[SignedEvent]:
        """The disclosed events that are well-formed (for display after verification)."""
        return [e for e in (_try(SignedEvent.from_leaf, line) for line in self.event_lines) if e is not None]

    def signed_heads(self) -> list[SignedHead]:
        """The signed tree heads that are well-formed."""
        return [h for h in (_try(SignedHead.from_bytes, line) for line in self.head_lines) if h is not None]

    def read_file(self, sha256: str) -> bytes:
        """The content of the exhibit file ``files/<sha256>``."""
        member = self.files.get(sha256)
        if member is None:
            raise InvalidInput(f"bundle {self.path.name} holds no file {sha256}")
        with self.path.open("rb") as f:
            f.seek(member.offset)
            return f.read(member.size)


def _try(fn: Any, data: bytes) -> Any:
    try:
        return fn(data)
    except InvalidInput:
        return None


# --------------------------------------------------------------------------- writing


def _lines(items: Iterable[bytes]) -> bytes:
    return b"".join(item + b"\n" for item in items)


def write_bundle(path: Path | str, *, events: Sequence[SignedEvent | bytes], heads: Sequence[SignedHead | bytes],
                 keys: Sequence[KeyRecord], signer: SigningKey, exhibits: Iterable[str] | None = None,
                 files: Mapping[str, bytes | Path] | None = None, created: datetime | None = None) -> Manifest:
    """Write a custody bundle: the events of ``exhibits`` (all events if None) of the log ``events`` (every event
    in order, as stored), the signed ``heads`` (the latest and any published checkpoints) with proofs against the
    latest, the public ``keys`` that signed, optional exhibit ``files`` (by SHA-256); signed by ``signer``."""
    if not heads:
        raise InvalidInput("a bundle needs at least one signed tree head")
    signed_events = [e if isinstance(e, SignedEvent) else SignedEvent.from_leaf(e) for e in events]
    signed_heads = [h if isinstance(h, SignedHead) else SignedHead.from_bytes(h) for h in heads]
    for position, e in enumerate(signed_events):
        if e.event.seq != position:
            raise InvalidInput(f"events: position {position} holds event {e.event.seq}; give the whole log in order")
    log = signed_heads[0].head.log
    if any(h.head.log != log for h in signed_heads) or any(e.event.log != log for e in signed_events):
        raise InvalidInput(f"events and heads must all belong to log {log}")
    latest = max(signed_heads, key=lambda h: h.head.size).head
    if latest.size > len(signed_events):
        raise InvalidInput(f"the latest tree head covers {latest.size} events but {len(signed_events)} were given")
    tree = Tree([e.leaf_hash for e in signed_events[:latest.size]])
    for h in signed_heads:
        if tree.root(h.head.size).hex() != h.head.root:
            raise VerificationFailed(f"the tree head of size {h.head.size} does not match the log: refusing to "
                                     "export a log that does not verify")
    covered = signed_events[:latest.size]
    complete = exhibits is None
    wanted = sorted({e.event.exhibit for e in covered} if exhibits is None else set(exhibits))
    disclosed = [e for e in covered if e.event.exhibit in set(wanted)]
    for exhibit in wanted:
        if not any(e.event.exhibit == exhibit for e in disclosed):
            raise InvalidInput(f"exhibit {exhibit} has no custody event under the latest tree head of log {log}")
    by_key = {r.key: r for r in keys}
    used = {e.event.key for e in disclosed} | {h.head.key for h in signed_heads} | {signer.key_id}
    missing = sorted(used - set(by_key))
    if missing:
        raise InvalidInput(f"keys: the public records of {', '.join(missing)} are needed to read this bundle")
    signer_record = by_key[signer.key_id]
    recorded_shas = {e.event.exhibit_sha256 for e in disclosed} | {e.event.details.derived_sha256 for e in disclosed}
    file_members: list[tuple[str, Content]] = []
    for sha, content in sorted((files or {}).items()):
        if sha not in recorded_shas:
            raise InvalidInput(f"files: {sha} is not the SHA-256 of any exhibit in this bundle")
        if sha256_of(content) != sha:
            raise InvalidInput(f"files: the content given for {sha} has another SHA-256")
        file_members.append((f"files/{sha}", content))
    proofs = Proofs(
        size=latest.size,
        inclusion=[InclusionEntry(seq=e.event.seq, proof=[p.hex() for p in tree.inclusion_proof(e.event.seq)])
                   for e in disclosed] if not complete else [],
        consistency=[ConsistencyEntry(size=s, proof=[p.hex() for p in tree.consistency_proof(s)])
                     for s in sorted({h.head.size for h in signed_heads}) if s < latest.size])
    ordered_heads = sorted(signed_heads, key=lambda h: (h.head.size, h.head.at, h.signature))
    unique_heads = list(dict.fromkeys(h.data for h in ordered_heads))
    contents: dict[str, bytes | Path] = {
        "events.jsonl": _lines(e.leaf_data for e in disclosed),
        "heads.jsonl": _lines(unique_heads),
        "keys.json": TrustStore(by_key[k] for k in sorted(used)).to_json(),
        "proofs.json": canonical(proofs.wire()),
        **dict(file_members),
    }
    listed = [Listed(name=name, size=size_of(content), sha256=sha256_of(content)) for name, content in
              sorted(contents.items())]
    try:
        manifest = Manifest(log=log, complete=complete, exhibits=wanted, size=latest.size, root=latest.root,
                            created=created or datetime.now(UTC),  # type: ignore[arg-type]  # validator makes text
                            exporter=Exporter(agency=signer_record.agency, state=signer_record.state,
                                              key=signer.key_id), members=listed)
    except ValidationError as exc:
        raise invalid(exc, "manifest") from None
    signature = b64encode(signer.sign(MANIFEST_CONTEXT + canonical(manifest.wire())))
    contents[MANIFEST] = canonical(SignedManifest(manifest=manifest, signature=signature).wire())
    _write_zip(Path(path), sorted(contents.items(), key=lambda kv: _order(kv[0])))
    return manifest


TOO_LARGE = (": leave the exhibit files out and deliver them separately (their SHA-256 is in the custody "
             "record)")


def _write_zip(path: Path, members: Sequence[tuple[str, Content]]) -> None:
    write_zip(path, members, noun="bundle", too_large=TOO_LARGE)


# --------------------------------------------------------------------------- reading


def read_bundle(path: Path | str, *, max_json: int = MAX_JSON, max_members: int = MAX_MEMBERS) -> Bundle:
    """Read a bundle, accepting only the exact form Palermo writes; VerificationFailed naming the member for a
    truncated, damaged or altered archive, unexpected or duplicate members, paths outside the bundle or members
    over ``max_json`` bytes."""
    path = Path(path)
    label = f"bundle {path.name}"
    try:
        total = path.stat().st_size
    except FileNotFoundError:
        raise InvalidInput(f"{label}: no such file") from None
    with path.open("rb") as f:
        members, kept = read_archive(f, total, label, layout(max_json, max_members))
    for name in (MANIFEST, *JSON_MEMBERS):
        if name not in kept:
            raise VerificationFailed(f"{label}: member {name} is missing")
    signed_manifest = _json_member(SignedManifest, kept[MANIFEST], f"{label}, member {MANIFEST}")
    proofs = _json_member(Proofs, kept["proofs.json"], f"{label}, member proofs.json")
    try:
        keys = TrustStore.from_json(kept["keys.json"], f"{label}, member keys.json").records
    except InvalidInput as exc:
        raise VerificationFailed(exc.message) from None
    return Bundle(path=path, members=tuple(members), signed_manifest=signed_manifest, manifest_data=kept[MANIFEST],
                  event_lines=_split_lines(kept["events.jsonl"], f"{label}, member events.jsonl"),
                  head_lines=_split_lines(kept["heads.jsonl"], f"{label}, member heads.jsonl"),
                  proofs=proofs, keys=keys,
                  files={m.name.removeprefix("files/"): m for m in members if m.name.startswith("files/")})


def _json_member(cls: type[Any], data: bytes, where: str) -> Any:
    try:
        obj = parse(data)
    except ValueError:
        raise VerificationFailed(f"{where}: not readable JSON: the member was damaged or altered") from None
    try:
        value = cls.model_validate(obj)
    except ValidationError as exc:
        raise VerificationFailed(f"{where}: {invalid(exc).message}") from None
    try:
        if canonical(obj) != data:
            raise VerificationFailed(f"{where}: not in the exact form Palermo writes: the member was altered")
    except InvalidInput as exc:
        raise VerificationFailed(f"{where}: {exc.message}") from None
    return value


def _split_lines(data: bytes, where: str) -> list[bytes]:
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise VerificationFailed(f"{where}: the last line is cut off: the member was truncated or altered")
    return data[:-1].split(b"\n")


# --------------------------------------------------------------------------- verifying


@check("bundle")
def bundle_problem(verifier: Verifier, where: str, message: str, member: str | None = None) -> None:
    """The bundle is one archive in exactly the form Palermo writes, with no member outside it, nothing cut off,
    and every member listed with its SHA-256 in a manifest signed by the exporting agency; it holds what its
    manifest says (the exhibits named, the latest signed tree head)."""
    verifier.ran_checks("bundle")
    verifier.problem("bundle", where, message, member=member or where)


def verify_bundle(path: Path | str, trust: TrustStore, *, workers: int = 1) -> Report:
    """Verify a custody bundle offline with the verifier's own ``trust`` store (keys shipped in the bundle are
    never trusted by themselves): archive form, manifest signature, events, tree heads, proofs, chains, files."""
    verifier = Verifier(trust, workers=workers)
    try:
        try:
            bundle = read_bundle(path)
        except (VerificationFailed, InvalidInput) as exc:
            verifier.ran_checks("bundle")
            bundle_problem(verifier, f"bundle {Path(path).name}", exc.message, member=_member_of(exc.message))
            return verifier.report()
        _verify_read(verifier, bundle)
        return verifier.report()
    finally:
        verifier.close()


def _member_of(message: str) -> str | None:
    found = re.search(r"member (\S+?):", message)
    return found.group(1) if found else None


def _verify_read(v: Verifier, bundle: Bundle) -> None:
    manifest = bundle.manifest
    v.ran_checks("bundle")
    v.log = manifest.log
    created = parse_time(manifest.created)
    # keys shipped in the bundle only ever narrow what the verifier trusts (a retirement it has not heard of)
    for shipped in bundle.keys:
        known = v.trust.get(shipped.key)
        if known is None:
            continue
        if shipped.public_key != known.public_key:
            v.key(shipped.key, created, f"key {shipped.key} in the bundle")
            bundle_problem(v, "keys.json", f"key {shipped.key} is shipped with another public key than the one "
                           "your trust store holds for that id", "keys.json")
        elif shipped.valid_until is not None and (known.valid_until is None or
                                                  parse_time(shipped.valid_until) < parse_time(known.valid_until)):
            v.narrow(shipped.key, shipped.valid_until)
    record = v.key(manifest.exporter.key, created, "the bundle's manifest", member="manifest.json")
    if record is not None:
        if (record.agency, record.state) != (manifest.exporter.agency, manifest.exporter.state):
            v.agency(record, manifest.exporter.agency, manifest.exporter.state, "the bundle's manifest",
                     member="manifest.json")
        try:
            signature = b64decode(bundle.signed_manifest.signature, 64)
        except ValueError:
            bundle_problem(v, MANIFEST, "has a signature that is not a 64-byte Ed25519 signature in canonical base64",
                           MANIFEST)
        else:
            v.signature(manifest.exporter.key, signature, MANIFEST_CONTEXT + canonical(manifest.wire()),
                        ("manifest", 0))
    listed = {m.name: m for m in manifest.members}
    present = {m.name: m for m in bundle.members if m.name != MANIFEST}
    for name in sorted(set(listed) | set(present)):
        if name not in present:
            bundle_problem(v, name, "is listed in the manifest but missing from the archive", name)
        elif name not in listed:
            bundle_problem(v, name, "is in the archive but not listed in the signed manifest: it was added", name)
        elif (listed[name].size, listed[name].sha256) != (present[name].size, present[name].sha256):
            bundle_problem(v, name, "differs from the content the signed manifest lists (size or SHA-256): it "
                           "was altered after export", name)
    heads = [h for h in (v.read_head(line, i) for i, line in enumerate(bundle.head_lines)) if h is not None]
    ordered = v.heads_agree(heads)
    latest = v.latest
    if latest is None or latest.size != manifest.size or latest.root.hex() != manifest.root:
        bundle_problem(v, "heads.jsonl", f"has no signed tree head of size {manifest.size} with the root the manifest "
                       "names as the latest", "heads.jsonl")
        return
    if bundle.proofs.size != latest.size:
        bundle_problem(v, "proofs.json", f"proves against a log of size {bundle.proofs.size}, not the latest head's "
                       f"{latest.size}", "proofs.json")
    consistency = {c.size: c.proof for c in bundle.proofs.consistency}
    for head in ordered[:-1]:
        found = consistency.pop(head.size, None)
        v.consistency(head, latest, _hashes(found) if found is not None else None)
    for size in sorted(consistency):
        bundle_problem(v, "proofs.json", f"holds a consistency proof from size {size}, for which the bundle has no "
                       "tree head: a head was removed", "proofs.json")
    if manifest.complete:
        chain = v.run_events(bundle.event_lines, ordered)
        if sorted(v.exhibits) != manifest.exhibits:
            bundle_problem(v, MANIFEST, "lists other exhibits than the complete log holds", MANIFEST)
    else:
        chain = _verify_disclosed(v, bundle, latest)
    shas = {**chain.derived, **{tip.sha: exhibit for exhibit, tip in chain.tips.items() if tip.sha}}
    for sha, member in sorted(bundle.files.items()):
        where = f"file {sha[:16]}… of the bundle"
        if member.sha256 != sha:
            v.file(shas.get(sha, "?"), sha, member.sha256, where)
        elif sha not in shas:
            v.file("(none)", None, sha, where)
        else:
            v.file(shas[sha], sha, member.sha256, where)


def _verify_disclosed(v: Verifier, bundle: Bundle, latest: _Head) -> _Chain:
    manifest = bundle.manifest
    inclusion = {p.seq: p.proof for p in bundle.proofs.inclusion}
    chain = _Chain(partial=True)
    before: _Ev | None = None
    seen: set[str] = set()
    for position, line in enumerate(bundle.event_lines):
        ev = v.read_event(line, position)
        if not ev.ok:
            continue
        if before is not None and ev.seq <= before.seq:
            v.sequence(ev, before)
        proof = inclusion.pop(ev.seq, None)
        v.inclusion(ev, _hashes(proof) if proof is not None else None, latest)
        v.time(ev, before)
        if ev.recorded is not None and latest.at < ev.recorded:
            v.problem("time", f"event {ev.seq}", f"was recorded at {ev.recorded_text}, after the latest tree head "
                      f"was signed ({latest.at_text})", seq=ev.seq)
        if ev.exhibit not in manifest.exhibits:
            bundle_problem(v, f"event {ev.seq}", f"concerns exhibit {ev.exhibit}, which the manifest does not list",
                           "events.jsonl")
        seen.add(ev.exhibit)
        v.chain(chain, ev)
        before = ev
    for exhibit in manifest.exhibits:
        if exhibit not in seen:
            bundle_problem(v, "events.jsonl", f"holds no event of exhibit {exhibit}, which the manifest lists",
                           "events.jsonl")
    for seq in sorted(inclusion):
        bundle_problem(v, "proofs.json", f"holds an inclusion proof for event {seq}, which is not in the bundle: "
                       "the event was removed", "proofs.json")
    return chain
