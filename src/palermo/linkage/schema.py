"""The linkage schema: how each field of a person becomes bits of a CLK, in clkhash's format version 3 (JSON), so a
schema written for the reference tools reads here and Palermo's own schema reads there.

Every key of clkhash's master schema (``clkhash/schemas/v3.json``) is modelled with its defaults; a feature may also
name a Palermo normaliser (``"normalise": "name"``, see ``normalise.py``) and the record's fields it is made of
(``"from": ["given_name", "family_name"]``: their values joined by a space), keys clkhash ignores. Problems are
reported with file, line and field. Two places where clkhash's code and its master schema disagree are refused
rather than guessed: ``clkConfig.xorFolds`` (validated by clkhash but never read: clkhash folds by ``xor_folds``)
and a ``prevent_singularity`` beside a BLAKE2 hash (refused by clkhash when it builds the feature).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, ValidationError, model_validator

from palermo import yamlfile
from palermo.errors import InvalidInput
from palermo.model import Frozen

PACKAGED = Path(__file__).parent / "schemas"
DEFAULT_KEY_SIZE = 64
"""clkhash's default HKDF output per key: the block size of SHA-1 and MD5, the most BLAKE2b takes as a key."""

Encoding = Literal["ascii", "utf-8", "utf-16", "utf-32"]
Normaliser = Literal["name", "date", "code", "sex"]


class StringFormat(Frozen):
    """Text, checked by a regular expression (``pattern``) or by length and case."""

    type: Literal["string"]
    encoding: Encoding = "utf-8"
    pattern: str | None = None
    case: Literal["upper", "lower", "mixed"] | None = None
    min_length: int | None = Field(default=None, alias="minLength", ge=0)
    max_length: int | None = Field(default=None, alias="maxLength", ge=1)
    description: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StringFormat:
        if self.pattern is not None:
            if self.case is not None or self.min_length is not None or self.max_length is not None:
                raise ValueError("a pattern stands alone: case, minLength and maxLength go without one")
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"the pattern is not a regular expression ({exc})") from None
        return self


class IntegerFormat(Frozen):
    """A base-10 integer, hashed in its plain form (``+013`` is ``13``)."""

    type: Literal["integer"]
    minimum: int | None = None
    maximum: int | None = None
    description: str | None = None


class DateFormat(Frozen):
    """A date in a ``strptime`` format, hashed as ``YYYYMMDD``."""

    type: Literal["date"]
    format: str = Field(min_length=1)
    description: str | None = None

    @model_validator(mode="after")
    def _usable(self) -> DateFormat:
        try:
            datetime(2000, 1, 2).strftime(self.format)
        except ValueError as exc:
            raise ValueError(f"the date format cannot be used ({exc})") from None
        return self


class EnumFormat(Frozen):
    """One of a fixed list of values."""

    type: Literal["enum"]
    values: tuple[str, ...]
    description: str | None = None


Format = Annotated[StringFormat | IntegerFormat | DateFormat | EnumFormat, Field(discriminator="type")]


class Ngram(Frozen):
    """n-grams of the value, padded with n-1 spaces at both ends; positional ones carry their 1-based place."""

    type: Literal["ngram"]
    n: int = Field(ge=1)
    positional: bool = False


class Exact(Frozen):
    """The whole value as one token."""

    type: Literal["exact"]


class Numeric(Frozen):
    """A number's neighbourhood (2 x resolution + 1 tokens) so that numbers closer than ``thresholdDistance`` share
    tokens (Vatsalan and Christen 2015, as clkhash implements it)."""

    type: Literal["numeric"]
    threshold_distance: float = Field(alias="thresholdDistance", gt=0)
    resolution: int = Field(ge=1)
    fractional_precision: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _precise_enough(self) -> Numeric:
        if round(self.threshold_distance * 10**self.fractional_precision) == 0:
            raise ValueError("not enough fractional_precision to encode thresholdDistance")
        return self


Comparison = Annotated[Ngram | Exact | Numeric, Field(discriminator="type")]


class BitsPerToken(Frozen):
    """Every token is inserted ``bitsPerToken`` times."""

    bits_per_token: int = Field(alias="bitsPerToken", ge=1)

    def ks(self, tokens: int) -> list[int]:
        """How often each of ``tokens`` tokens is inserted."""
        return [self.bits_per_token] * tokens


class BitsPerFeature(Frozen):
    """The feature's tokens share ``bitsPerFeature`` insertions; the first ones take the remainder, one each."""

    bits_per_feature: int = Field(alias="bitsPerFeature", ge=1)

    def ks(self, tokens: int) -> list[int]:
        """How often each of ``tokens`` tokens is inserted (as clkhash divides them)."""
        k, residue = divmod(self.bits_per_feature, tokens)
        return [k + 1] * residue + [k] * (tokens - residue)


