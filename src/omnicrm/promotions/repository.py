"""Reading and writing promotions and their versions; the catalogue rules may refer to; the
compiled rules in force, cached per engine for a moment (and dropped at once on publish/pause in
this process)."""

import hashlib
import json
import threading
import time
import weakref
from functools import lru_cache

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from omnicrm.core.errors import NotFound
from omnicrm.promotions.model import PromotionRules
from omnicrm.promotions.rules import Rule, compile_rule
from omnicrm.promotions.validation import Catalogue
from omnicrm.store.schema import Brand, Category, Product, Store
from omnicrm.store.schema.loyalty import LoyaltyProgram
from omnicrm.store.schema.promotions import Promotion, PromotionAudience, PromotionVersion


def checksum(rules: dict) -> str:
    text = json.dumps(rules, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def get_promotion(session: Session, code: str, *, lock: bool = False) -> Promotion:
    query = select(Promotion).where(Promotion.code == code)
    if lock:
        query = query.with_for_update()
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"no promotion {code!r}")
    return found


def latest_version(session: Session, promotion_id: int) -> PromotionVersion | None:
    return session.scalar(
        select(PromotionVersion)
        .where(PromotionVersion.promotion_id == promotion_id)
        .order_by(PromotionVersion.version.desc())
        .limit(1)
    )


def load_catalogue(session: Session) -> Catalogue:
    levels: set[str] = set()
    for (config,) in session.execute(select(LoyaltyProgram.config)):
        for tier in ((config or {}).get("levels") or {}).get("tiers", []):
            levels.add(tier["code"])
    categories: set[str] = set()
    for path, name in session.execute(select(Category.path, Category.name)):
        categories.update((path, name))
    return Catalogue(
        skus=frozenset(session.scalars(select(Product.sku))),
        categories=frozenset(categories),
        brands=frozenset(session.scalars(select(Brand.name))),
        stores=frozenset(session.scalars(select(Store.code))),
        levels=frozenset(levels),
        segments=None,
    )


def segments_of(conn: Connection, customer_id: int) -> frozenset[str]:
    return frozenset(
        conn.scalars(
            select(PromotionAudience.segment).where(PromotionAudience.customer_id == customer_id)
        )
    )


# --- rules in force -------------------------------------------------------------------------

TTL_SECONDS = 2.0
"""How long another process's publish may take to be seen by this one."""

_ACTIVE: "weakref.WeakKeyDictionary[Engine, tuple[float, tuple[Rule, ...]]]" = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


@lru_cache(maxsize=4096)
def _compiled(promotion_id: int, version: int, text: str) -> Rule:
    return compile_rule(PromotionRules.model_validate_json(text), version, promotion_id)


def compiled_version(conn: Connection, promotion_id: int, version: int) -> Rule:
    """Version ``version`` of a promotion, compiled (versions never change, so it is cached)."""
    rules = conn.scalar(
        select(PromotionVersion.rules).where(
            PromotionVersion.promotion_id == promotion_id, PromotionVersion.version == version
        )
    )
    if rules is None:
        raise NotFound(f"promotion {promotion_id} has no version {version}")
    return _compiled(promotion_id, version, json.dumps(rules, sort_keys=True))


def active_rules(conn: Connection) -> tuple[Rule, ...]:
    """The published version of every active promotion, compiled, in evaluation order."""
    engine = conn.engine
    cached = _ACTIVE.get(engine)
    if cached is not None and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    rows = conn.execute(
        select(Promotion.id, PromotionVersion.version, PromotionVersion.rules)
        .join(
            PromotionVersion,
            (PromotionVersion.promotion_id == Promotion.id)
            & (PromotionVersion.version == Promotion.version),
        )
        .where(Promotion.status == "active")
    ).all()
    rules = tuple(
        sorted(
            (_compiled(pid, version, json.dumps(r, sort_keys=True)) for pid, version, r in rows),
            key=lambda rule: rule.order,
        )
    )
    with _LOCK:
        _ACTIVE[engine] = (time.monotonic(), rules)
    return rules


def forget_active(engine: Engine) -> None:
    """Drop the cached rules (after a publish or pause in this process)."""
    with _LOCK:
        _ACTIVE.pop(engine, None)
