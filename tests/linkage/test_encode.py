"""CLKs from Palermo and from clkhash (the reference, 0.17) for the same records, schema and secret are identical,
byte for byte: FEBRL4 under clkhash's tutorial schema and its double-hash schema, Palermo's person schema (values
normalised first, as a partner with the reference tools would feed them), and a schema that takes every option of
the format with generated records."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.errors import InvalidInput
from palermo.linkage import Clks, encode, encode_rows, person_schema, read_schema, schema_from_document
from palermo.linkage.normalise import NORMALISERS
from palermo.linkage.schema import Feature

from . import febrl

SAMPLE = 1000


def clkhash_base64(clkhash: ModuleType, document: dict[str, Any], secret: bytes | str,
                   rows: list[tuple[str, ...]]) -> list[str]:
    """clkhash's CLKs (in-process, validated) serialised as clkhash serialises them."""
    from clkhash.clk import generate_clks
    from clkhash.schema import from_json_dict
    from clkhash.serialization import serialize_bitarray

    schema = from_json_dict(json.loads(json.dumps(document)))
    return [serialize_bitarray(c) for c in generate_clks(rows, schema, secret, validate=True, max_workers=1)]


@pytest.mark.parametrize("path", [febrl.TUTORIAL, febrl.DOUBLE_HASH], ids=["tutorial", "double-hash"])
def test_febrl_clks_are_clkhash_clks(path, febrl4, reference: Callable[[str], ModuleType]) -> None:
    clkhash = reference("clkhash")
    rows = febrl.rows(febrl4[0])[:SAMPLE] + febrl.rows(febrl4[1])[:SAMPLE]
    schema = read_schema(path)
    ours = encode_rows(schema, "a secret of the tutorial", rows)
    theirs = clkhash_base64(clkhash, json.loads(path.read_text()), "a secret of the tutorial", rows)
    assert ours.to_base64() == theirs
    from_file = Clks.from_clkhash_json(json.dumps({"clks": theirs}), schema.length)  # a file the reference wrote
    assert (from_file.bits == ours.bits).all()
    assert Clks.from_clkhash_json(ours.to_clkhash_json(), schema.length).to_base64() == theirs