def _strategy_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        keys = set(value) & {"bitsPerToken", "bitsPerFeature"}
        return keys.pop() if len(keys) == 1 else None
    return "bitsPerToken" if isinstance(value, BitsPerToken) else "bitsPerFeature"


Strategy = Annotated[
    Annotated[BitsPerToken, Tag("bitsPerToken")] | Annotated[BitsPerFeature, Tag("bitsPerFeature")],
    Discriminator(_strategy_kind, custom_error_type="strategy",
                  custom_error_message="give exactly one of bitsPerToken and bitsPerFeature"),
]


class Hash(Frozen):
    """How a token's bit positions are drawn: keyed BLAKE2b (the default) or the double hash of HMAC-SHA1 and
    HMAC-MD5 (Schnell et al. 2011), optionally without its singularity (clkhash issue 33)."""

    type: Literal["blakeHash", "doubleHash"] = "blakeHash"
    prevent_singularity: bool | None = None

    @model_validator(mode="after")
    def _singularity_only_for_double(self) -> Hash:
        if self.prevent_singularity is not None and self.type != "doubleHash":
            raise ValueError("prevent_singularity belongs to the doubleHash only")
        return self


class MissingValue(Frozen):
    """The value that stands for 'unknown' (not checked against the format), and what is hashed in its place."""

    sentinel: str
    replace_with: str | None = Field(default=None, alias="replaceWith")

    @property
    def replacement(self) -> str:
        """The value hashed for a missing one (the sentinel itself unless ``replaceWith`` says otherwise)."""
        return self.sentinel if self.replace_with is None else self.replace_with


class Hashing(Frozen):
    """How a feature's value is tokenised and how often and how each token is inserted."""

    comparison: Comparison
    strategy: Strategy
    hash: Hash = Hash()
    missing_value: MissingValue | None = Field(default=None, alias="missingValue")


class Feature(Frozen):
    """One field of the records, encoded into the CLK."""

    identifier: str
    description: str | None = None
    ignored: Literal[False] = False
    format: Format
    hashing: Hashing
    normalise: Normaliser | None = Field(default=None, description="Palermo's normaliser applied first")
    sources: tuple[str, ...] | None = Field(
        default=None, alias="from", min_length=1,
        description="Palermo: the record's fields whose values, joined by a space, are this feature's value")


class Ignored(Frozen):
    """A field present in the records but not encoded (it still takes its place in the key derivation)."""

    identifier: str
    ignored: Literal[True]
    description: str | None = None


def _feature_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "ignored" if value.get("ignored") is True else "feature"
    return "ignored" if isinstance(value, Ignored) else "feature"


AnyFeature = Annotated[
    Annotated[Feature, Tag("feature")] | Annotated[Ignored, Tag("ignored")], Discriminator(_feature_kind)]


class Kdf(Frozen):
    """HKDF (RFC 5869) from the secret to two keys per feature; salt and info are base64 in the file."""

    type: Literal["HKDF"]
    hash: Literal["SHA256", "SHA512"] = "SHA256"
    salt: str | None = None
    info: str | None = None
    key_size: int = Field(default=DEFAULT_KEY_SIZE, alias="keySize", ge=1)

    @model_validator(mode="after")
    def _base64(self) -> Kdf:
        for name in ("salt", "info"):
            value = getattr(self, name)
            if value is not None:
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    raise ValueError(f"{name} is not base64") from None
        return self

    def salt_bytes(self) -> bytes | None:
        """The HKDF salt as bytes (None when the schema gives none)."""
        return None if self.salt is None else base64.b64decode(self.salt)

    def info_bytes(self) -> bytes | None:
        """The HKDF info as bytes (None when the schema gives none)."""
        return None if self.info is None else base64.b64decode(self.info)


class ClkConfig(Frozen):
    """The CLK as a whole: its length in bits after folding, the folds, the key derivation."""

    l: int = Field(ge=1)  # noqa: E741  # clkhash's name for the length, kept so the file reads the same
    kdf: Kdf
    xor_folds: int = Field(default=0, ge=0)
    xorFolds: int = Field(default=0, ge=0)  # the master schema's spelling, refused when not 0

    @model_validator(mode="after")
    def _folds_read_by_clkhash(self) -> ClkConfig:
        if self.xorFolds:
            raise ValueError("clkhash validates xorFolds but folds by xor_folds (and ignores xorFolds): write "
                             "xor_folds so that both implementations fold the same")
        return self


