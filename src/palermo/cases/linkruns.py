"""Privacy-preserving linkage with a partner agency: do our cases and theirs hold the same people, without either
handing over a name? The persons of a case are encoded as CLKs under a secret both agencies contribute to (each
half sealed to the other's encryption key), the proposing agency matches, both confirm the summary (how many
matches) before anything is revealed, and then each sees only its own persons that matched, beside the
partner's pseudonymous references. Every message is signed by the sending agency and checked against the keys
this agency trusts; each step is one transaction with its audit record."""

from __future__ import annotations

import base64
import io
import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Row, insert, select, update

from palermo.cases import tables as t
from palermo.cases.accounts import now
from palermo.cases.audit import record
from palermo.cases.directory import Directory
from palermo.cases.gate import CaseGate, Opened
from palermo.cases.identity import Caller
from palermo.cases.policy import Action
from palermo.cases.records import captions
from palermo.cases.store import Unit
from palermo.errors import Conflict, InvalidInput, NotFound, NotPermitted, VerificationFailed
from palermo.exchange.envelope import open_file, seal
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
    reveal,
    run_match,
    summarise,
)
from palermo.linkage.carrier import Carried, open_message, sign
from palermo.linkage.protocol import DEFAULT_THRESHOLD, canonical
from palermo.model import LinkageRun

PERSON_FEATURES = {"given_name": ("firstName",), "family_name": ("lastName",), "birth_date": ("birthDate",),
                   "sex": ("gender",), "birth_place": ("birthPlace",), "nationality": ("nationality",),
                   "id_number": ("idNumber", "passportNumber"), "address": ("address",)}
"""Where each feature of the person schema comes from among an FtM Person's properties (the first value)."""


