"""/api/cases/{ref}/linkage, /api/linkage: privacy-preserving linkage with a partner agency (do we hold the same
people?) without handing over names. Each step answers with the signed message to carry to the partner
(`outgoing`); the partner's messages are posted here. Thin routes over the case store's linkages."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import ApiCaller, Svc
from palermo.model import LinkageRun

router = APIRouter(prefix="/api", tags=["linkage"])
Message = Annotated[dict[str, Any], Body(description="a signed linkage message from the partner, as it came")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Start(Strict):
    partner: str = Field(description="the partner agency (in your partner directory)")
    threshold: float | None = Field(default=None, gt=0, le=1, description="a fixed similarity at which two persons "
                                    "match (default: the matcher chooses it from the exchange's own scores)")


class Answer(Strict):
    confirmed: bool = Field(description="reveal the matches (true) or stop here (false)")


@router.post("/cases/{ref}/linkage", status_code=201)
def start(ref: str, body: Start, caller: ApiCaller, svc: Svc) -> LinkageRun:
    """Propose a linkage of the case's persons with a partner; you match. Carry `outgoing` to the partner."""
    return svc.linkages.start(caller, ref, body.partner, body.threshold)


@router.post("/cases/{ref}/linkage/join", status_code=201)
def join(ref: str, message: Message, caller: ApiCaller, svc: Svc) -> LinkageRun:
    """Take part, with the case's persons, in a linkage a partner proposed (its signed proposal as body)."""
    return svc.linkages.join(caller, ref, orjson.dumps(message))


@router.post("/linkage/messages")
def receive(message: Message, caller: ApiCaller, svc: Svc) -> LinkageRun:
    """A partner's signed message of a linkage under way (reply, summary, confirmation, result)."""
    return svc.linkages.receive(caller, orjson.dumps(message))


@router.post("/linkage/{exchange}/answer")
def answer(exchange: str, body: Answer, caller: ApiCaller, svc: Svc) -> LinkageRun:
    """Confirm or decline the summary; nothing is revealed before both agencies confirmed."""
    return svc.linkages.answer(caller, exchange, body.confirmed)


@router.get("/linkage")
def runs(caller: ApiCaller, svc: Svc) -> list[LinkageRun]:
    """The agency's linkage runs, newest first."""
    return svc.linkages.list(caller)


@router.get("/linkage/{exchange}")
def run(exchange: str, caller: ApiCaller, svc: Svc) -> LinkageRun:
    """A linkage run: where it stands and, once revealed, your matched persons beside the partner's references."""
    return svc.linkages.get(caller, exchange)
