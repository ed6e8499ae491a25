"""The protocol between two agencies, run by its pure functions with the messages passed as JSON (as the case store
or files would carry them): the secret both derive, files that carry no names, a result without scores revealed
only when both confirmed it, each party learning its own matched records and nothing else; and every refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from palermo.errors import InvalidInput, NotPermitted, VerificationFailed
from palermo.linkage import (
    Confirmation,
    Contribution,
    EncodedFile,
    MatchResult,
    MatchSummary,
    Parameters,
    check_revealed,
    confirm,
    contribute,
    derive_secret,
    encode_file,
    own_matches,
    person_schema,
    propose,
    read_message,
    reveal,
    run_match,
    summarise,
)
from palermo.linkage.protocol import canonical

from . import febrl

GB, RO = "GB-NCA", "RO-IGPR"


def wire(message: Any, model: type[Any]) -> Any:
    """The message as the partner receives it: canonical JSON, read back."""
    return read_message(model, canonical(message), f"{model.__name__} from the partner")


@pytest.fixture(scope="module")
def persons(febrl4) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]], set[tuple[str, str]]]:
    """GB holds 200 originals, RO 150 records of which 60 are duplicates of GB's (the true pairs by local ID)."""
    a, b = febrl4
    true = febrl.truth(a, b)
    in_a = {i for i, _ in true if i < 200}
    chosen_b = [j for i, j in sorted(true) if i in in_a][:60] + [j for i, j in sorted(true) if i >= 4000][:90]

    def records(frame: Any, rows: list[int], prefix: str) -> list[tuple[str, dict[str, Any]]]:
        columns = febrl.person_columns(frame.iloc[rows])
        return [(f"{prefix}-{rows[k]}", {name: values[k] for name, values in columns.items()})
                for k in range(len(rows))]

    pairs = {(f"gb-{i}", f"ro-{j}") for i, j in true if i < 200 and j in chosen_b}
    return records(a, list(range(200)), "gb"), records(b, chosen_b, "ro"), pairs


def test_two_agencies_find_their_common_persons_and_learn_only_those(persons) -> None:
    gb_persons, ro_persons, true_pairs = persons
    parameters = propose("gb-ro-2026-0001", (GB, RO), person_schema(), matcher=GB)
    at_ro = wire(parameters, Parameters)
    gb_share, ro_share = contribute(parameters, GB), contribute(at_ro, RO)
    gb_secret = derive_secret(parameters, gb_share, wire(ro_share, Contribution))
    ro_secret = derive_secret(at_ro, wire(gb_share, Contribution), ro_share)
    assert gb_secret == ro_secret and len(gb_secret) == 32

    gb_file, gb_key = encode_file(parameters, gb_secret, GB, gb_persons)
    ro_file, ro_key = encode_file(at_ro, ro_secret, RO, ro_persons)
    sent = canonical(ro_file).decode()
    for _, values in ro_persons:  # (shorter values could turn up in base64 by chance)
        assert all(v is None or len(v) < 6 or v not in sent for v in values.values())
    assert not any(local in sent for local, _ in ro_persons)

    result = run_match(parameters, gb_file, wire(ro_file, EncodedFile))  # GB matches
    assert not any(isinstance(v, float) for v in json.loads(canonical(result)).values())
    summary = summarise(result)
    assert summary.records == (200, 150) and summary.matches == len(result.pairs)
    at_ro_summary = wire(summary, MatchSummary)

    with pytest.raises(NotPermitted, match=f"{RO} has not confirmed"):
        reveal(parameters, result, [confirm(parameters, summary, GB, gb_file)])
    gb_yes = confirm(parameters, summary, GB, gb_file)
    ro_yes = confirm(at_ro, at_ro_summary, RO, ro_file)
    revealed = reveal(parameters, result, [gb_yes, wire(ro_yes, Confirmation)])
    at_ro_result = check_revealed(at_ro, wire(revealed, MatchResult), ro_yes)

    gb_sees = own_matches(parameters, revealed, GB, gb_key)  # (GB's record, RO's reference)
    ro_sees = own_matches(at_ro, at_ro_result, RO, ro_key)  # (RO's record, GB's reference)
    assert len(gb_sees) == len(ro_sees) == summary.matches
    assert {ref for _, ref in gb_sees} <= set(ro_file.references)  # GB holds RO's references, never RO's IDs
    found = {(g, ro_key[r]) for g, r in gb_sees}  # the test, knowing both keys, checks the truth
    assert found == {(gb_key[g], r) for r, g in ro_sees}
    precision, recall, _ = febrl.quality(found, true_pairs)
    assert precision >= 0.95 and recall >= 0.95  # the secret is random: a stranger may pass, rarely


