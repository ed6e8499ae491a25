"""Linkage schemas in clkhash's format version 3: the reference's own schemas read here, Palermo's person schema
reads there, and a broken schema is refused naming file, line and field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from palermo.errors import InvalidInput
from palermo.linkage import load_schema, person_schema, read_schema, schema_from_document
from palermo.linkage.schema import PACKAGED, BitsPerFeature, Feature

from . import febrl

BASE: dict[str, Any] = {"version": 3, "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}}, "features": [
    {"identifier": "name", "format": {"type": "string"},
     "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 20}}}]}


def variant(change: Callable[[dict[str, Any]], None]) -> str:
    """BASE as indented JSON (so errors have lines to point at), after ``change``."""
    document = json.loads(json.dumps(BASE))
    change(document)
    return json.dumps(document, indent=2)


def test_reference_schemas_read_with_their_defaults() -> None:
    tutorial = read_schema(febrl.TUTORIAL)
    assert tutorial.length == 1024 and tutorial.hash_length == 1024
    assert tutorial.identifiers[0] == "rec_id" and [i for i, _ in tutorial.encoded()] == list(range(1, 10))
    given = tutorial.features[1]
    assert isinstance(given, Feature) and given.hashing.hash.type == "blakeHash"
    assert isinstance(given.hashing.strategy, BitsPerFeature) and given.hashing.strategy.ks(7) == [29] * 4 + [28] * 3
    double = read_schema(febrl.DOUBLE_HASH)
    assert double.clk_config.kdf.salt_bytes() is not None and double.clk_config.kdf.info_bytes() == b"schema_example"


def test_person_schema_is_read_by_clkhash(reference: Callable[[str], ModuleType]) -> None:
    reference("clkhash")
    from clkhash.schema import from_json_dict, validate_schema_dict

    document = json.loads((PACKAGED / "person.json").read_text())
    validate_schema_dict(document)
    assert len(from_json_dict(document).fields) == len(person_schema().features) == 7
    assert person_schema().digest() == schema_from_document(person_schema().document()).digest()


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["features"][0]["hashing"]["strategy"].update(bitsPerFeature=3),
     r"schema.json:\d+: features\[0\].hashing.strategy: give exactly one of bitsPerToken and bitsPerFeature"),
    (lambda d: d["features"][0]["hashing"]["comparison"].update(n=0),
     r"schema.json:18: features\[0\].hashing.comparison.n: Input should be greater than or equal to 1"),
    (lambda d: d["clkConfig"].update(xorFolds=2), r"clkConfig: Value error, clkhash validates xorFolds but folds"),
    (lambda d: d["clkConfig"].update(l=1000), r"schema.json:4: clkConfig.l: the BLAKE2 hash \(feature 0\) needs a "
                                              "power of two, not 1000 bits"),
    (lambda d: d["clkConfig"]["kdf"].update(keySize=65), r"clkConfig.kdf.keySize: the BLAKE2 hash .* at most 64"),
    (lambda d: d["features"].append(dict(d["features"][0])), r"features\[1\].identifier: 'name' is also feature 0"),
    (lambda d: d["features"][0]["format"].update(pattern="[a-z", case="lower"),
     r"schema.json:12: features\[0\].format: Value error, a pattern stands alone"),
    (lambda d: d["features"][0]["hashing"].update(hash={"type": "blakeHash", "prevent_singularity": True}),
     r"hashing.hash: Value error, prevent_singularity belongs to the doubleHash only"),
    (lambda d: d["features"][0]["hashing"].update(strategy={"bitsPerTokens": 20}), r"give exactly one of"),
    (lambda d: d["features"][0].update(normalise="soundex"), r"features\[0\].normalise: Input should be 'name'"),
    (lambda d: d.update(version=2), r"schema.json: version: 2 is not supported; Palermo reads clkhash's linkage "
                                    "schema version 3"),
    (lambda d: d["clkConfig"]["kdf"].update(salt="not base64!"), r"clkConfig.kdf: Value error, salt is not base64"),
])
def test_a_broken_schema_names_line_and_field(change, expected, tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text(variant(change))
    with pytest.raises(InvalidInput, match=expected):
        read_schema(path)


def test_every_problem_of_the_document_is_listed() -> None:
    def two(d: dict[str, Any]) -> None:
        d["clkConfig"]["l"] = 0
        d["features"][0]["format"]["case"] = "title"
    with pytest.raises(InvalidInput) as caught:
        load_schema(variant(two), "two.json")
    assert len(caught.value.details) == 2
    assert all(d.startswith("two.json:") for d in caught.value.details)
