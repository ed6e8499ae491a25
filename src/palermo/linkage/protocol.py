"""The linkage protocol between two agencies, as plain values and functions (no network, no database): whoever
carries the messages (the case store over the installations' APIs, or files) calls these in order
(docs/linkage.md, "The protocol").

1. ``propose``: the parameters both agree (exchange ID, the two parties, who matches, the schema, the threshold,
   the most records a file may hold); their SHA-256 binds every later message.
2. ``contribute`` by each party, the contributions exchanged (encrypted to the partner); ``derive_secret`` by each:
   HKDF over both, so neither party chooses the secret and no two exchanges share one.
3. ``encode_file`` by each party: CLKs under random pseudonymous references, sorted by reference (the order says
   nothing about the records); the key from reference to the party's own record stays home.
4. ``run_match`` by the matcher (a party, or a third installation that never learns the secret) over both files:
   the one-to-one matches as pairs of references. No similarity score leaves the function.
5. ``summarise``: counts and the result's SHA-256 (a commitment: the result carries a random nonce), shown to both
   parties; each ``confirm``s or declines.
6. ``reveal`` only with both parties' confirmations of that very result; each party checks what it receives
   (``check_revealed``) and turns its references back into its own records (``own_matches``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, Field, model_validator

from palermo import yamlfile
from palermo.custody.keys import Name
from palermo.errors import InvalidInput, NotPermitted, VerificationFailed
from palermo.linkage.clks import Clks
from palermo.linkage.encode import Value, encode
from palermo.linkage.match import match
from palermo.linkage.schema import LinkageSchema, schema_from_document
from palermo.linkage.threshold import AdaptiveThreshold, match_adaptive
from palermo.model import Frozen

EXCHANGE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,99}$"
REFERENCE = r"^r-[0-9a-f]{16}$"
SHA256 = r"^[0-9a-f]{64}$"
SECRET_INFO = b"palermo linkage secret v1"
CONTRIBUTION_BYTES = 32
M = TypeVar("M", bound=BaseModel)
DEFAULT_THRESHOLD = 0.7
"""The fixed Dice threshold proposed with the person schema, used when the files are too small to choose one from
their scores (``DEFAULT_ADAPTIVE``); chosen on generated duplicates of FEBRL1-3 (docs/linkage.md, "Accuracy")."""
DEFAULT_ADAPTIVE = AdaptiveThreshold()
"""The matcher chooses the threshold between 0.6 and 0.8 so that at most 0.5 % of the matches are expected to be
false (``threshold.py``)."""


def canonical(value: BaseModel) -> bytes:
    """The message as canonical JSON (sorted keys, no spaces, UTF-8): what is hashed and what a store signs."""
    data = value.model_dump(mode="json", by_alias=True)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(value: BaseModel) -> str:
    """SHA-256 of the message's canonical JSON."""
    return hashlib.sha256(canonical(value)).hexdigest()


class Parameters(Frozen):
    """What both parties agree before anything is encoded; its digest travels in every later message."""

    version: Literal[1] = 1
    exchange: str = Field(pattern=EXCHANGE_ID)
    parties: tuple[Name, Name]
    matcher: Name = Field(description="the installation that matches: one of the parties or a third one")
    linkage_schema: dict[str, Any] = Field(alias="schema", description="the clkhash v3 document")
    schema_sha256: str = Field(pattern=SHA256)
    threshold: float = Field(gt=0.0, le=1.0, description="the Dice threshold; with adaptive, the one used when the "
                             "files are too small to choose one from their scores")
    adaptive: AdaptiveThreshold | None = Field(default=None, description="the matcher chooses the threshold")
    max_records: int = Field(default=100_000, ge=1, description="the most records either file may hold")

    @model_validator(mode="after")
    def _consistent(self) -> Parameters:
        if self.parties[0] == self.parties[1]:
            raise ValueError("the two parties are two different agencies")
        if self.linkage().digest() != self.schema_sha256:
            raise ValueError("schema_sha256 is not the digest of the schema")
        if self.adaptive and not self.adaptive.lowest <= self.threshold <= self.adaptive.highest:
            raise ValueError(f"threshold: {self.threshold} is outside {self.adaptive.lowest}-{self.adaptive.highest}, "
                             "the range the matcher chooses in (for a fixed threshold, adaptive is null)")
        return self

    def linkage(self) -> LinkageSchema:
        """The linkage schema both parties encode with."""
        return _schema(json.dumps(self.linkage_schema, sort_keys=True))

    def side(self, party: str) -> int:
        """0 for the first party, 1 for the second; refuses an agency that is not a party."""
        if party not in self.parties:
            raise NotPermitted(f"{party} is not a party to linkage exchange {self.exchange}")
        return self.parties.index(party)


