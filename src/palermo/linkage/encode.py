"""Records to CLKs, bit for bit as clkhash computes them, but by distinct values and in arrays.

clkhash hashes every token of every record in Python. Here each feature's distinct values are normalised, checked,
formatted and tokenised once, each distinct token is hashed once (for the most insertions any value asks of it), the
bits of each distinct value are set in one array operation, and a record's Bloom filter is the OR of its values' rows.
The result is the same: a feature's bits depend only on its formatted value, the key and the schema.

Values are checked as clkhash checks them (format, case, length, pattern, integer, date, enum; a missing value's
sentinel is not checked). A failure names the record and the feature and says what is wrong, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache

import numpy as np

from palermo.errors import InvalidInput
from palermo.linkage.clks import Clks
from palermo.linkage.hashing import derive_keys, positions
from palermo.linkage.normalise import NORMALISERS
from palermo.linkage.schema import DateFormat, EnumFormat, Feature, IntegerFormat, LinkageSchema, StringFormat
from palermo.linkage.tokens import tokenize

Value = str | None
BATCH = 1 << 15
"""Distinct values whose bits are set at once (bounds the boolean scratch array to BATCH x l bytes)."""


def check(feature: Feature, value: str) -> str:
    """The value as clkhash hashes it (integers plain, dates YYYYMMDD), after checking it against the format;
    raises ValueError with a reason that does not repeat the value."""
    fmt = feature.format
    if isinstance(fmt, StringFormat):
        try:
            value.encode(fmt.encoding)
        except UnicodeEncodeError:
            raise ValueError(f"cannot be written in {fmt.encoding}") from None
        if fmt.pattern is not None:
            if _compiled(fmt.pattern).fullmatch(value) is None:
                raise ValueError(f"does not match the pattern {fmt.pattern!r}")
        else:
            if fmt.min_length is not None and len(value) < fmt.min_length:
                raise ValueError(f"shorter than {fmt.min_length} characters")
            if fmt.max_length is not None and len(value) > fmt.max_length:
                raise ValueError(f"longer than {fmt.max_length} characters")
            if fmt.case == "upper" and value.upper() != value:
                raise ValueError("not in upper case")
            if fmt.case == "lower" and value.lower() != value:
                raise ValueError("not in lower case")
        return value
    if isinstance(fmt, IntegerFormat):
        try:
            number = int(value, 10)
        except ValueError:
            raise ValueError("not an integer") from None
        if fmt.minimum is not None and number < fmt.minimum:
            raise ValueError(f"less than {fmt.minimum}")
        if fmt.maximum is not None and number > fmt.maximum:
            raise ValueError(f"more than {fmt.maximum}")
        return str(number)
    if isinstance(fmt, DateFormat):
        try:
            return datetime.strptime(value, fmt.format).strftime("%Y%m%d")
        except ValueError:
            raise ValueError(f"not a date in the format {fmt.format!r}") from None
    if isinstance(fmt, EnumFormat) and value not in fmt.values:
        raise ValueError(f"not one of the {len(fmt.values)} values the schema allows")
    return value


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def prepare(feature: Feature, raw: Value) -> str:
    """The text tokenised for one value: normalised (if the schema says), the missing-value sentinel replaced,
    anything else checked and formatted."""
    value = "" if raw is None else raw
    if feature.normalise is not None:
        value = NORMALISERS[feature.normalise](value)
    missing = feature.hashing.missing_value
    if missing is not None and value == missing.sentinel:
        return missing.replacement
    return check(feature, value)


def _label(labels: Sequence[str] | None, index: int) -> str:
    return f"record {labels[index]!r}" if labels is not None else f"record {index + 1}"


def _feature_rows(feature: Feature, keys: tuple[bytes, bytes], column: Sequence[Value], length: int,
                  labels: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    """The packed Bloom-filter rows of the column's distinct values, and each record's row index."""
    index: dict[Value, int] = {}
    ids = np.fromiter((index.setdefault(v, len(index)) for v in column), dtype=np.int64, count=len(column))
    token_ids: dict[str, int] = {}
    occ_token: list[int] = []
    occ_k: list[int] = []
    per_value = np.zeros(len(index), dtype=np.int64)
    strategy = feature.hashing.strategy
    for u, raw in enumerate(index):
        try:
            tokens = tokenize(prepare(feature, raw), feature.hashing.comparison)
        except ValueError as exc:
            first = int(np.argmax(ids == u))
            raise InvalidInput(f"{_label(labels, first)}: feature {feature.identifier!r}: {exc}") from None
        if tokens:
            occ_token.extend([token_ids.setdefault(t, len(token_ids)) for t in tokens])
            occ_k.extend(strategy.ks(len(tokens)))
            per_value[u] = len(tokens)
    most = np.zeros(len(token_ids), dtype=np.int64)
    np.maximum.at(most, np.asarray(occ_token, dtype=np.int64), np.asarray(occ_k, dtype=np.int64))
    occ_value = np.repeat(np.arange(len(index), dtype=np.int64), per_value)
    table = positions(feature, keys, list(token_ids), most.tolist(), length)
    return _set_bits(len(index), table, occ_value, occ_token, occ_k, length), ids


def _set_bits(count: int, table: np.ndarray, occ_value: np.ndarray, occ_token: list[int], occ_k: list[int],
              length: int) -> np.ndarray:
    """Rows (packed, big-endian bit order) with, for each occurrence, its token's first k positions set."""
    rows = np.zeros((count, (length + 7) // 8), dtype=np.uint8)
    if not occ_k:
        return rows
    ks = np.asarray(occ_k, dtype=np.int64)
    starts = np.cumsum(ks) - ks
    total = int(ks.sum())
    column = np.arange(total, dtype=np.int64) - np.repeat(starts, ks)
    bits = table[np.repeat(np.asarray(occ_token, dtype=np.int64), ks), column]
    owner = np.repeat(occ_value, ks)
    for lo in range(0, count, BATCH):
        hi = min(count, lo + BATCH)
        chosen = (owner >= lo) & (owner < hi)
        scratch = np.zeros((hi - lo, rows.shape[1] * 8), dtype=bool)
        scratch[owner[chosen] - lo, bits[chosen]] = True
        rows[lo:hi] = np.packbits(scratch, axis=1)
    return rows


def fold(bits: np.ndarray, folds: int) -> np.ndarray:
    """XOR-fold packed rows ``folds`` times, first half XOR second half (the schema keeps every half whole bytes:
    the folded length is a multiple of 8)."""
    for _ in range(folds):
        half = bits.shape[1] // 2
        bits = bits[:, :half] ^ bits[:, half:]
    return np.ascontiguousarray(bits)


def joined(values: Sequence[Value]) -> str | None:
    """A feature made of several fields (``from``): their values joined by a space, empty ones left out (None when
    all are empty). A partner on the reference tools builds the column the same way before normalising."""
    text = " ".join(v for v in values if v)
    return text or None


def feature_column(feature: Feature, columns: Mapping[str, Sequence[Value]]) -> Sequence[Value] | None:
    """The feature's values: its own column, or its sources' values joined record by record (None: no column)."""
    own = columns.get(feature.identifier)
    if own is not None or not feature.sources:
        return own
    parts = [columns[name] for name in feature.sources if name in columns]
    if not parts:
        return None
    return [joined(values) for values in zip(*parts, strict=True)]


def encode(schema: LinkageSchema, secret: bytes | str, columns: Mapping[str, Sequence[Value]],
           labels: Sequence[str] | None = None) -> Clks:
    """CLKs of the records given column by column (feature identifier, or a field a feature is made of -> one value
    per record; a feature without a column counts as missing everywhere). ``labels`` name records in errors (IDs, never names)."""
    lengths = {len(c) for c in columns.values()}
    if len(lengths) > 1:
        raise InvalidInput(f"the columns have different lengths ({sorted(lengths)})")
    count = lengths.pop() if lengths else 0
    unknown = sorted(set(columns) - set(schema.identifiers) - set(schema.inputs))
    if unknown:
        raise InvalidInput(f"column {unknown[0]!r} is not a feature of the schema")
    if labels is not None and len(labels) != count:
        raise InvalidInput(f"{len(labels)} labels for {count} records")
    keys = derive_keys(schema, secret)
    length = schema.hash_length
    bloom = np.zeros((count, (length + 7) // 8), dtype=np.uint8)
    for place, feature in schema.encoded():
        column = feature_column(feature, columns)
        rows, ids = _feature_rows(feature, keys[place], [None] * count if column is None else column, length, labels)
        if count:
            bloom |= rows[ids]
    return Clks(fold(bloom, schema.clk_config.xor_folds), schema.length)


def encode_rows(schema: LinkageSchema, secret: bytes | str, rows: Sequence[Sequence[Value]],
                labels: Sequence[str] | None = None) -> Clks:
    """CLKs of records given as rows in the schema's column order (ignored features included), as clkhash reads
    a CSV file."""
    width = len(schema.features)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InvalidInput(f"{_label(labels, i)}: {len(row)} values, the schema has {width} features")
    columns = {f.identifier: [row[j] for row in rows] for j, f in enumerate(schema.features) if isinstance(f, Feature)}
    return encode(schema, secret, columns, labels)
