"""Dependencies routes declare as `Annotated` aliases: engine, read session, caller, now. The
ones with no I/O are ``async`` so FastAPI runs them without a trip to the thread pool; the
caller comes from the app's key cache (``access.key_cache``)."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from omnicrm.access.audit import read_of, record_key_read
from omnicrm.access.keys import Caller
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Forbidden
from omnicrm.store.db import read_session, unit_of_work


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_read_session(engine: EngineDep) -> Iterator[Session]:
    with read_session(engine) as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(get_read_session)]


async def current_time(request: Request) -> datetime:
    """Now, from ``app.state.clock`` when one is set (tests, replays), else the wall clock."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utcnow()


NowDep = Annotated[datetime, Depends(current_time)]


async def get_caller(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> Caller:
    """The key's caller from the process's cache (a database read only when the key was not
    read in the last ``OMNICRM_API_KEY_CACHE_SECONDS``)."""
    return request.app.state.keys.caller(request.app.state.engine, x_api_key)


CallerDep = Annotated[Caller, Depends(get_caller)]


def scope_checker(scope_of: Callable[..., str]) -> Callable[..., Caller]:
    """A dependency that requires the scope ``scope_of(**path_params)`` of the caller."""

    async def check(request: Request, caller: CallerDep) -> Caller:
        caller.require(scope_of(**request.path_params))
        return caller

    return check


def requires(scope: str) -> Any:
    """A route dependency admitting only callers whose key has ``scope``."""
    return Depends(scope_checker(lambda **_: scope))


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def requires_by_method(read: str, write: str | None) -> Any:
    """A router dependency: reads need ``read``, anything that may change state (POST, PUT,
    PATCH, DELETE) needs ``write`` (no ``write``: such routes are refused), so a read-only key
    never changes anything, whatever routes the router gains later."""

    async def check(request: Request, caller: CallerDep) -> Caller:
        if request.method in READ_METHODS:
            caller.require(read)
        elif write is None:
            raise Forbidden(f"key {caller.name!r}: no scope allows {request.method} here")
        else:
            caller.require(write)
        return caller

    return Depends(check)


def rate_limited(limit: str, what: str) -> Any:
    """A route dependency taking a token of the app's limit ``limit`` for the caller's key."""

    def check(request: Request, caller: CallerDep) -> None:
        limiter = getattr(request.app.state.rate_limits, limit)
        limiter.check(caller.name, what)

    return Depends(check)


def _audit_key_read(
    request: Request, caller: CallerDep, engine: EngineDep, now: NowDep
) -> Iterator[None]:
    yield  # a failed read (404, 422) read nothing: only an answered one is recorded
    if request.method not in READ_METHODS:
        return  # a change is recorded by its own use case (an erasure, a consent change)
    route = request.scope.get("route")
    action, subject = read_of(request.path_params, getattr(route, "path", request.url.path))
    with unit_of_work(engine) as session:
        record_key_read(session, caller.key_id, action, subject, now)


AUDITED_READ = Depends(_audit_key_read, scope="function")
"""A router dependency recording each answered read of personal data with the key that made it,
before the answer leaves."""
