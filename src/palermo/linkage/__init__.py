"""Privacy-preserving record linkage (pure): persons encoded as cryptographic long-term keys (CLKs, Bloom filters
keyed by a secret agreed per exchange) under a clkhash-compatible linkage schema, and matched without either
party seeing the other's names (docs/linkage.md).

- ``schema``: clkhash's linkage schema (version 3) read and checked; ``person_schema()`` is Palermo's default;
- ``encode``: records to CLKs, identical to clkhash's; ``Clks`` holds them (base64 as clkhash writes them);
- ``match``: Dice similarities and the greedy one-to-one solver, with anonlink's results; ``threshold``: the
  threshold chosen from the exchange's own scores so that few records without a partner are matched;
- ``protocol``: parameters, the secret from both parties' contributions, encoded files under pseudonymous
  references, the match result without scores, confirmation by both before it is revealed.
"""

from palermo.linkage.clks import Clks
from palermo.linkage.encode import encode, encode_rows
from palermo.linkage.match import Candidates, best_two, candidates, greedy, match
from palermo.linkage.normalise import NORMALISERS
from palermo.linkage.protocol import (
    DEFAULT_ADAPTIVE,
    DEFAULT_THRESHOLD,
    Confirmation,
    Contribution,
    EncodedFile,
    MatchResult,
    MatchSummary,
    Parameters,
    canonical,
    check_file,
    check_revealed,
    confirm,
    contribute,
    derive_secret,
    digest,
    encode_file,
    own_matches,
    propose,
    read_message,
    reveal,
    run_match,
    summarise,
)
from palermo.linkage.schema import LinkageSchema, load_schema, person_schema, read_schema, schema_from_document
from palermo.linkage.threshold import AdaptiveThreshold, choose_threshold, match_adaptive

__all__ = [
    "DEFAULT_ADAPTIVE",
    "DEFAULT_THRESHOLD",
    "NORMALISERS",
    "AdaptiveThreshold",
    "Candidates",
    "Clks",
    "Confirmation",
    "Contribution",
    "EncodedFile",
    "LinkageSchema",
    "MatchResult",
    "MatchSummary",
    "Parameters",
    "best_two",
    "candidates",
    "canonical",
    "check_file",
    "check_revealed",
    "choose_threshold",
    "confirm",
    "contribute",
    "derive_secret",
    "digest",
    "encode",
    "encode_file",
    "encode_rows",
    "greedy",
    "load_schema",
    "match",
    "match_adaptive",
    "own_matches",
    "person_schema",
    "propose",
    "read_message",
    "read_schema",
    "reveal",
    "run_match",
    "schema_from_document",
    "summarise",
]