class Linkages:
    """Linkage runs of the caller's agency with partners."""

    def __init__(self, gate: CaseGate, directory: Directory) -> None:
        self.gate = gate
        self.directory = directory

    def start(self, caller: Caller, ref: str, partner: str, threshold: float | None = None) -> LinkageRun:
        """Propose a linkage of the persons of case ``ref`` with partner ``partner``: this agency matches, at the
        threshold it chooses from the exchange's own scores, or at ``threshold`` when one is given. The run's
        ``outgoing`` message (the parameters and this agency's secret half, sealed to the partner) is for the
        partner."""
        with self.gate.case(caller, ref, Action.exchange_send, immediate=True) as (unit, case):
            me = unit.actor.agency_id
            card = self.directory.partners_of(unit.conn, me).get(partner)
            exchange = f"{me}-{partner}-{date.today().isoformat()}-{secrets.token_hex(4)}"
            if threshold is None:
                params = propose(exchange, (me, partner), person_schema(), DEFAULT_THRESHOLD)
            else:
                params = propose(exchange, (me, partner), person_schema(), threshold, adaptive=None)
            mine = contribute(params, me)
            stamp = now()
            unit.conn.execute(insert(t.linkage_run).values(
                agency_id=me, exchange=exchange, case_id=case.id, partner=partner, matcher=True, status="proposed",
                parameters=_json(params), sealed=self._seal(unit, exchange, {"contributions": {me: _data(mine)}}),
                created_by=unit.actor.user_id, created_at=stamp, updated_at=stamp))
            record(unit.conn, unit.actor, "linkage_propose", case.id, exchange, detail={"partner": partner})
            outgoing = self._sign(unit, "proposal", params, partner, {
                "parameters": params.model_dump(mode="json", by_alias=True),
                "contribution": _sealed_to(canonical(mine), card.encryption_key(now()))})
            return self._run(unit, self._row(unit, exchange), outgoing)

    def join(self, caller: Caller, ref: str, message: bytes) -> LinkageRun:
        """Take part in a linkage a partner proposed, with the persons of case ``ref``: the secret is derived,
        the persons encoded; the ``outgoing`` reply (this agency's sealed half and its encoded file, references
        and CLKs only) is for the partner."""
        with self.gate.case(caller, ref, Action.exchange_send, immediate=True) as (unit, case):
            me = unit.actor.agency_id
            carried = self._open(unit, message, "proposal")
            params = Parameters.model_validate(carried.body.get("parameters"))
            if params.matcher != carried.sender or me not in params.parties or carried.sender not in params.parties:
                raise VerificationFailed(f"message: the parameters of {params.exchange} do not name {me} and "
                                         f"{carried.sender} as parties with {carried.sender} matching")
            if self._find(unit, params.exchange) is not None:
                raise Conflict(f"linkage {params.exchange} is already under way here")
            theirs = self._contribution(unit, carried)
            mine = contribute(params, me)
            file, key = encode_file(params, self._secret(params, theirs, mine), me, self._persons(unit, case))
            card = self.directory.partners_of(unit.conn, me).get(carried.sender)
            stamp = now()
            unit.conn.execute(insert(t.linkage_run).values(
                agency_id=me, exchange=params.exchange, case_id=case.id, partner=carried.sender, matcher=False,
                status="encoded", parameters=_json(params),
                sealed=self._seal(unit, params.exchange, {"contributions": {me: _data(mine),
                                                                            carried.sender: _data(theirs)},
                                                          "key": key}),
                files=_json_map({"mine": file}), created_by=unit.actor.user_id, created_at=stamp, updated_at=stamp))
            record(unit.conn, unit.actor, "linkage_join", case.id, params.exchange,
                   detail={"partner": carried.sender, "records": len(file.references)})
            outgoing = self._sign(unit, "reply", params, carried.sender, {
                "contribution": _sealed_to(canonical(mine), card.encryption_key(now())),
                "file": _data(file)})
            return self._run(unit, self._row(unit, params.exchange), outgoing)

    def receive(self, caller: Caller, message: bytes) -> LinkageRun:
        """A message of a linkage under way (a reply, a summary, a confirmation or a result), checked and applied;
        the run's ``outgoing`` message, if any, is for the partner."""
        with self.gate.store.unit(caller, immediate=True) as unit:
            _may_send(unit)
            carried = self._open(unit, message, None)
            row = self._find(unit, carried.exchange)
            if row is None:
                raise NotFound(f"no linkage {carried.exchange!r} under way here")
            case = self.gate.open(unit, row.case_id, Action.exchange_send)
            if carried.sender != row.partner:
                raise VerificationFailed(f"message: {carried.sender} is not the partner of linkage {row.exchange}")
            step = {"reply": self._on_reply, "summary": self._on_summary, "confirmation": self._on_confirmation,
                    "result": self._on_result}[carried.step]
            outgoing = step(unit, case, row, carried)
            record(unit.conn, unit.actor, f"linkage_{carried.step}", case.id, row.exchange)
            return self._run(unit, self._row(unit, row.exchange), outgoing)

    def answer(self, caller: Caller, exchange: str, confirmed: bool) -> LinkageRun:
        """Confirm (or decline) the summary of a linkage: nothing is revealed to either agency before both
        confirmed the same result."""
        with self.gate.store.unit(caller, immediate=True) as unit:
            _may_send(unit)
            row = self._row(unit, exchange)
            case = self.gate.open(unit, row.case_id, Action.exchange_send)
            if row.status != "to_confirm":
                raise Conflict(f"linkage {exchange} is {row.status}: there is no summary to confirm")
            params = Parameters.model_validate_json(row.parameters)
            files = _loaded(row.files)
            mine = confirm(params, MatchSummary.model_validate_json(row.summary), unit.actor.agency_id,
                           EncodedFile.model_validate(files["mine"]), confirmed)
            answers = _loaded(row.confirmations) | {"mine": _data(mine)}
            self._update(unit, exchange, status="confirmed" if confirmed else "declined",
                         confirmations=orjson.dumps(answers).decode())
            if not confirmed:
                self._forget(unit, exchange)
            record(unit.conn, unit.actor, "linkage_confirm" if confirmed else "linkage_decline", case.id, exchange)
            outgoing = None
            if not row.matcher:
                outgoing = self._sign(unit, "confirmation", params, row.partner, {"confirmation": _data(mine)})
            elif "theirs" in answers:
                outgoing = self._reveal(unit, self._row(unit, exchange), params)
            return self._run(unit, self._row(unit, exchange), outgoing)

    def get(self, caller: Caller, exchange: str) -> LinkageRun:
        """A linkage run of the caller's agency: where it stands and, once revealed, the matches."""
        with self.gate.store.unit(caller) as unit:
            if not unit.actor.may(Action.case_read):
                raise NotPermitted(f"role {'/'.join(sorted(unit.actor.roles))} may not read cases")
            row = self._row(unit, exchange)
            self.gate.open(unit, row.case_id, Action.case_read)
            return self._run(unit, row, None)

    def list(self, caller: Caller) -> list[LinkageRun]:
        """The agency's linkage runs, newest first."""
        with self.gate.begin(caller) as unit:
            rows = unit.conn.execute(select(t.linkage_run).where(t.linkage_run.c.agency_id == unit.actor.agency_id)
                                     .order_by(t.linkage_run.c.created_at.desc())).all()
            return [self._run(unit, r, None) for r in rows]

    # -- the steps -----------------------------------------------------------------------------------------------

    def _on_reply(self, unit: Unit, case: Opened, row: Row[Any], carried: Carried) -> bytes | None:
        """At the matcher: the partner's half and file; our file; the match; the summary for both."""
        if not row.matcher or row.status != "proposed":
            raise Conflict(f"linkage {row.exchange} is {row.status}: a reply is not expected")
        params = Parameters.model_validate_json(row.parameters)
        theirs = self._contribution(unit, carried)
        secret_data = self._unseal(unit, row)
        mine = Contribution.model_validate(secret_data["contributions"][unit.actor.agency_id])
        their_file = EncodedFile.model_validate(carried.body.get("file"))
        if their_file.party != carried.sender:
            raise VerificationFailed(f"message: the file is {their_file.party}'s, not {carried.sender}'s")
        file, key = encode_file(params, self._secret(params, theirs, mine), unit.actor.agency_id,
                                self._persons(unit, case))
        result = run_match(params, file, their_file)
        summary = summarise(result)
        secret_data["contributions"][carried.sender] = _data(theirs)
        self._update(unit, row.exchange, status="to_confirm", sealed=self._seal(unit, row.exchange,
                                                                                 {**secret_data, "key": key}),
                     files=_json_map({"mine": file, "theirs": their_file}), result=_json(result),
                     summary=_json(summary))
        return self._sign(unit, "summary", params, row.partner, {"summary": _data(summary)})

    def _on_summary(self, unit: Unit, case: Opened, row: Row[Any], carried: Carried) -> bytes | None:
        """At the partner: the summary to confirm (how many matched; no names, no scores)."""
        if row.matcher or row.status != "encoded":
            raise Conflict(f"linkage {row.exchange} is {row.status}: a summary is not expected")
        summary = MatchSummary.model_validate(carried.body.get("summary"))
        self._update(unit, row.exchange, status="to_confirm", summary=_json(summary))
        return None

    def _on_confirmation(self, unit: Unit, case: Opened, row: Row[Any], carried: Carried) -> bytes | None:
        """At the matcher: the partner's answer; the result is revealed when both confirmed."""
        if not row.matcher or row.status not in ("to_confirm", "confirmed", "declined"):
            raise Conflict(f"linkage {row.exchange} is {row.status}: a confirmation is not expected")
        theirs = Confirmation.model_validate(carried.body.get("confirmation"))
        if theirs.party != carried.sender:
            raise VerificationFailed(f"message: the confirmation is {theirs.party}'s, not {carried.sender}'s")
        answers = _loaded(row.confirmations) | {"theirs": _data(theirs)}
        self._update(unit, row.exchange, confirmations=orjson.dumps(answers).decode(),
                     status=row.status if theirs.confirmed else "declined")
        if not theirs.confirmed:
            self._forget(unit, row.exchange)
        if "mine" in answers and theirs.confirmed and answers["mine"]["confirmed"]:
            return self._reveal(unit, self._row(unit, row.exchange), Parameters.model_validate_json(row.parameters))
        return None

    def _on_result(self, unit: Unit, case: Opened, row: Row[Any], carried: Carried) -> bytes | None:
        """At the partner: the revealed result, checked to be the one it confirmed; its own matches."""
        if row.matcher or row.status != "confirmed":
            raise Conflict(f"linkage {row.exchange} is {row.status}: a result is not expected")
        params = Parameters.model_validate_json(row.parameters)
        mine = Confirmation.model_validate(_loaded(row.confirmations)["mine"])
        result = check_revealed(params, MatchResult.model_validate(carried.body.get("result")), mine)
        matches = own_matches(params, result, unit.actor.agency_id, self._unseal(unit, row)["key"])
        self._update(unit, row.exchange, status="revealed", result=_json(result),
                     matches=orjson.dumps(matches).decode())
        self._forget(unit, row.exchange)
        return None

    def _reveal(self, unit: Unit, row: Row[Any], params: Parameters) -> bytes:
        answers = _loaded(row.confirmations)
        result = reveal(params, MatchResult.model_validate_json(row.result),
                        [Confirmation.model_validate(answers[k]) for k in ("mine", "theirs")])
        matches = own_matches(params, result, unit.actor.agency_id, self._unseal(unit, row)["key"])
        self._update(unit, row.exchange, status="revealed", matches=orjson.dumps(matches).decode())
        self._forget(unit, row.exchange)
        return self._sign(unit, "result", params, row.partner, {"result": _data(result)})

    def _forget(self, unit: Unit, exchange: str) -> None:
        """Once a linkage is revealed or declined, the encoded files (both agencies' CLKs), the secret halves and
        the key from references to persons are deleted: kept, they would let anyone holding the store try names
        against the partner's codes. What stays is the summary, the confirmations, the reference pairs and, once
        revealed, this agency's matches."""
        self._update(unit, exchange, files=None, sealed=self._seal(unit, exchange, {}))

    # -- inside a unit -------------------------------------------------------------------------------------------

    def _open(self, unit: Unit, message: bytes, step: str | None) -> Carried:
        me = unit.actor.agency_id
        carried = open_message(message, self.directory.partners_of(unit.conn, me).trust(), recipient=me,
                               now=now())
        if step is not None and carried.step != step:
            raise InvalidInput(f"message: a {carried.step}, not a {step}")
        return carried

    def _contribution(self, unit: Unit, carried: Carried) -> Contribution:
        sealed = carried.body.get("contribution")
        if not isinstance(sealed, str):
            raise VerificationFailed("message: the partner's sealed contribution is missing")
        keys = {key.key_id: key for key, _ in self.directory.keys(unit.conn, unit.actor.agency_id)}
        _, payload = open_file(base64.b64decode(sealed, validate=True), keys)
        contribution = Contribution.model_validate(orjson.loads(payload))
        if contribution.party != carried.sender:
            raise VerificationFailed(f"message: the contribution is {contribution.party}'s, not {carried.sender}'s")
        return contribution

    def _secret(self, params: Parameters, one: Contribution, other: Contribution) -> bytes:
        first, second = sorted((one, other), key=lambda c: params.side(c.party))
        return derive_secret(params, first, second)

    def _persons(self, unit: Unit, case: Opened) -> Sequence[tuple[str, Mapping[str, str]]]:
        """The persons of the case as the person schema's features (protected persons unsealed for encoding)."""
        rows = unit.conn.execute(select(t.entity.c.id, t.entity.c.properties, t.entity.c.sealed).where(
            t.entity.c.case_id == case.id, t.entity.c.schema == "Person").order_by(t.entity.c.id)).all()
        key = self.gate.agency_key(unit, case) if any(r.sealed is not None for r in rows) else b""
        out = []
        for r in rows:
            props = self.gate.keyring.open(key, f"{case.id}/{r.id}", r.sealed) if r.sealed is not None \
                else r.properties
            out.append((r.id, features(props)))
        if not out:
            raise InvalidInput(f"case {case.reference!r} holds no person to look for")
        return out

    def _sign(self, unit: Unit, step: Any, params: Parameters, partner: str, body: dict[str, Any]) -> bytes:
        _, signer = self.directory.signing.current(unit.conn, unit.actor.agency_id)
        return sign(step, params.exchange, body, sender=unit.actor.agency_id, recipient=partner, signer=signer)

    def _seal(self, unit: Unit, exchange: str, data: dict[str, Any]) -> bytes:
        return self.gate.seal(unit, unit.actor.agency_id, f"linkage/{exchange}", data)

    def _unseal(self, unit: Unit, row: Row[Any]) -> dict[str, Any]:
        return self.gate.unseal(unit, row.agency_id, f"linkage/{row.exchange}", row.sealed)

    def _find(self, unit: Unit, exchange: str) -> Row[Any] | None:
        return unit.conn.execute(select(t.linkage_run).where(t.linkage_run.c.agency_id == unit.actor.agency_id,
                                                             t.linkage_run.c.exchange == exchange)).first()

    def _row(self, unit: Unit, exchange: str) -> Row[Any]:
        row = self._find(unit, exchange)
        if row is None:
            raise NotFound(f"no linkage {exchange!r} in your agency")
        return row

    def _update(self, unit: Unit, exchange: str, **values: Any) -> None:
        unit.conn.execute(update(t.linkage_run).where(t.linkage_run.c.agency_id == unit.actor.agency_id,
                                                      t.linkage_run.c.exchange == exchange)
                          .values(**values, updated_at=now()))

    def _run(self, unit: Unit, row: Row[Any], outgoing: bytes | None) -> LinkageRun:
        reference = unit.conn.execute(select(t.case.c.reference).where(t.case.c.id == row.case_id)).scalar_one()
        summary = MatchSummary.model_validate_json(row.summary) if row.summary else None
        matches: list[dict[str, str]] = []
        if row.matches:
            pairs = orjson.loads(row.matches)
            labels = captions(unit.conn, row.case_id, [p[0] for p in pairs])
            matches = [{"entity": e, "label": labels.get(e, e), "partner_reference": ref} for e, ref in pairs]
        return LinkageRun(exchange=row.exchange, case_reference=reference, partner=row.partner,
                          matcher=row.matcher, status=row.status,
                          records=list(summary.records) if summary else None,
                          matched=summary.matches if summary else None, matches=matches,
                          outgoing=outgoing.decode() if outgoing is not None else None)


def _may_send(unit: Unit) -> None:
    if not unit.actor.may(Action.exchange_send):
        raise NotPermitted(f"role {'/'.join(sorted(unit.actor.roles))} may not exchange case content abroad")


def features(properties: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """An FtM Person's values for the person schema's features (given and family name from ``name`` when the
    parts are not recorded)."""
    out = {feature: values[0] for feature, props in PERSON_FEATURES.items()
           for values in [next((properties[p] for p in props if properties.get(p)), [])] if values}
    names = properties.get("name") or []
    if names and ("given_name" not in out or "family_name" not in out):
        parts = names[0].split()
        out.setdefault("given_name", parts[0] if parts else "")
        out.setdefault("family_name", parts[-1] if len(parts) > 1 else "")
    return out


def _data(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True)
    return data


def _json(model: Any) -> str:
    return str(model.model_dump_json(by_alias=True))


def _json_map(models: Mapping[str, Any]) -> str:
    return orjson.dumps({k: _data(v) for k, v in models.items()}).decode()


def _loaded(text: str | None) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(text) if text else {}
    return data


def _sealed_to(payload: bytes, recipient: Any) -> str:
    out = io.BytesIO()
    seal(payload, recipient, out)
    return base64.b64encode(out.getvalue()).decode()
