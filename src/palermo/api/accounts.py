"""/api/auth, /api/agencies, /api/users: tokens, the agency directory and an agency's users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from palermo.api.deps import Address, ApiCaller, Svc

router = APIRouter(prefix="/api", tags=["auth"])
LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong username or password"},
    429: {"description": "too many failed logins for this user or address; see Retry-After"}}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenRequest(Strict):
    username: str = Field(max_length=120)
    password: str = Field(max_length=1000)
    label: str = Field(default="api", max_length=200)
    days: int = Field(default=30, ge=1, le=366)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"


class NewUser(Strict):
    username: str
    roles: list[str] = Field(min_length=1)
    display_name: str = ""


@router.post("/auth/token", responses=LOGIN_ERRORS)
def issue_token(body: TokenRequest, svc: Svc, address: Address) -> TokenOut:
    """Exchange a username and password for an API token (shown once; stored hashed). Failed attempts are
    recorded and throttled per user and per address."""
    actor = svc.accounts.login(body.username, body.password, address)
    return TokenOut(token=svc.accounts.issue_token(actor, body.label, body.days))


@router.delete("/auth/token")
def revoke_tokens(caller: ApiCaller, svc: Svc, label: str | None = None) -> dict[str, int]:
    """Revoke the caller's tokens (all, or those with a label)."""
    return {"revoked": svc.accounts.revoke_tokens(caller, label)}


@router.get("/agencies")
def list_agencies(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """The agencies of this deployment (a directory to share cases with)."""
    return svc.accounts.agencies(caller)


@router.get("/users")
def list_users(caller: ApiCaller, svc: Svc) -> list[dict[str, Any]]:
    """The users of the caller's agency (administrators)."""
    return [u.__dict__ for u in svc.accounts.agency_users(caller)]


@router.post("/users", status_code=201)
def add_user(body: NewUser, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Create a user in the caller's agency (administrators); the generated password is shown once."""
    user, password = svc.accounts.add_user(body.username, None, body.roles, display_name=body.display_name,
                                           by=caller)
    return {**user.__dict__, "password": password}


