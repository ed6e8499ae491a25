"""Every kind of tampering with a custody log is caught, by the check that names it."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.custody.keys import SigningKey, TrustStore, parse_time
from palermo.custody.merkle import Frontier, Tree
from palermo.custody.records import CustodyEvent, SignedEvent, SignedHead, sign_event, sign_head
from palermo.custody.verify import CHECKS, Report, explain, verify_extension, verify_inclusion_of, verify_log

from .helpers import FILE, LAB, LOG, Case, random_case, sample_case


def heads_of(case: Case) -> list[bytes]:
    return [h.data for h in case.heads]


def where(report: Report, check: str) -> list[tuple[str, int | None, int | None]]:
    return [(p.where, p.seq, p.size) for p in report.problems if p.check == check]


def resign(signed: SignedEvent, key: SigningKey, **changes: Any) -> SignedEvent:
    """The event with ``changes``, signed again with ``key`` (a dishonest holder who has the key)."""
    return sign_event(CustodyEvent.model_validate({**signed.event.wire(), **changes, "key": key.key_id}), key)


def reheads(events: list[SignedEvent], key: SigningKey) -> list[SignedHead]:
    """Fresh heads over ``events``, one per size, signed with ``key`` (a holder rewriting history)."""
    frontier, heads = Frontier(), []
    for e in events:
        frontier.append(e.leaf_hash)
        heads.append(sign_head(LOG, frontier.size, frontier.root(), parse_time(e.event.recorded), key))
    return heads


def test_an_untouched_log_verifies_and_names_its_checks() -> None:
    case = sample_case()
    report = verify_log(case.lines, heads_of(case), case.trust, {"EX-2a": FILE})
    assert report.ok, report.lines()
    assert report.events == 12 and report.size == 12 and report.log == LOG
    assert set(report.checks) >= {"encoding", "signature", "key", "agency", "log", "sequence", "time", "tree-head",
                                  "coverage", "fork", "chain", "file"} - {"encoding"}
    assert all(explain(name) and explain(name) == CHECKS[name] for name in report.checks)
    assert verify_log(case.events, case.heads, case.trust).ok  # models in, same result


def test_edited_field() -> None:
    case = sample_case()
    lines = case.lines
    lines[3] = lines[3].replace(b"fingerprint powder", b"fingerprint powdex")
    report = verify_log(lines, heads_of(case), case.trust)
    assert where(report, "signature") == [("event 3", 3, None)]
    assert where(report, "tree-head")[0] == ("tree head of size 4", None, 4)
    assert where(report, "chain") == [("event 6", 6, None)]  # the next event of EX-1 names the original


def test_edited_and_resigned_by_an_outsider() -> None:
    case = sample_case()
    outsider = SigningKey.generate()
    events = list(case.events)
    events[3] = resign(events[3], outsider, place="somewhere else")
    report = verify_log([e.leaf_data for e in events], heads_of(case), case.trust)
    assert where(report, "key") == [("event 3", 3, None)]
    assert "not in the trust store" in report.problems[0].message
    assert ("tree head of size 4", None, 4) in where(report, "tree-head")


def test_deleted_event() -> None:
    case = sample_case()
    lines = case.lines
    del lines[4]
    report = verify_log(lines, heads_of(case), case.trust)
    assert where(report, "sequence") == [("event 5", 5, None)]
    assert "event 4 is missing" in report.problems[0].message
    assert where(report, "tree-head")[0][2] == 5
    assert where(report, "coverage") == [("tree head of size 12", None, 12)]


def test_inserted_duplicate_and_reordered_events() -> None:
    case = sample_case()
    lines = case.lines
    report = verify_log([*lines[:5], lines[4], *lines[5:]], heads_of(case), case.trust)
    assert [p.message for p in report.problems if p.check == "sequence"] == [
        "appears twice: an event was inserted or duplicated"]
    swapped = [*lines[:5], lines[6], lines[5], *lines[7:]]
    report = verify_log(swapped, heads_of(case), case.trust)
    assert ("event 5", 5, None) in where(report, "sequence")
    assert where(report, "tree-head")[0][2] == 6


def test_inserted_event_signed_by_an_insider() -> None:
    case = sample_case()
    events = list(case.events)
    forged = resign(events[4], case.police, purpose="planted")
    report = verify_log([e.leaf_data for e in [*events[:5], forged, *events[5:]]], heads_of(case), case.trust)
    assert not report.ok
    assert where(report, "tree-head")[0][2] == 6


def test_replaced_signature() -> None:
    case = sample_case()
    events = list(case.events)
    events[3] = SignedEvent(event=events[3].event, signature=events[2].signature)
    report = verify_log([e.leaf_data for e in events], heads_of(case), case.trust)
    assert where(report, "signature") == [("event 3", 3, None)]


def test_signature_by_an_untrusted_key() -> None:
    case = sample_case()
    trust = TrustStore([r for r in case.records if r.agency == "MT-POLICE"])
    report = verify_log(case.lines, heads_of(case), trust)
    assert [seq for _, seq, _ in where(report, "key")] == [3, 6, 9]
    assert all("not in the trust store" in p.message for p in report.problems if p.check == "key")


def test_rotated_out_and_not_yet_valid_keys() -> None:
    case = sample_case()
    lab = next(r for r in case.records if r.agency == "DE-BKA")
    rotation = parse_time(case.events[3].event.recorded) + timedelta(minutes=1)
    retired = TrustStore([r for r in case.records if r is not lab] + [lab.retired(rotation)])
    report = verify_log(case.lines, heads_of(case), retired)
    assert [seq for _, seq, _ in where(report, "key")] == [6, 9]
    assert "was not in force" in report.problems[0].message and "until" in report.problems[0].message
    late = case.lab.record("DE-BKA", "DE", rotation)
    report = verify_log(case.lines, heads_of(case), TrustStore([r for r in case.records if r is not lab] + [late]))
    assert [seq for _, seq, _ in where(report, "key")] == [3]


def test_a_stolen_retired_key_cannot_add_events() -> None:
    case = sample_case()
    lab = next(r for r in case.records if r.agency == "DE-BKA")
    retired_at = case.clock
    trust = TrustStore([r for r in case.records if r is not lab] + [lab.retired(retired_at)])
    case.add("EX-1", "examination", actor=LAB, details={"method": "planted"})
    report = verify_log(case.lines, heads_of(case), trust)
    assert [seq for _, seq, _ in where(report, "key")] == [12]


def test_altered_exhibit_file() -> None:
    case = sample_case()
    assert verify_log(case.lines, heads_of(case), case.trust, {"EX-2a": FILE}).ok
    report = verify_log(case.lines, heads_of(case), case.trust, {"EX-2a": FILE + b" "})
    assert where(report, "file") == [("file of exhibit EX-2a", None, None)]
    report = verify_log(case.lines, heads_of(case), case.trust, {"EX-1": FILE})
    assert "record no SHA-256" in report.problems[0].message


def test_truncated_tail_after_a_published_head() -> None:
    case = sample_case()
    published = case.heads[-1]
    kept = case.events[:10]
    new_heads = reheads(kept, case.police)
    report = verify_log([e.leaf_data for e in kept], [published.data, new_heads[-1].data], case.trust)
    assert where(report, "coverage") == [("tree head of size 12", None, 12)]
    assert "events 10 to 11 were removed" in report.problems[0].message
    partner = verify_extension(published, new_heads[-1], [], case.trust)
    assert where(partner, "consistency") == [("tree head of size 12", None, 12)]


def test_forked_log() -> None:
    case = sample_case()
    published = case.heads[7]  # a partner holds the head of size 8
    rewritten = list(case.events)
    rewritten[5] = resign(rewritten[5], case.police, place="another evidence room")
    for i in range(6, 12):  # the holder re-links and re-signs everything after it
        prev = rewritten[i].event.prev
        if prev is not None and prev.seq == 5:
            rewritten[i] = resign(rewritten[i], case.police if rewritten[i].event.actor.agency == "MT-POLICE"
                                  else case.lab, prev={"seq": 5, "leaf": rewritten[5].leaf_hash.hex()})
    new_heads = reheads(rewritten, case.police)
    assert verify_log([e.leaf_data for e in rewritten], [h.data for h in new_heads], case.trust).ok
    report = verify_log([e.leaf_data for e in rewritten], [published.data, *[h.data for h in new_heads]], case.trust)
    assert where(report, "fork") == [("tree head of size 8", None, 8)]
    tree = Tree([e.leaf_hash for e in rewritten])
    partner = verify_extension(published, new_heads[-1], tree.consistency_proof(8), case.trust)
    assert where(partner, "consistency") == [("tree head of size 8", None, 8)]
    # the honest log extends the published head
    honest = Tree([e.leaf_hash for e in case.events])
    assert verify_extension(published, case.heads[-1], honest.consistency_proof(8), case.trust).ok
    same = verify_extension(case.heads[7], new_heads[7], [], case.trust)
    assert where(same, "fork") == [("tree head of size 8", None, 8)]


def test_inclusion_of_one_event() -> None:
    case = sample_case()
    tree = Tree([e.leaf_hash for e in case.events])
    head = case.heads[-1]
    assert verify_inclusion_of(case.events[6], tree.inclusion_proof(6), head, case.trust).ok
    hex_proof = [p.hex() for p in tree.inclusion_proof(6)]
    assert verify_inclusion_of(case.lines[6], hex_proof, head.data, case.trust).ok
    wrong = verify_inclusion_of(case.events[6], tree.inclusion_proof(5), head, case.trust)
    assert where(wrong, "inclusion") == [("event 6", 6, None)]
    later = verify_inclusion_of(case.events[11], tree.inclusion_proof(11), case.heads[5], case.trust)
    assert where(later, "inclusion") == [("event 11", 11, None)]
    assert "not covered" in next(p.message for p in later.problems if p.check == "inclusion")


def test_other_log_other_agency_and_time_going_back() -> None:
    case = sample_case()
    events = list(case.events)
    events[2] = resign(events[2], case.police, log="MT-POLICE/CASE-2026-0099/custody")
    events[4] = resign(events[4], case.lab)  # actor is the police, signed with the lab's key
    events[7] = resign(events[7], case.police, recorded=events[6].event.at, at=events[6].event.at)
    heads = reheads(events, case.police)
    report = verify_log([e.leaf_data for e in events], [h.data for h in heads], case.trust)
    assert where(report, "log") == [("event 2", 2, None)]
    assert where(report, "agency") == [("event 4", 4, None)]
    assert where(report, "time") == [("event 7", 7, None), ("tree head of size 8", None, 8)]


def test_chains_of_exhibits() -> None:
    case = sample_case()
    events = list(case.events)
    police = case.police
    events[2] = resign(events[2], police, prev=None)  # a transfer that does not name the seizure
    events[7] = resign(events[7], police, kind="examination", details={})  # EX-3 opens with an examination
    events[11] = resign(events[11], police, exhibit="EX-3", prev={"seq": 10, "leaf": events[10].leaf_hash.hex()},
                        kind="examination", details={})  # after EX-3's destruction
    events[5] = resign(events[5], police, exhibit_sha256="0" * 64)  # another hash for EX-2a ...
    events[8] = resign(events[8], police, prev={"seq": 7, "leaf": "1" * 64})  # a link with a wrong fingerprint
    heads = reheads(events, police)
    report = verify_log([e.leaf_data for e in events], [h.data for h in heads], case.trust, {"EX-2a": FILE})
    found = {seq: p.message for p in report.problems if p.check == "chain" for seq in [p.seq]}
    assert set(found) == {2, 3, 7, 8, 10, 11}, report.lines()
    assert "another fingerprint" in found[3]  # event 3 still names the original event 2
    assert "does not name the previous event" in found[2]
    assert "opens the history" in found[7]
    assert "another fingerprint" in found[8]
    assert "after its destruction" in found[11]
    assert where(report, "file") == [("file of exhibit EX-2a", None, None)]


def test_encoding_and_unreadable_records() -> None:
    case = sample_case()
    lines = case.lines
    lines[1] = lines[1].replace(b'{"event":', b'{"event" :')
    lines[2] = b"not json"
    head_lines = heads_of(case)
    head_lines[3] = head_lines[3][:-1]
    report = verify_log(lines, head_lines, case.trust)
    assert ("event 1", 1, None) in where(report, "encoding")
    assert ("event at position 2", None, None) in where(report, "encoding")
    assert ("tree head no. 4", None, None) in where(report, "encoding")
    report = verify_log([*case.lines[:-1], case.lines[-1].replace(b'"seq":11', b'"seq":"11"')], heads_of(case),
                        case.trust)
    assert where(report, "record") == [("event at position 11", None, None)]


def test_events_not_covered_by_any_head_and_heads_that_disagree() -> None:
    case = sample_case()
    report = verify_log(case.lines, heads_of(case)[:9], case.trust)
    assert where(report, "coverage") == [("log", None, None)]
    assert "events 9 to 11 are not covered" in report.problems[0].message
    heads = list(case.heads)
    heads[4] = SignedHead(head=heads[4].head, signature=heads[3].signature)
    lab_head = sign_head(LOG, 12, Tree([e.leaf_hash for e in case.events]).root(), case.clock, case.lab)
    early = sign_head(LOG, 12, Tree([e.leaf_hash for e in case.events]).root(),
                      case.clock - timedelta(hours=1), case.police)
    report = verify_log(case.lines, [h.data for h in heads] + [lab_head.data], case.trust)
    assert where(report, "signature") == [("tree head of size 5", None, 5)]
    assert where(report, "agency") == [("tree heads", None, None)]
    report = verify_log(case.lines, [early.data], case.trust)
    assert where(report, "time") == [("tree head of size 12", None, 12)]


def test_signatures_checked_in_two_processes_give_the_same_findings() -> None:
    case = random_case(random.Random(5), 300, heads_every=50)
    lines = case.lines
    lines[123] = lines[123].replace(b'"purpose":"', b'"purpose":"X')
    one = verify_log(lines, heads_of(case), case.trust)
    two = verify_log(lines, heads_of(case), case.trust, workers=2)
    assert one.problems == two.problems and ("event 123", 123, None) in where(two, "signature")


# --------------------------------------------------------------------------- random logs, random single mutations


def mutate(rng: random.Random, lines: list[bytes], heads: list[bytes]) -> tuple[list[bytes], list[bytes], str]:
    lines, heads = list(lines), list(heads)
    op = rng.choice(["flip", "replace", "delete-byte", "insert-byte", "delete-line", "duplicate-line", "swap-lines",
                     "truncate"] if len(lines) > 1 else ["flip", "replace", "delete-byte", "insert-byte"])
    if op in ("flip", "replace", "delete-byte", "insert-byte"):
        target = rng.choice([lines, heads])
        i = rng.randrange(len(target))
        data = bytearray(target[i])
        j = rng.randrange(len(data))
        if op == "flip":
            data[j] ^= 1 << rng.randrange(8)
        elif op == "replace":
            data[j] = rng.choice([b for b in range(256) if b != data[j]])
        elif op == "delete-byte":
            del data[j]
        else:
            data.insert(j, rng.randrange(256))
        target[i] = bytes(data)
    elif op == "delete-line":
        del lines[rng.randrange(len(lines))]
    elif op == "duplicate-line":
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif op == "swap-lines":
        i = rng.randrange(len(lines) - 1)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    else:
        lines = lines[:rng.randrange(len(lines))]
    return lines, heads, op


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=25), st.integers(min_value=1, max_value=6), st.randoms(use_true_random=False))
def test_every_single_mutation_of_a_random_log_is_detected(size: int, every: int, rng: random.Random) -> None:
    case = random_case(rng, size, heads_every=every)
    lines, heads = case.lines, heads_of(case)
    assert verify_log(lines, heads, case.trust).ok
    bad_lines, bad_heads, op = mutate(rng, lines, heads)
    report = verify_log(bad_lines, bad_heads, case.trust)
    assert not report.ok, (op, size, every)


def test_digital_exhibit_hash_is_the_file_hash() -> None:
    assert sample_case().events[5].event.exhibit_sha256 == hashlib.sha256(FILE).hexdigest()


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_is_explained_for_a_court(name: str) -> None:
    text = explain(name)
    assert len(text) > 60 and text[0].isupper() and text.endswith(".")
