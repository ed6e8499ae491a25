"""The portable bundle: round trips, partial disclosure, a strict reader, and every alteration refused."""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.custody import bundle as bundle_module
from palermo.custody.bundle import read_bundle, verify_bundle, write_bundle
from palermo.custody.canonical import canonical, parse
from palermo.custody.keys import SigningKey, TrustStore, parse_time
from palermo.custody.records import sign_head
from palermo.errors import InvalidInput, VerificationFailed

from .helpers import FILE, LOG, Case, rewrite_bundle, sample_case

CREATED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SHA = hashlib.sha256(FILE).hexdigest()


@pytest.fixture(scope="module")
def case() -> Case:
    return sample_case()


def partial(case: Case, path: Path, **options: object) -> Path:
    write_bundle(path, **{"events": case.events, "heads": [case.heads[3], case.heads[7], case.heads[-1]],
                          "keys": case.records, "signer": case.police, "exhibits": ["EX-2", "EX-2a"],
                          "files": {SHA: FILE}, "created": CREATED, **options})  # type: ignore[arg-type]
    return path


def checks(report: object) -> list[tuple[str, str]]:
    return [(p.check, p.where) for p in report.problems]  # type: ignore[attr-defined]


def test_partial_bundle_round_trip_discloses_only_its_exhibits(case: Case, tmp_path: Path) -> None:
    path = partial(case, tmp_path / "ex2.zip")
    report = verify_bundle(path, case.trust)
    assert report.ok, report.lines()
    assert report.events == 3 and report.size == 12 and report.exhibits == ["EX-2", "EX-2a"]
    assert {"bundle", "inclusion", "consistency", "file", "chain", "signature", "key"} <= set(report.checks)
    read = read_bundle(path)
    manifest = read.manifest
    assert (manifest.complete, manifest.exhibits, manifest.size, manifest.log) == (False, ["EX-2", "EX-2a"], 12, LOG)
    assert [e.event.seq for e in read.signed_events()] == [1, 4, 5]
    assert [p.seq for p in read.proofs.inclusion] == [1, 4, 5]
    assert [c.size for c in read.proofs.consistency] == [4, 8]
    assert read.read_file(SHA) == FILE
    assert [k.agency for k in read.keys] == ["MT-POLICE"]  # only the keys that signed something shipped
    data = path.read_bytes()
    for secret in (b"fingerprint powder", b"ledger of debts", b"EX-1", b"EX-3", b"DE-77812"):
        assert secret not in data  # other exhibits' events are not disclosed, not even their hashes' inputs
    names = zipfile.ZipFile(path).namelist()
    assert names == ["manifest.json", "events.jsonl", f"files/{SHA}", "heads.jsonl", "keys.json", "proofs.json"]
    assert zipfile.ZipFile(path).testzip() is None  # an ordinary zip for any tool


def test_complete_bundle_and_determinism(case: Case, tmp_path: Path) -> None:
    one = tmp_path / "a.zip"
    two = tmp_path / "b.zip"
    for path in (one, two):
        write_bundle(path, events=case.lines, heads=[h.data for h in case.heads], keys=case.records,
                     signer=case.police, created=CREATED)
    assert one.read_bytes() == two.read_bytes()
    report = verify_bundle(one, case.trust)
    assert report.ok and report.events == 12 and report.heads == 12 and "tree-head" in report.checks
    assert read_bundle(one).manifest.complete and not read_bundle(one).proofs.inclusion