@lru_cache(maxsize=16)
def _schema(document: str) -> LinkageSchema:
    return schema_from_document(json.loads(document), "parameters.schema")


def propose(exchange: str, parties: tuple[str, str], schema: LinkageSchema, threshold: float = DEFAULT_THRESHOLD,
            matcher: str | None = None, max_records: int = 100_000,
            adaptive: AdaptiveThreshold | None = DEFAULT_ADAPTIVE) -> Parameters:
    """The parameters of a new exchange (the first party matches unless ``matcher`` names another installation;
    the matcher chooses the threshold from the scores unless ``adaptive`` is None)."""
    return yamlfile.validate(Parameters, {
        "exchange": exchange, "parties": list(parties), "matcher": matcher or parties[0],
        "schema": schema.document(), "schema_sha256": schema.digest(), "threshold": threshold,
        "adaptive": adaptive.model_dump() if adaptive else None, "max_records": max_records}, "parameters")


class Contribution(Frozen):
    """One party's random share of the exchange's secret (sent only to the other party, encrypted)."""

    exchange: str = Field(pattern=EXCHANGE_ID)
    parameters_sha256: str = Field(pattern=SHA256)
    party: Name
    value: str = Field(pattern=r"^[0-9a-f]{64}$", description="32 random bytes, hex")


def contribute(parameters: Parameters, party: str) -> Contribution:
    """A fresh random contribution of ``party`` to the secret of this exchange."""
    parameters.side(party)
    return Contribution(exchange=parameters.exchange, parameters_sha256=digest(parameters), party=party,
                        value=secrets.token_hex(CONTRIBUTION_BYTES))


def derive_secret(parameters: Parameters, first: Contribution, second: Contribution) -> bytes:
    """The exchange's secret: HKDF-SHA256 over both contributions (first party's first), salted with the
    parameters' digest. Both parties derive the same 32 bytes; neither could choose them."""
    want = digest(parameters)
    for c in (first, second):
        if c.exchange != parameters.exchange or c.parameters_sha256 != want:
            raise VerificationFailed(f"the contribution of {c.party} belongs to other parameters than exchange "
                                     f"{parameters.exchange}'s")
    by_side = {parameters.side(c.party): c for c in (first, second)}
    if len(by_side) != 2:
        raise InvalidInput(f"exchange {parameters.exchange}: one contribution of each party is needed")
    if first.value == second.value:
        raise VerificationFailed(f"exchange {parameters.exchange}: the two contributions are the same")
    material = bytes.fromhex(by_side[0].value) + bytes.fromhex(by_side[1].value)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=bytes.fromhex(want), info=SECRET_INFO).derive(material)


class EncodedFile(Frozen):
    """One party's CLKs under pseudonymous references (no names, no IDs of its own), sorted by reference."""

    version: Literal[1] = 1
    exchange: str = Field(pattern=EXCHANGE_ID)
    parameters_sha256: str = Field(pattern=SHA256)
    party: Name
    length: int = Field(ge=8, description="bits per CLK")
    references: tuple[Annotated[str, Field(pattern=REFERENCE)], ...]
    clks: tuple[str, ...] = Field(description="base64, as clkhash serialises a CLK")

    @model_validator(mode="after")
    def _aligned(self) -> EncodedFile:
        if len(self.references) != len(self.clks):
            raise ValueError(f"{len(self.references)} references for {len(self.clks)} CLKs")
        if len(set(self.references)) != len(self.references):
            raise ValueError("a reference appears twice")
        if list(self.references) != sorted(self.references):
            raise ValueError("the references are not sorted")
        return self


