"""Canonical JSON: one byte form per value, JCS (RFC 8785) for the subset custody records use."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.custody.canonical import canonical, canonical_checked, parse
from palermo.errors import InvalidInput

SAFE = 2**53 - 1
ascii_keys = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8)
scalars = st.none() | st.booleans() | st.integers(min_value=-SAFE, max_value=SAFE) | st.text(
    alphabet=st.characters(exclude_categories=("Cs",)), max_size=20)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ascii_keys, inner, max_size=4),
                      max_leaves=20)


def test_known_form() -> None:
    assert canonical({"b": [1, True, None], "a": {"d": "é\n\"", "c": -5}}) == \
        '{"a":{"c":-5,"d":"é\\n\\""},"b":[1,true,null]}'.encode()
    assert canonical("\x00\x1f\x7f\u2028") == b'"\\u0000\\u001f\x7f\xe2\x80\xa8"'
    assert canonical([]) == b"[]" and canonical({}) == b"{}"


def test_keys_sort_by_utf16_code_units_as_in_rfc_8785() -> None:
    # RFC 8785 §3.2.3: the emoji (UTF-16 D83D DE00) sorts before U+FB33 although its code point is larger
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    out = canonical(dict.fromkeys(keys, 0)).decode()
    assert list(json.loads(out)) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


@pytest.mark.parametrize(("value", "message"), [
    (1.5, "floating-point"), ({"a": [0.0]}, r"\$\.a\[0\]"), (2**53, "beyond"), (-(2**53), "beyond"),
    ({1: "x"}, "not a string"), ((1, 2), "tuple"), (b"x", "bytes"), ({"x": {1, 2}}, "set"), ("\ud800", "surrogate"),
])
def test_refuses_what_jcs_cannot_carry(value: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        canonical(value)


@settings(max_examples=300, deadline=None)
@given(values)
def test_round_trip_and_orjson_agree(value: object) -> None:
    data = canonical(value)
    assert json.loads(data) == value
    assert canonical(parse(data)) == data
    if isinstance(value, dict):
        assert canonical_checked(value) == data
    # no insignificant whitespace: re-encoding compactly with sorted keys changes nothing for ASCII keys
    if isinstance(value, dict):
        assert json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == data