def test_a_declined_or_changed_result_is_not_revealed(persons) -> None:
    gb_persons, ro_persons, _ = persons
    parameters = propose("gb-ro-2026-0002", (GB, RO), person_schema(), threshold=0.8, matcher="EU-THIRD")
    secret = derive_secret(parameters, contribute(parameters, GB), contribute(parameters, RO))
    gb_file, _ = encode_file(parameters, secret, GB, gb_persons[:20])
    ro_file, _ = encode_file(parameters, secret, RO, ro_persons[:20])
    result = run_match(parameters, ro_file, gb_file)  # a third installation, files in any order
    summary = summarise(result)
    no = confirm(parameters, summary, RO, ro_file, confirmed=False)
    with pytest.raises(NotPermitted, match=f"{RO} declined"):
        reveal(parameters, result, [confirm(parameters, summary, GB, gb_file), no])
    rerun = run_match(parameters, gb_file, ro_file)
    yes = [confirm(parameters, summary, p, f) for p, f in ((GB, gb_file), (RO, ro_file))]
    with pytest.raises(VerificationFailed, match="about another result"):
        reveal(parameters, rerun, yes)  # same pairs, another nonce: not what was confirmed
    with pytest.raises(VerificationFailed, match="not the one GB-NCA confirmed"):
        check_revealed(parameters, rerun, yes[0])
    other_file, _ = encode_file(parameters, secret, GB, gb_persons[20:40])
    with pytest.raises(VerificationFailed, match="another file of GB-NCA than the one it sent"):
        confirm(parameters, summary, GB, other_file)


def test_messages_of_another_exchange_or_out_of_bounds_are_refused(persons) -> None:
    gb_persons, ro_persons, _ = persons
    parameters = propose("gb-ro-2026-0003", (GB, RO), person_schema(), max_records=50)
    other = propose("gb-ro-2026-0004", (GB, RO), person_schema(), max_records=50)
    with pytest.raises(VerificationFailed, match="belongs to other parameters"):
        derive_secret(parameters, contribute(other, GB), contribute(parameters, RO))
    with pytest.raises(InvalidInput, match="one contribution of each party"):
        derive_secret(parameters, contribute(parameters, GB), contribute(parameters, GB))
    with pytest.raises(NotPermitted, match="PL-CBS is not a party"):
        contribute(parameters, "PL-CBS")
    secret = derive_secret(parameters, contribute(parameters, GB), contribute(parameters, RO))
    with pytest.raises(InvalidInput, match="60 records, the parameters allow at most 50"):
        encode_file(parameters, secret, GB, gb_persons[:60])
    gb_file, _ = encode_file(parameters, secret, GB, gb_persons[:10])
    foreign, _ = encode_file(other, secret, RO, ro_persons[:10])
    with pytest.raises(VerificationFailed, match="made for other parameters"):
        run_match(parameters, gb_file, foreign)
    with pytest.raises(InvalidInput, match="two files of GB-NCA"):
        run_match(parameters, gb_file, gb_file)
    with pytest.raises(InvalidInput, match=r"parameters: \(document\): Value error, schema_sha256 is not"):
        read_message(Parameters, json.dumps({**json.loads(canonical(parameters)), "schema_sha256": "0" * 64}),
                     "parameters")
    broken = {**json.loads(canonical(gb_file)), "references": ["r-1", *gb_file.references[1:]]}
    with pytest.raises(InvalidInput, match=r"file: references\[0\]: String should match pattern"):
        read_message(EncodedFile, json.dumps(broken), "file")
    with pytest.raises(InvalidInput, match="file: not JSON"):
        read_message(EncodedFile, "{", "file")
