"""What routes receive: the services, and the caller behind the request's bearer token. The token is checked by
the service that does the work, in the same transaction (one transaction per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from palermo.cases.identity import Bearer
from palermo.errors import InvalidInput, NotAuthenticated
from palermo.law import Library
from palermo.services import Services


def services_of(request: Request) -> Services:
    """The services opened at start-up."""
    services: Services = request.app.state.services
    return services


def library_of(request: Request) -> Library:
    """The law library loaded at start-up."""
    return services_of(request).library


# The dependencies are `async def` although they do not await: FastAPI runs a plain `def` dependency in its
# thread pool, and those hops cost more than the dependencies themselves on every request.


async def _services(request: Request) -> Services:
    return services_of(request)


async def _library(request: Request) -> Library:
    return library_of(request)


TOKEN = HTTPBearer(auto_error=False, scheme_name="token",
                   description="an API token from POST /api/auth/token or `palermo users token`")


async def bearer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(TOKEN)]) -> Bearer:
    """The request's API token, not yet checked ('Authorization: Bearer plm_...')."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise NotAuthenticated("this endpoint needs an API token",
                               hint="POST /api/auth/token with username and password, then send "
                                    "'Authorization: Bearer <token>'")
    return Bearer("token", token)


async def client_address(request: Request) -> str:
    """The client's network address (for login throttling)."""
    return request.client.host if request.client else "unknown"


async def read_body(request: Request, limit: int, hint: str) -> bytes:
    """The request body, refused (InvalidInput) as soon as it passes ``limit`` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise InvalidInput(f"body: over the upload limit of {limit:,} bytes", hint=hint)
    return bytes(body)


Svc = Annotated[Services, Depends(_services)]
Lib = Annotated[Library, Depends(_library)]
ApiCaller = Annotated[Bearer, Depends(bearer)]
Address = Annotated[str, Depends(client_address)]