class LinkageSchema(Frozen):
    """A linkage schema (clkhash format version 3): the CLK's configuration and its features in column order."""

    version: Literal[3]
    clk_config: ClkConfig = Field(alias="clkConfig")
    features: tuple[AnyFeature, ...]

    @property
    def length(self) -> int:
        """The CLK's length in bits (after folding)."""
        return self.clk_config.l

    @property
    def hash_length(self) -> int:
        """The Bloom filter's length in bits before folding."""
        return self.clk_config.l << self.clk_config.xor_folds

    @property
    def identifiers(self) -> tuple[str, ...]:
        """The features' identifiers, in order (ignored ones included)."""
        return tuple(f.identifier for f in self.features)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The fields a record gives: each encoded feature's sources (``from``), or its identifier, in order."""
        names = [n for _, f in self.encoded() for n in (f.sources or (f.identifier,))]
        return tuple(dict.fromkeys(names))

    def encoded(self) -> list[tuple[int, Feature]]:
        """The features that set bits, with their place among all features (which selects their keys)."""
        return [(i, f) for i, f in enumerate(self.features) if isinstance(f, Feature)]

    def document(self) -> dict[str, Any]:
        """The schema as clkhash reads it (JSON-ready, defaults left out)."""
        return self.model_dump(by_alias=True, exclude_defaults=True, mode="json")

    def digest(self) -> str:
        """SHA-256 of the schema's canonical JSON: two parties encode alike only under equal digests."""
        text = json.dumps(self.document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


_HKDF_DIGEST = {"SHA256": 32, "SHA512": 64}


def _check(schema: LinkageSchema, source: str, lines: dict[yamlfile.Loc, int]) -> LinkageSchema:
    """What the master schema cannot say and clkhash would only find while encoding."""
    if not schema.features:
        raise yamlfile.error_at(source, lines, ("features",), "a schema has at least one feature")
    seen: dict[str, int] = {}
    for i, feature in enumerate(schema.features):
        if feature.identifier in seen:
            raise yamlfile.error_at(source, lines, ("features", i, "identifier"),
                                    f"{feature.identifier!r} is also feature {seen[feature.identifier]}")
        seen[feature.identifier] = i
    kdf = schema.clk_config.kdf
    keys = 2 * len(schema.features)
    if keys * kdf.key_size > 255 * _HKDF_DIGEST[kdf.hash]:
        raise yamlfile.error_at(source, lines, ("clkConfig", "kdf", "keySize"),
                                f"HKDF-{kdf.hash} gives at most {255 * _HKDF_DIGEST[kdf.hash]} bytes, not {keys} "
                                f"keys of {kdf.key_size}")
    blake = [i for i, f in schema.encoded() if f.hashing.hash.type == "blakeHash"]
    if blake:
        n = schema.hash_length
        if n & (n - 1):
            raise yamlfile.error_at(source, lines, ("clkConfig", "l"),
                                    f"the BLAKE2 hash (feature {blake[0]}) needs a power of two, not {n} bits")
        if kdf.key_size > 64:
            raise yamlfile.error_at(source, lines, ("clkConfig", "kdf", "keySize"),
                                    f"the BLAKE2 hash (feature {blake[0]}) takes keys of at most 64 bytes")
    if schema.clk_config.l % 8:
        raise yamlfile.error_at(source, lines, ("clkConfig", "l"),
                                "CLKs are compared as bytes: give a multiple of 8 bits")
    return schema


def load_schema(text: str, source: str) -> LinkageSchema:
    """Parse and check a linkage schema given as JSON text; errors name ``source``, line and field."""
    data, lines = yamlfile.parse(text, source)
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a linkage schema is a JSON object")
    if data.get("version") != 3:
        raise InvalidInput(f"{source}: version: {data.get('version')!r} is not supported; Palermo reads clkhash's "
                           "linkage schema version 3 (convert older ones with clkhash.schema.convert_to_latest_version)")
    try:
        schema = LinkageSchema.model_validate(data)
    except ValidationError as exc:
        details = [str(yamlfile.error_at(source, lines, _in_document(data, err["loc"]), err["msg"]))
                   for err in exc.errors(include_url=False, include_input=False)]
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise InvalidInput(details[0] + more, details=details) from None
    return _check(schema, source, lines)


def _in_document(data: Any, loc: tuple[str | int, ...]) -> yamlfile.Loc:
    """The error's path without the names pydantic gives the branches of a union (the keys the file really has)."""
    path: list[str | int] = []
    for part in loc:
        inside = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data))
        if inside:
            data = data[part]
        elif not (isinstance(data, dict) and isinstance(part, str) and part not in _TAGS):
            continue  # a union's branch name, not a key of the file
        path.append(part)
    return tuple(path)


_TAGS = {"feature", "ignored", "string", "integer", "date", "enum", "ngram", "exact", "numeric", "bitsPerToken",
         "bitsPerFeature"}


def read_schema(path: Path) -> LinkageSchema:
    """Read a linkage schema file (JSON, clkhash version 3)."""
    return load_schema(yamlfile.read_text(path), str(path))


def schema_from_document(document: dict[str, Any], source: str = "linkage schema") -> LinkageSchema:
    """A schema from an already parsed document (as a partner sends it inside an exchange's parameters)."""
    return load_schema(json.dumps(document), source)


@cache
def person_schema() -> LinkageSchema:
    """Palermo's default schema for persons (names, birth date, sex, birth place, nationality, document number)."""
    return read_schema(PACKAGED / "person.json")
