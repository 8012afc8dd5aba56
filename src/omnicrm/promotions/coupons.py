"""Coupons and promo codes: a mass code (one code many may use) or a batch of unique codes, each
batch with uses per code, uses per customer and an expiry; checking a code and redeeming it
(on confirm) and giving the use back (on a return or cancel of the whole receipt).

Unique codes are drawn from the OS's random source over an alphabet without look-alikes (no 0/O,
1/I), built as a byte matrix with numpy, and inserted through a staging table (COPY on
PostgreSQL, executemany on SQLite) so that a code already taken is skipped and drawn again."""

import io
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.orm import Session

from omnicrm.campaigns.holdout import held_out
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord
from omnicrm.promotions import budgets, repository
from omnicrm.store.schema.promotions import (
    Coupon,
    CouponBatch,
    CouponRedemption,
    Promotion,
)

ALPHABET = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 random bits each
_TABLE = np.frombuffer(ALPHABET, dtype=np.uint8)


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


MIN_LENGTH, MAX_LENGTH = 6, 12


def draw_codes(n: int, length: int = 12, prefix: str = "") -> np.ndarray:
    """``n`` distinct random codes as a 1-D array of byte strings (``prefix`` + ``length``
    symbols). Each code is a random number of ``5 * length`` bits (at most 60: one uint64), so
    repeats are dropped by a fast integer ``unique`` before spelling the numbers out."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"code length must be {MIN_LENGTH}..{MAX_LENGTH}")
    values = np.empty(0, dtype=np.uint64)
    mask = np.uint64((1 << (5 * length)) - 1)
    while len(values) < n:
        need = n - len(values)
        fresh = np.frombuffer(secrets.token_bytes(need * 8), dtype=np.uint64) & mask
        values = np.unique(np.concatenate([values, fresh]))
    values = values[:n]
    np.random.default_rng(secrets.randbits(64)).shuffle(values)  # not in sorted order
    head = normalize_code(prefix).encode()
    width = len(head) + length
    rows = np.empty((n, width), dtype=np.uint8)
    rows[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    for k in range(length):
        rows[:, len(head) + k] = _TABLE[(values >> np.uint64(5 * k)) & np.uint64(31)]
    return rows.view(f"S{width}").ravel()


def as_strings(codes: np.ndarray) -> list[str]:
    return [code.decode() for code in codes.tolist()]


@dataclass(frozen=True, slots=True)
class BatchOut:
    batch_id: int
    promotion: str
    kind: str
    size: int
    codes_sample: list[str]


def _insert_codes(conn: Connection, batch_id: int, codes: list[str]) -> int:
    """Insert the codes not taken yet (in code order, so the unique index grows in order);
    returns how many went in."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS coupon_stage (code varchar(40)) ON COMMIT DROP"
        )
        conn.exec_driver_sql("TRUNCATE coupon_stage")
        driver = conn.connection.driver_connection
        buffer = io.StringIO("\n".join(codes) + "\n")
        with driver.cursor() as cur, cur.copy("COPY coupon_stage (code) FROM STDIN") as copy:  # type: ignore[union-attr]
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        result = conn.execute(
            text(
                "INSERT INTO coupons (batch_id, code, uses) SELECT :batch, code, 0 "
                "FROM coupon_stage ORDER BY code ON CONFLICT (code) DO NOTHING"
            ),
            {"batch": batch_id},
        )
        return result.rowcount
    driver = conn.connection.driver_connection
    before = driver.total_changes  # type: ignore[union-attr]
    driver.executemany(  # type: ignore[union-attr]
        "INSERT OR IGNORE INTO coupons (batch_id, code, uses) VALUES (?, ?, 0)",
        ((batch_id, code) for code in sorted(codes)),
    )
    return driver.total_changes - before  # type: ignore[union-attr]