def test_writing_refuses_what_would_not_verify(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    with pytest.raises(InvalidInput, match="exhibit EX-9 has no custody event"):
        partial(case, path, exhibits=["EX-9"], files={})
    with pytest.raises(InvalidInput, match="keys: the public records of"):
        partial(case, path, keys=[])
    with pytest.raises(InvalidInput, match="is not the SHA-256 of any exhibit"):
        partial(case, path, exhibits=["EX-1"])
    with pytest.raises(InvalidInput, match="another SHA-256"):
        partial(case, path, files={SHA: FILE + b"!"})
    forged = sign_head(LOG, 12, b"\x00" * 32, case.clock, case.police)
    with pytest.raises(VerificationFailed, match="does not match the log"):
        partial(case, path, heads=[forged])
    with pytest.raises(InvalidInput, match="position 0 holds event 1"):
        partial(case, path, events=case.events[1:])
    assert not path.exists() and not list(tmp_path.glob(".x.zip.*"))


# --------------------------------------------------------------------------- a strict reader


def crafted(tmp_path: Path, members: list[tuple[str, bytes]]) -> Path:
    path = tmp_path / "crafted.zip"
    bundle_module._write_zip(path, members)
    return path


def members_of(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(n, z.read(n)) for n in z.namelist()]


@pytest.mark.parametrize(("name", "message"), [
    ("../evil.sh", "points outside the bundle"), ("files/../../evil", "points outside the bundle"),
    ("/etc/passwd", "absolute path"), ("C:/evil", "absolute path"), ("files\\evil", "points outside"),
    ("notes.txt", "is not part of a custody bundle"), ("files/abc", "is not part of a custody bundle"),
])
def test_reader_refuses_foreign_and_escaping_names(case: Case, tmp_path: Path, name: str, message: str) -> None:
    good = members_of(partial(case, tmp_path / "g.zip"))
    path = crafted(tmp_path, [*good, (name, b"x")])
    with pytest.raises(VerificationFailed, match=message):
        read_bundle(path)
    report = verify_bundle(path, case.trust)
    assert [p.check for p in report.problems] == ["bundle"] and message in report.problems[0].message


def test_reader_refuses_duplicates_disorder_missing_and_oversize(case: Case, tmp_path: Path) -> None:
    good = members_of(partial(case, tmp_path / "g.zip"))
    with pytest.raises(VerificationFailed, match=r"member events\.jsonl: the name occurs twice"):
        read_bundle(crafted(tmp_path, [*good[:2], good[1], *good[2:]]))
    with pytest.raises(VerificationFailed, match="not in the order"):
        read_bundle(crafted(tmp_path, [good[0], good[3], good[1], *good[4:]]))
    with pytest.raises(VerificationFailed, match=r"member proofs\.json is missing"):
        read_bundle(crafted(tmp_path, good[:-1]))
    with pytest.raises(VerificationFailed, match=r"member events.jsonl: \d+ bytes, over the limit of 100"):
        read_bundle(crafted(tmp_path, good), max_json=100)


def test_reader_refuses_compressed_dated_and_foreign_archives(case: Case, tmp_path: Path) -> None:
    good = members_of(partial(case, tmp_path / "g.zip"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in good:
            z.writestr(name, data)
    path = tmp_path / "deflated.zip"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(VerificationFailed, match=r"member manifest\.json: the member.s header is not the one"):
        read_bundle(path)
    path.write_bytes(b"%PDF-1.7 not a bundle")
    with pytest.raises(VerificationFailed, match="not a custody bundle"):
        read_bundle(path)
    with pytest.raises(InvalidInput, match="no such file"):
        read_bundle(tmp_path / "missing.zip")


@pytest.mark.parametrize("cut", [0.02, 0.3, 0.7, 0.99])
def test_truncated_archives_are_named_as_truncated(case: Case, tmp_path: Path, cut: float) -> None:
    data = partial(case, tmp_path / "g.zip").read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(VerificationFailed, match="truncated"):
        read_bundle(path)


def test_data_appended_or_damaged_is_refused(case: Case, tmp_path: Path) -> None:
    data = partial(case, tmp_path / "g.zip").read_bytes()
    path = tmp_path / "bad.zip"
    path.write_bytes(data + b"\x00")
    with pytest.raises(VerificationFailed, match="directory is not the one Palermo writes"):
        read_bundle(path)
    i = data.index(b'"kind":"derivative"')
    damaged = bytearray(data)
    damaged[i] ^= 0x20
    path.write_bytes(bytes(damaged))
    with pytest.raises(VerificationFailed, match=r"member events\.jsonl: the content does not match its checksum"):
        read_bundle(path)


# --------------------------------------------------------------------------- a dishonest exporter with the key


def test_an_exporter_leaving_out_an_event_of_the_exhibit_is_caught(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "ex1.zip"
    write_bundle(path, events=case.events, heads=[case.heads[-1]], keys=case.records, signer=case.police,
                 exhibits=["EX-1"], created=CREATED)
    assert verify_bundle(path, case.trust).ok

    def drop_examination(contents: dict[str, bytes]) -> None:
        lines = contents["events.jsonl"].split(b"\n")
        contents["events.jsonl"] = b"\n".join(line for line in lines if b'"kind":"unseal"' not in line)
        proofs = parse(contents["proofs.json"])
        proofs["inclusion"] = [p for p in proofs["inclusion"] if p["seq"] != 9]
        contents["proofs.json"] = canonical(proofs)

    rewrite_bundle(path, drop_examination, case.police)
    report = verify_bundle(path, case.trust)
    assert checks(report) == [("chain", "event 11")]
    assert "which this bundle leaves out" in report.problems[0].message


def test_an_exporter_replacing_history_is_caught(case: Case, tmp_path: Path) -> None:
    path = partial(case, tmp_path / "p.zip")

    def drop_proof(contents: dict[str, bytes]) -> None:
        proofs = parse(contents["proofs.json"])
        proofs["inclusion"] = proofs["inclusion"][1:]
        proofs["consistency"][0]["proof"][0] = "00" * 32
        contents["proofs.json"] = canonical(proofs)

    rewrite_bundle(path, drop_proof, case.police)
    assert set(checks(verify_bundle(path, case.trust))) == {("inclusion", "event 1"),
                                                             ("consistency", "tree head of size 4")}
    path = partial(case, tmp_path / "q.zip")
    other_root = sign_head(LOG, 8, b"\x11" * 32, parse_time(case.heads[7].head.at), case.police)

    def fork(contents: dict[str, bytes]) -> None:
        contents["heads.jsonl"] += other_root.data + b"\n"

    rewrite_bundle(path, fork, case.police)
    assert ("fork", "tree head of size 8") in checks(verify_bundle(path, case.trust))


def test_unlisted_or_changed_members_break_the_signed_manifest(case: Case, tmp_path: Path) -> None:
    path = partial(case, tmp_path / "p.zip")
    good = members_of(path)
    changed = [(n, d.replace(b"Police HQ", b"Police HX") if n == "events.jsonl" else d) for n, d in good]
    report = verify_bundle(crafted(tmp_path, changed), case.trust)
    assert ("bundle", "events.jsonl") in checks(report) and ("signature", "event 1") in checks(report)


# --------------------------------------------------------------------------- whose keys


def test_the_verifier_trusts_only_its_own_store(case: Case, tmp_path: Path) -> None:
    path = partial(case, tmp_path / "p.zip")
    report = verify_bundle(path, TrustStore())
    assert not report.ok and {p.check for p in report.problems} == {"key"}
    lab_only = TrustStore([r for r in case.records if r.agency == "DE-BKA"])
    report = verify_bundle(path, lab_only)
    assert ("key", "the bundle's manifest") in checks(report)
    impostor = SigningKey.generate()
    forged = TrustStore([impostor.record("MT-POLICE", "MT", CREATED.replace(year=2020))])
    assert not verify_bundle(path, forged).ok


def test_a_retirement_shipped_in_the_bundle_narrows_trust(case: Case, tmp_path: Path) -> None:
    police = next(r for r in case.records if r.agency == "MT-POLICE")
    retired_at = parse_time(case.events[5].event.recorded)
    keys = [police.retired(retired_at), *[r for r in case.records if r is not police]]
    path = tmp_path / "r.zip"
    write_bundle(path, events=case.events, heads=[case.heads[-1]], keys=keys, signer=case.police,
                 exhibits=["EX-2", "EX-2a"], created=CREATED)
    report = verify_bundle(path, case.trust)  # the verifier still has the key as current
    assert ("key", "event 5") in checks(report) and ("key", "tree head of size 12") in checks(report)
    assert ("key", "the bundle's manifest") in checks(report)
    assert all("retired" in p.message for p in report.problems if p.check == "key")
    assert ("key", "event 4") not in checks(report)


# --------------------------------------------------------------------------- random single mutations


@pytest.fixture(scope="module")
def bundle_bytes(case: Case, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return partial(case, tmp_path_factory.mktemp("b") / "p.zip").read_bytes()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_every_single_mutation_of_a_bundle_is_refused(case: Case, bundle_bytes: bytes, tmp_path: Path,
                                                       rng: random.Random) -> None:
    data = bytearray(bundle_bytes)
    op = rng.choice(["flip", "replace", "delete", "insert", "truncate"])
    i = rng.randrange(len(data))
    if op == "flip":
        data[i] ^= 1 << rng.randrange(8)
    elif op == "replace":
        data[i] = rng.choice([b for b in range(256) if b != data[i]])
    elif op == "delete":
        del data[i]
    elif op == "insert":
        data.insert(i, rng.randrange(256))
    else:
        del data[i:]
    path = tmp_path / "m.zip"
    path.write_bytes(bytes(data))
    assert not verify_bundle(path, case.trust).ok, (op, i)


def test_a_refused_member_name_is_cut_short_in_the_message() -> None:
    """A member name comes from the file: a refusal shows 80 characters of it, never a whole record."""
    from palermo.custody.archive import member_name
    from palermo.custody.bundle import layout

    with pytest.raises(VerificationFailed) as refused:
        member_name(b"notes/" + b"Ana Ionescu born 1990 " * 300, "bundle b.zip", layout())
    assert "is not part of a custody bundle" in refused.value.message
    assert len(refused.value.message) < 200 and "…" in refused.value.message