def encode_file(parameters: Parameters, secret: bytes, party: str,
                persons: Sequence[tuple[str, Mapping[str, Value]]]) -> tuple[EncodedFile, dict[str, str]]:
    """Encode ``persons`` (the party's own record ID, values by feature identifier) for this exchange. Returns the
    file to send and the key from each pseudonymous reference to the record ID, which never leaves the party."""
    parameters.side(party)
    if len(persons) > parameters.max_records:
        raise InvalidInput(f"exchange {parameters.exchange}: {len(persons)} records, the parameters allow at most "
                           f"{parameters.max_records}")
    schema = parameters.linkage()
    columns = {name: [values.get(name) for _, values in persons] for name in schema.inputs}
    clks = encode(schema, secret, columns, labels=[record for record, _ in persons])
    references = _fresh_references(len(persons))
    order = sorted(range(len(persons)), key=references.__getitem__)
    encoded = clks.take(order).to_base64()
    key = {references[i]: persons[i][0] for i in order}
    return EncodedFile(exchange=parameters.exchange, parameters_sha256=digest(parameters), party=party,
                       length=schema.length, references=tuple(references[i] for i in order),
                       clks=tuple(encoded)), key


def _fresh_references(count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(f"r-{secrets.token_hex(8)}")
    return list(seen)


def check_file(parameters: Parameters, file: EncodedFile) -> Clks:
    """A received file's CLKs, after checking it belongs to this exchange, comes from a party and fits the
    parameters."""
    if file.exchange != parameters.exchange or file.parameters_sha256 != digest(parameters):
        raise VerificationFailed(f"the file of {file.party} was made for other parameters than exchange "
                                 f"{parameters.exchange}'s")
    parameters.side(file.party)
    if file.length != parameters.linkage().length:
        raise VerificationFailed(f"the file of {file.party} holds CLKs of {file.length} bits, the schema says "
                                 f"{parameters.linkage().length}")
    if len(file.references) > parameters.max_records:
        raise VerificationFailed(f"the file of {file.party} holds {len(file.references)} records, the parameters "
                                 f"allow at most {parameters.max_records}")
    return Clks.from_base64(file.clks, file.length, f"the file of {file.party}: clks")


class MatchResult(Frozen):
    """The matches as pairs of references (first party's, second party's), with what they were computed from.
    No similarity scores. The random nonce makes the result's digest a commitment that reveals nothing."""

    version: Literal[1] = 1
    exchange: str = Field(pattern=EXCHANGE_ID)
    parameters_sha256: str = Field(pattern=SHA256)
    files: tuple[str, str] = Field(description="SHA-256 of each party's file, first party's first")
    records: tuple[int, int]
    pairs: tuple[tuple[str, str], ...]
    nonce: str = Field(pattern=r"^[0-9a-f]{32}$")


def run_match(parameters: Parameters, first: EncodedFile, second: EncodedFile) -> MatchResult:
    """Match the two parties' files (the matcher's step): greedy one-to-one over Dice similarities at or above
    the agreed threshold, or the threshold the matcher chooses from the scores (``adaptive``; it is not told)."""
    files = sorted((first, second), key=lambda f: parameters.side(f.party))
    if files[0].party == files[1].party:
        raise InvalidInput(f"exchange {parameters.exchange}: two files of {files[0].party}, none of the other party")
    a, b = (check_file(parameters, f) for f in files)
    if parameters.adaptive is None:
        pairs = match(a, b, parameters.threshold)
    else:
        pairs, _ = match_adaptive(a, b, parameters.adaptive, parameters.threshold)
    found = sorted((files[0].references[i], files[1].references[j]) for i, j in pairs.tolist())
    return MatchResult(exchange=parameters.exchange, parameters_sha256=digest(parameters),
                       files=(digest(files[0]), digest(files[1])), records=(len(a), len(b)), pairs=tuple(found),
                       nonce=secrets.token_hex(16))


class MatchSummary(Frozen):
    """What both parties see before anything is revealed: how many records and matches, and the commitment."""

    exchange: str = Field(pattern=EXCHANGE_ID)
    parameters_sha256: str = Field(pattern=SHA256)
    result_sha256: str = Field(pattern=SHA256)
    files: tuple[str, str]
    records: tuple[int, int]
    matches: int


def summarise(result: MatchResult) -> MatchSummary:
    """The summary of a result, for the parties to confirm."""
    return MatchSummary(exchange=result.exchange, parameters_sha256=result.parameters_sha256,
                        result_sha256=digest(result), files=result.files, records=result.records,
                        matches=len(result.pairs))


class Confirmation(Frozen):
    """A party's yes (or no) to revealing the result it was shown the summary of."""

    exchange: str = Field(pattern=EXCHANGE_ID)
    party: Name
    result_sha256: str = Field(pattern=SHA256)
    confirmed: bool


def confirm(parameters: Parameters, summary: MatchSummary, party: str, own_file: EncodedFile,
            confirmed: bool = True) -> Confirmation:
    """``party``'s answer to a summary, after checking it is about this exchange and about the file it sent."""
    side = parameters.side(party)
    if summary.exchange != parameters.exchange or summary.parameters_sha256 != digest(parameters):
        raise VerificationFailed(f"the summary is not about exchange {parameters.exchange}")
    if summary.files[side] != digest(own_file):
        raise VerificationFailed(f"exchange {parameters.exchange}: the summary was computed from another file of "
                                 f"{party} than the one it sent")
    return Confirmation(exchange=parameters.exchange, party=party, result_sha256=summary.result_sha256,
                        confirmed=confirmed)


def reveal(parameters: Parameters, result: MatchResult, confirmations: Sequence[Confirmation]) -> MatchResult:
    """The result, released only when both parties confirmed exactly this result."""
    want = digest(result)
    answers: dict[str, Confirmation] = {}
    for c in confirmations:
        if c.exchange != parameters.exchange or c.result_sha256 != want:
            raise VerificationFailed(f"the confirmation of {c.party} is about another result than exchange "
                                     f"{parameters.exchange}'s")
        parameters.side(c.party)
        answers[c.party] = c
    for party in parameters.parties:
        answer = answers.get(party)
        if answer is None:
            raise NotPermitted(f"exchange {parameters.exchange}: {party} has not confirmed the result")
        if not answer.confirmed:
            raise NotPermitted(f"exchange {parameters.exchange}: {party} declined to reveal the result")
    return result


def check_revealed(parameters: Parameters, result: MatchResult, mine: Confirmation) -> MatchResult:
    """A party's check of a revealed result: it is the one it confirmed (so the matcher changed nothing)."""
    if result.exchange != parameters.exchange or result.parameters_sha256 != digest(parameters):
        raise VerificationFailed(f"the revealed result is not about exchange {parameters.exchange}")
    if digest(result) != mine.result_sha256:
        raise VerificationFailed(f"exchange {parameters.exchange}: the revealed result is not the one "
                                 f"{mine.party} confirmed")
    return result


def own_matches(parameters: Parameters, result: MatchResult, party: str, key: Mapping[str, str]
                ) -> list[tuple[str, str]]:
    """``party``'s matches as (its own record ID, the partner's reference), from the key it kept at encoding."""
    side = parameters.side(party)
    try:
        return [(key[pair[side]], pair[1 - side]) for pair in result.pairs]
    except KeyError:
        raise VerificationFailed(f"exchange {parameters.exchange}: the result names a reference {party} did not "
                                 "send") from None


def read_message(model: type[M], text: str | bytes, source: str) -> M:
    """A protocol message (parameters, contribution, file, result, summary, confirmation) from its JSON; errors
    name ``source`` and the field."""
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidInput(f"{source}: not JSON") from None
    return yamlfile.validate(model, data, source)