def generate_coupons(
    session: Session,
    promotion_code: str,
    now: datetime,
    *,
    count: int = 0,
    code: str | None = None,
    max_uses: int | None = 1,
    per_customer: int | None = None,
    expires_at: datetime | None = None,
    length: int = 12,
    prefix: str = "",
) -> BatchOut:
    """A batch: the mass code ``code`` (uses limited by ``max_uses``, None: unlimited) or
    ``count`` unique codes (each usable ``max_uses`` times)."""
    promotion = repository.get_promotion(session, promotion_code)
    if (code is None) == (count <= 0):
        raise InvalidRecord([FieldError("count", "give either count (unique) or code (mass)")])
    kind = "mass" if code is not None else "unique"
    batch = CouponBatch(
        promotion_id=promotion.id,
        kind=kind,
        size=1 if code is not None else count,
        max_uses=max_uses,
        per_customer=per_customer,
        expires_at=expires_at,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    conn = session.connection()
    if code is not None:
        wanted = normalize_code(code)
        if not wanted or _insert_codes(conn, batch.id, [wanted]) != 1:
            raise Conflict(
                f"code {wanted!r} is taken", details=[{"field": "code", "message": "taken"}]
            )
        sample = [wanted]
    else:
        sample = []
        left = count
        while left > 0:
            codes = as_strings(draw_codes(left, length, prefix))
            sample = sample or codes[:10]
            left -= _insert_codes(conn, batch.id, codes)
    return BatchOut(batch.id, promotion.code, kind, batch.size, sample)


@dataclass(frozen=True, slots=True)
class CouponCheck:
    code: str
    valid: bool
    reason: str
    promotion: str | None = None
    coupon_id: int | None = None
    batch_id: int | None = None


def check_coupon(
    conn: Connection, code: str, customer_id: int | None, now: datetime
) -> CouponCheck:
    """Whether ``code`` may be used now by the customer, and for which promotion."""
    code = normalize_code(code)
    row = conn.execute(
        select(
            Coupon.id,
            Coupon.uses,
            CouponBatch.id.label("batch_id"),
            CouponBatch.max_uses,
            CouponBatch.per_customer,
            CouponBatch.expires_at,
            Promotion.code.label("promotion"),
            Promotion.status,
        )
        .join(CouponBatch, CouponBatch.id == Coupon.batch_id)
        .join(Promotion, Promotion.id == CouponBatch.promotion_id)
        .where(Coupon.code == code)
    ).first()
    if row is None:
        return CouponCheck(code, False, "unknown code")
    found = {"promotion": row.promotion, "coupon_id": row.id, "batch_id": row.batch_id}
    if row.status != "active":
        return CouponCheck(code, False, f"promotion {row.promotion} is {row.status}", **found)
    if row.expires_at is not None and now >= row.expires_at:
        return CouponCheck(code, False, "expired", **found)
    if row.max_uses is not None and row.uses >= row.max_uses:
        return CouponCheck(code, False, "already used", **found)
    if row.per_customer is not None:
        if customer_id is None:
            return CouponCheck(code, False, "the customer must be identified", **found)
        mine = conn.scalar(
            select(func.count()).where(
                CouponRedemption.batch_id == row.batch_id,
                CouponRedemption.customer_id == customer_id,
                CouponRedemption.restored_at.is_(None),
            )
        )
        if mine >= row.per_customer:
            return CouponCheck(code, False, "the customer's uses are spent", **found)
    if customer_id is not None and (held := held_out(conn, code, customer_id, now)):
        return CouponCheck(code, False, held, **found)
    return CouponCheck(code, True, "valid", **found)


def check_coupon_in_force(
    conn: Connection, code: str, customer_id: int | None, now: datetime
) -> CouponCheck:
    """The coupon check's answer by the till's rules: the code itself (``check_coupon``), then
    its promotion as the till holds it (the published version in force): its dates, and room in
    its budget, the whole and the customer's share, for one more use."""
    check = check_coupon(conn, code, customer_id, now)
    if not check.valid:
        return check
    rule = next((r for r in repository.active_rules(conn) if r.code == check.promotion), None)
    if rule is None or rule.promotion_id is None:
        return replace(check, valid=False, reason=f"promotion {check.promotion} is not published")
    why = rule.out_of_dates(now) or budgets.spent(
        conn, rule.promotion_id, customer_id, rule.definition.budget
    )
    return replace(check, valid=False, reason=why) if why else check


def redeem_use(conn: Connection, check: CouponCheck) -> bool:
    """Use the code once; False when a concurrent till took its last use first (the row's
    conditional UPDATE waits for the other's commit and re-checks). Per-customer limits hold
    because the customer's account is locked for the whole confirm."""
    max_uses = conn.scalar(select(CouponBatch.max_uses).where(CouponBatch.id == check.batch_id))
    query = update(Coupon).where(Coupon.id == check.coupon_id)
    if max_uses is not None:
        query = query.where(Coupon.uses < max_uses)
    return conn.execute(query.values(uses=Coupon.uses + 1)).rowcount == 1


def unuse(conn: Connection, coupon_id: int) -> None:
    conn.execute(update(Coupon).where(Coupon.id == coupon_id).values(uses=Coupon.uses - 1))


def record_redemption(
    conn: Connection, check: CouponCheck, customer_id: int | None, operation_id: int, now: datetime
) -> None:
    conn.execute(
        CouponRedemption.__table__.insert().values(
            coupon_id=check.coupon_id,
            batch_id=check.batch_id,
            customer_id=customer_id,
            operation_id=operation_id,
            redeemed_at=now,
        )
    )


def give_back(conn: Connection, operation_id: int, now: datetime) -> int:
    """Give back every code the receipt used; returns how many."""
    ids = list(
        conn.scalars(
            select(CouponRedemption.coupon_id).where(
                CouponRedemption.operation_id == operation_id,
                CouponRedemption.restored_at.is_(None),
            )
        )
    )
    for coupon_id in ids:
        conn.execute(update(Coupon).where(Coupon.id == coupon_id).values(uses=Coupon.uses - 1))
    if ids:
        conn.execute(
            update(CouponRedemption)
            .where(
                CouponRedemption.operation_id == operation_id,
                CouponRedemption.restored_at.is_(None),
            )
            .values(restored_at=now)
        )
    return len(ids)


def list_batches(session: Session, promotion_code: str) -> list[dict]:
    promotion = repository.get_promotion(session, promotion_code)
    rows = session.execute(
        select(CouponBatch, func.count(Coupon.id), func.coalesce(func.sum(Coupon.uses), 0))
        .outerjoin(Coupon, Coupon.batch_id == CouponBatch.id)
        .where(CouponBatch.promotion_id == promotion.id)
        .group_by(CouponBatch.id)
        .order_by(CouponBatch.id)
    ).all()
    return [
        {
            "batch_id": b.id,
            "kind": b.kind,
            "size": b.size,
            "codes": int(n),
            "uses": int(uses),
            "max_uses": b.max_uses,
            "per_customer": b.per_customer,
            "expires_at": b.expires_at,
        }
        for b, n, uses in rows
    ]


def list_codes(session: Session, batch_id: int, limit: int = 1000, after: int = 0) -> list[dict]:
    rows = session.execute(
        select(Coupon.id, Coupon.code, Coupon.uses)
        .where(Coupon.batch_id == batch_id, Coupon.id > after)
        .order_by(Coupon.id)
        .limit(limit)
    ).all()
    return [{"id": i, "code": c, "uses": u} for i, c, u in rows]
