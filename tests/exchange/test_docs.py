"""docs/exchange.md says what the code does: the rules' table is their docstrings, the vocabulary is terms.py's, and
every field of the agreement, the envelope header and the manifest is documented."""

from __future__ import annotations

import re

from palermo.exchange import (
    RULES,
    Agreement,
    ConsentRule,
    DataRules,
    Handling,
    Header,
    LegalBasis,
    Manifest,
    Party,
    SchemaRule,
    terms,
)
from palermo.exchange.bundle import JSON_MEMBERS, MANIFEST_CONTEXT
from palermo.exchange.envelope import CONTEXT, MAGIC

from .helpers import ROOT

DOC = (ROOT / "docs" / "exchange.md").read_text()


def test_the_rules_table_is_the_rules_docstrings() -> None:
    for rule in RULES.values():
        assert f"| `{rule.name}` | {rule.target} | {rule.explanation} |" in DOC, rule.name
    rows = re.findall(r"^\| `(\w+)` \| (?:entity|link|property|reference|note|attachment|exhibit) \|", DOC, re.M)
    assert rows == list(RULES)


def test_the_vocabulary_is_terms_py() -> None:
    for table in (terms.PURPOSES, terms.USES, terms.SHARES, terms.OUTSIDES, terms.PARTY_ROLES, terms.BASIS_KINDS):
        for word, meaning in table.items():
            assert f"| `{word}` | {meaning} |" in DOC, word


def test_every_field_is_documented() -> None:
    fields = re.findall(r"`([\w.\[\]]+)`", DOC)
    named = {part.removesuffix("[]") for f in fields for part in f.split(".")}
    for model in (Agreement, Party, LegalBasis, DataRules, SchemaRule, ConsentRule, Handling):
        for name in model.model_fields:
            assert name in named, (model.__name__, name)
    header = re.search(r'^\{"aead".*?\}$', DOC, re.M | re.S)
    assert header is not None and set(re.findall(r'"(\w+)":', header.group(0))) == set(Header.model_fields)
    manifest = DOC[DOC.index("### The manifest"):DOC.index("## Opening a bundle")]
    for name in Manifest.model_fields:
        assert f"| `{name}`" in manifest or f", `{name}`" in manifest, name
    for name in JSON_MEMBERS:
        assert f"| `{name}` |" in DOC, name
    assert f'"{MANIFEST_CONTEXT.decode().strip()}\\n"' in DOC and f'"{CONTEXT.decode()}"' in DOC
    assert f'"{MAGIC.decode()}"' in DOC


def test_the_installation_section_is_there_to_be_written() -> None:
    assert "\n## In the installation\n" in DOC
