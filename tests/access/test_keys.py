import pytest
from sqlalchemy import Engine, select

from omnicrm.access.keys import authenticate, create_key, revoke_key, rotate_key
from omnicrm.core.errors import Conflict, Forbidden, Unauthorized
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import ApiKey


def test_a_key_authenticates_with_its_scopes_and_is_stored_only_as_a_hash(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        secret = create_key(session, "pos-001", ["ingest:pos", "ingest:pos"])
    with read_session(engine) as session:
        caller = authenticate(session, secret)
        stored = session.scalar(select(ApiKey))
    assert caller.name == "pos-001"
    assert caller.allows("ingest:pos")
    assert not caller.allows("ingest:web")
    assert secret not in (stored.secret_hash, stored.prefix, stored.scopes)
    with pytest.raises(Forbidden, match="ingest:web"):
        caller.require("ingest:web")


def test_wildcard_scopes(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        family = create_key(session, "site", ["ingest:*"])
        everything = create_key(session, "admin", ["*"])
    with read_session(engine) as session:
        assert authenticate(session, family).allows("ingest:web")
        assert not authenticate(session, family).allows("till:confirm")
        assert authenticate(session, everything).allows("till:confirm")


def test_missing_unknown_and_revoked_keys_are_refused(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        secret = create_key(session, "app", ["ingest:app"])
        with pytest.raises(Conflict):
            create_key(session, "app", ["ingest:app"])
    with read_session(engine) as session:
        for bad in (None, "", "ocrm_nope"):
            with pytest.raises(Unauthorized):
                authenticate(session, bad)
    with unit_of_work(engine) as session:
        revoke_key(session, "app")
    with read_session(engine) as session, pytest.raises(Unauthorized, match="revoked"):
        authenticate(session, secret)


def test_rotation_replaces_the_secret_and_revives_a_revoked_key(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        old = create_key(session, "demo", ["customers:read"])
        revoke_key(session, "demo")
        new = rotate_key(session, "demo", ["*"])
        fresh = rotate_key(session, "other", ["ingest:web"])
    with read_session(engine) as session:
        assert authenticate(session, new).allows("identity:manage")
        assert authenticate(session, fresh).name == "other"
        with pytest.raises(Unauthorized):
            authenticate(session, old)


def test_the_key_cache_reads_a_key_once_and_sees_a_revocation_after_its_ttl(
    engine: Engine,
) -> None:
    """A server process verifies keys from memory; a revocation made elsewhere (the command
    line, another process) takes effect once the entry is older than the cache's ttl."""
    from omnicrm.access.key_cache import KeyCache

    with unit_of_work(engine) as session:
        secret = create_key(session, "till-9", ["till:*"])
    clock = [100.0]
    cache = KeyCache(ttl=2.0, clock=lambda: clock[0])
    assert cache.caller(engine, secret).name == "till-9"
    with unit_of_work(engine) as session:
        revoke_key(session, "till-9")
    clock[0] += 1.5
    assert cache.caller(engine, secret).allows("till:confirm")  # still trusted inside the ttl
    clock[0] += 1.0
    with pytest.raises(Unauthorized, match="revoked"):
        cache.caller(engine, secret)
    for bad in (None, "", "ocrm_nope"):
        with pytest.raises(Unauthorized):
            cache.caller(engine, bad)
    with unit_of_work(engine) as session:  # a key issued after a miss works at once
        later = create_key(session, "till-10", ["till:calculate"])
    assert cache.caller(engine, later).name == "till-10"