def test_person_schema_clks_are_clkhash_clks(febrl4, reference: Callable[[str], ModuleType]) -> None:
    """A partner on the reference tools joins the fields a feature is made of (``from``) with a space, normalises
    with the functions the schema names, then runs clkhash."""
    clkhash = reference("clkhash")
    schema = person_schema()
    columns = febrl.person_columns(febrl4[1].iloc[:SAMPLE])
    columns["sex"] = ["F", "m", "", None, "female"] * (SAMPLE // 5)
    columns["nationality"] = ["gb", "RO", None, "pl", "Ro"] * (SAMPLE // 5)
    columns["birth_place"] = ["Constanța", "Cluj-Napoca", None, "Łódź", "München"] * (SAMPLE // 5)
    secret = bytes(range(32))
    ours = encode(schema, secret, columns).to_base64()
    rows = []
    for i in range(SAMPLE):
        row = []
        for feature in schema.features:
            assert isinstance(feature, Feature) and feature.normalise is not None
            parts = [columns.get(name, [None] * SAMPLE)[i] for name in feature.sources or (feature.identifier,)]
            value = " ".join(p for p in parts if p)
            row.append(NORMALISERS[feature.normalise](value or ""))
        rows.append(tuple(row))
    assert ours == clkhash_base64(clkhash, person_schema().document(), secret, rows)


EVERY_OPTION: dict[str, Any] = {
    "version": 3,
    "clkConfig": {"l": 512, "xor_folds": 1,
                  "kdf": {"type": "HKDF", "hash": "SHA512", "salt": "c2FsdA==", "info": "aW5mbw==", "keySize": 32}},
    "features": [
        {"identifier": "id", "ignored": True},
        {"identifier": "name", "format": {"type": "string", "encoding": "utf-16", "case": "mixed", "maxLength": 40},
         "hashing": {"comparison": {"type": "ngram", "n": 3}, "strategy": {"bitsPerToken": 40},
                     "missingValue": {"sentinel": "", "replaceWith": "nobody"}}},
        {"identifier": "code", "format": {"type": "string", "encoding": "ascii", "pattern": "[a-z]*"},
         "hashing": {"comparison": {"type": "ngram", "n": 2, "positional": True}, "strategy": {"bitsPerFeature": 90},
                     "hash": {"type": "doubleHash", "prevent_singularity": True}}},
        {"identifier": "age", "format": {"type": "integer", "minimum": 0, "maximum": 130},
         "hashing": {"comparison": {"type": "numeric", "thresholdDistance": 3, "resolution": 2},
                     "strategy": {"bitsPerToken": 7}, "hash": {"type": "doubleHash"}}},
        {"identifier": "height", "format": {"type": "string"},
         "hashing": {"comparison": {"type": "numeric", "thresholdDistance": 0.5, "resolution": 3,
                                    "fractional_precision": 2}, "strategy": {"bitsPerFeature": 70}}},
        {"identifier": "born", "format": {"type": "date", "format": "%d/%m/%Y"},
         "hashing": {"comparison": {"type": "ngram", "n": 1, "positional": True}, "strategy": {"bitsPerToken": 9},
                     "missingValue": {"sentinel": "N/A"}}},
        {"identifier": "sex", "format": {"type": "enum", "values": ["F", "M", "X"]},
         "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 100}}},
    ],
}


@st.composite
def _record(draw: st.DrawFn) -> tuple[str, ...]:
    name = draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
    code = draw(st.text("abcxyz", max_size=8))
    age = str(draw(st.integers(0, 130)))
    height = draw(st.sampled_from(["", "1.5", "172", "99.99", "0.004"]))
    born = draw(st.sampled_from(["N/A", "29/02/2000", "01/12/1985", "31/01/1999"]))
    sex = draw(st.sampled_from(["F", "M", "X"]))
    return ("x", name, code, age, height, born, sex)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_record(), min_size=1, max_size=30), secret=st.binary(min_size=1, max_size=40))
def test_every_option_of_the_format_as_clkhash(rows, secret, reference: Callable[[str], ModuleType]) -> None:
    clkhash = reference("clkhash")
    schema = schema_from_document(EVERY_OPTION)
    assert encode_rows(schema, secret, rows).to_base64() == clkhash_base64(clkhash, EVERY_OPTION, secret, rows)


def test_a_value_the_schema_refuses_names_record_and_feature_not_the_value() -> None:
    schema = schema_from_document(EVERY_OPTION)
    good = ("x", "Ana", "abc", "30", "1.5", "01/12/1985", "F")
    for bad, expected in [(("x", "Ana", "ABC", "30", "1.5", "N/A", "F"), "does not match the pattern"),
                          (("x", "Ana", "abc", "thirty", "1.5", "N/A", "F"), "not an integer"),
                          (("x", "Ana", "abc", "200", "1.5", "N/A", "F"), "more than 130"),
                          (("x", "Ana", "abc", "30", "1.5", "1985-12-01", "F"), "not a date in the format"),
                          (("x", "Ana", "abc", "30", "1.5", "N/A", "female"), "not one of the 3 values"),
                          (("x", "Ana" * 20, "abc", "30", "1.5", "N/A", "F"), "longer than 40")]:
        with pytest.raises(InvalidInput) as caught:
            encode_rows(schema, "s", [good, bad], labels=["e-1", "e-2"])
        message = str(caught.value)
        assert message.startswith("record 'e-2': feature ") and expected in message
        assert not any(v in message for v in bad[1:] if len(v) > 2)


def test_person_values_are_normalised_and_refused_without_repeating_them() -> None:
    schema = person_schema()
    columns: dict[str, list[str | None]] = {"given_name": ["Zoë", "ZOE"], "family_name": ["O’Brien", "obrien"],
                                            "birth_date": ["1985-03-07", "19850307"]}
    clks = encode(schema, "s", columns)
    assert clks.row(0) == clks.row(1)
    with pytest.raises(InvalidInput, match=r"record 2: feature 'birth_date': not a date written year first"):
        encode(schema, "s", {"birth_date": ["1985", "07.03.1985"]})
    with pytest.raises(InvalidInput, match=r"record 'p-9': feature 'sex': not one of") as caught:
        encode(schema, "s", {"sex": ["hermaphrodite"]}, labels=["p-9"])
    assert "hermaphrodite" not in str(caught.value)


def test_columns_must_fit_the_schema() -> None:
    schema = person_schema()
    with pytest.raises(InvalidInput, match="column 'surname' is not a feature"):
        encode(schema, "s", {"surname": ["x"]})
    with pytest.raises(InvalidInput, match="different lengths"):
        encode(schema, "s", {"given_name": ["x"], "family_name": ["y", "z"]})
    with pytest.raises(InvalidInput, match="record 1: 2 values, the schema has 7 features"):
        encode_rows(schema_from_document(EVERY_OPTION), "s", [("a", "b")])
    assert len(encode(schema, "s", {})) == 0
    with pytest.raises(InvalidInput, match=r"f.json: clks\[1\]: 8 bits, the schema says 1024"):
        Clks.from_clkhash_json(json.dumps({"clks": [encode(schema, "s", {"sex": ["f"]}).to_base64()[0], "AA=="]}),
                               1024, "f.json")
    with pytest.raises(InvalidInput, match=r"f\.json: clks: a list of base64"):
        Clks.from_clkhash_json("[]", 1024, "f.json")


def test_singular_double_hashes_are_redrawn_as_clkhash_redraws_them(reference: Callable[[str], ModuleType]) -> None:
    """With 16 bits one token in 16 has HMAC-MD5 = 0 mod l (all its insertions on one bit) and is redrawn."""
    clkhash = reference("clkhash")
    document = {"version": 3, "clkConfig": {"l": 16, "kdf": {"type": "HKDF"}}, "features": [
        {"identifier": "word", "format": {"type": "string"},
         "hashing": {"comparison": {"type": "ngram", "n": 1}, "strategy": {"bitsPerToken": 5},
                     "hash": {"type": "doubleHash", "prevent_singularity": True}}}]}
    rows = [(chr(c),) for c in range(ord("a"), ord("z") + 1)] + [(chr(c),) for c in range(0x400, 0x460)]
    ours = encode_rows(schema_from_document(document), "s", rows)
    assert ours.to_base64() == clkhash_base64(clkhash, document, "s", rows)
    assert (ours.popcounts() > 1).all()


def test_a_feature_made_of_fields_joins_their_values() -> None:
    """The person schema's name is given and family name in one, joined by a space: written in the other order it
    shares all its bigrams but those at the joint; a column of the feature itself is taken as it is."""
    schema = person_schema()
    assert schema.inputs[:3] == ("given_name", "family_name", "birth_date")
    clks = encode(schema, "s", {"given_name": ["Ana Maria", "Popescu", None, "Elena"],
                                "family_name": ["Popescu", "Ana-Maria", "Popescu", "Ionescu"]})
    bits = np.unpackbits(clks.bits, axis=1).astype(int)

    def dice(i: int, j: int) -> float:
        return 2 * int((bits[i] & bits[j]).sum()) / int(bits[i].sum() + bits[j].sum())

    assert dice(0, 1) > 0.85 > 0.5 > dice(0, 3)
    whole = encode(schema, "s", {"name": ["Ana Maria Popescu", "Popescu"]})
    assert whole.row(0) == clks.row(0) and whole.row(1) == clks.row(2)
    assert encode(schema, "s", {"given_name": [None], "family_name": [""]}).popcounts().tolist() == [0]


def test_fewer_insertions_than_tokens_are_clkhashs(reference: Callable[[str], ModuleType]) -> None:
    """bitsPerFeature below the number of tokens: clkhash inserts the last tokens no times."""
    clkhash = reference("clkhash")
    document: dict[str, Any] = {
        "version": 3, "clkConfig": {"l": 256, "kdf": {"type": "HKDF"}},
        "features": [{"identifier": "address", "format": {"type": "string", "encoding": "utf-8"},
                      "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerFeature": 5}}}]}
    rows = [("12 long street of a long town",), ("ab",), ("",), ("a very long address in a small place",)]
    ours = encode_rows(schema_from_document(document), "s", rows)
    assert ours.to_base64() == clkhash_base64(clkhash, document, "s", rows)
    assert ours.popcounts().max() <= 5
