"""Erasure on request (S2): the person behind a profile is forgotten across the identity graph,
while what they bought stays as anonymous facts.

Every profile merged into them is anonymised (names, birth date, gender, city, registered
address; the member key that was their card). Their identifiers go from the resolved index and
from the raw records' ``record_identifiers`` (normalised values and the channel's own
spellings), the addresses those records gave from ``record_addresses``, and their keyed
hashes go on the suppression list so a later import or stream does not bring them back. Free
text goes too: contact names and delivery addresses of orders, personal event attributes,
merge and review evidence, tokens, SMS codes, the rejected import rows that quoted them.
Orders, lines, payments, returns and the loyalty ledger keep their amounts, dates, stores and
products (and their anonymous profile id), so revenue, KPIs and balances still add up.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, tuple_, update
from sqlalchemy.orm import Session

from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.privacy.holdings import Holdings, T, holdings
from omnicrm.privacy.suppression import anonymous_attrs, digest
from omnicrm.store.schema import Erasure, Suppression

MAX_REASON = 500
MIN_SCANNED = 4
"""Values shorter than this are not searched for inside other text (they would match words)."""
ERASED = "erased"
NAME_COLUMNS = ("last_name", "first_name", "middle_name")


def erase_customer(
    session: Session, customer_id: int, *, reason: str, actor: str, now: datetime
) -> Erasure:
    """Forget the person behind ``customer_id``; the recorded erasure comes back."""
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        message = "say why (at most 500 characters)" if reason else "required: say why"
        raise InvalidRecord([FieldError("reason", message)])
    held = holdings(session, customer_id)
    pairs = _identifier_pairs(held)
    texts = _personal_texts(held, pairs)
    erasure = Erasure(
        customer_id=held.customer_id,
        profile_ids=held.profile_ids,
        reason=reason,
        actor=actor[:100],
        erased_at=now,
        removed={name: len(rows) for name, rows in held.tables.items() if rows},
    )
    session.add(erasure)
    session.flush()
    _suppress(session, erasure, pairs, now)
    _forget_identifiers(session, held, pairs)
    _anonymise_profiles(session, held)
    _anonymise_records(session, held, texts)
    _forget_loyalty_secrets(session, held, pairs)
    _forget_rejected_rows(session, texts)
    session.flush()
    return erasure


def _identifier_pairs(held: Holdings) -> set[tuple[str, str]]:
    pairs = {(r["kind"], r["value"]) for r in held.tables["identifiers"]}
    pairs |= {(r["kind"], r["value"]) for r in held.tables["record_identifiers"]}
    pairs |= {("card", r["card"]) for r in held.tables["loyalty_registry"] if r["card"]}
    return pairs


def _personal_texts(held: Holdings, pairs: set[tuple[str, str]]) -> set[str]:
    """Every spelling of the person that may be quoted in other text."""
    texts = {value for _, value in pairs}
    texts |= {r["raw"] for r in held.tables["record_identifiers"] if r["raw"]}
    texts |= {r[c] for r in held.tables["customers"] for c in NAME_COLUMNS if r[c]}
    texts |= {r["contact_name"] for r in held.tables["orders"] if r["contact_name"]}
    texts |= {r["address"] for r in held.tables["fulfilments"] if r["address"]}
    texts |= {r["raw"] for r in held.tables["record_addresses"] if r["raw"]}
    texts |= {r["value"] for r in held.tables["loyalty_tokens"]}
    return {t for t in texts if len(t) >= MIN_SCANNED}


def _suppress(
    session: Session, erasure: Erasure, pairs: set[tuple[str, str]], now: datetime
) -> None:
    digests = {digest(kind, value): kind for kind, value in pairs}
    known = set(session.scalars(select(Suppression.digest).where(Suppression.digest.in_(digests))))
    session.add_all(
        Suppression(kind=kind, digest=d, erasure_id=erasure.id, created_at=now)
        for d, kind in sorted(digests.items())
        if d not in known
    )


def _forget_identifiers(session: Session, held: Holdings, pairs: set[tuple[str, str]]) -> None:
    q = T["quarantined_identifiers"]
    for profiled in ("identifiers", "customer_predictions"):  # a model's view of them goes too
        session.execute(delete(T[profiled]).where(T[profiled].c.customer_id.in_(held.profile_ids)))
    for name in ("record_identifiers", "record_addresses"):  # what their raw records carried
        table = T[name]
        keys = sorted({(r["record_type"], r["record_id"]) for r in held.tables[name]})
        for chunk in _chunks(keys):
            session.execute(
                delete(table).where(tuple_(table.c.record_type, table.c.record_id).in_(chunk))
            )
    for chunk in _chunks(sorted(pairs)):
        session.execute(delete(q).where(tuple_(q.c.kind, q.c.value).in_(chunk)))


def _anonymise_profiles(session: Session, held: Holdings) -> None:
    customers = T["customers"]
    for customer_id in held.profile_ids:
        session.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(
                **dict.fromkeys(NAME_COLUMNS),
                birth_date=None,
                birth_date_raw=None,
                gender=None,
                city=None,
                source_key=f"{ERASED}/{customer_id}",
            )
        )
    for name in ("identity_merges", "identity_review_queue"):
        for row in held.tables[name]:
            session.execute(
                update(T[name]).where(T[name].c.id == row["id"]).values(evidence={ERASED: True})
            )
    merges = T["identity_merges"]
    session.execute(
        update(merges)
        .where(merges.c.id.in_(held.ids("identity_merges")))
        .values(undone_reason=None)
    )
    rules = T["identity_rules"]
    session.execute(
        update(rules).where(rules.c.id.in_(held.ids("identity_rules"))).values(reason=ERASED)
    )


def _anonymise_records(session: Session, held: Holdings, texts: set[str]) -> None:
    orders, fulfilments, events = T["orders"], T["fulfilments"], T["events"]
    order_ids = held.ids("orders")
    session.execute(update(orders).where(orders.c.id.in_(order_ids)).values(contact_name=None))
    session.execute(
        update(fulfilments).where(fulfilments.c.order_id.in_(order_ids)).values(address=None)
    )
    for row in held.tables["orders"]:
        if _quotes(row["source_key"], texts):
            session.execute(
                update(orders)
                .where(orders.c.id == row["id"])
                .values(source_key=f"{ERASED}/{row['id']}")
            )
    for row in held.tables["events"]:
        values: dict[str, Any] = {}
        attrs = redact(anonymous_attrs(row["attrs"] or {}), texts)
        if attrs != row["attrs"]:
            values["attrs"] = attrs
        if _quotes(row["source_key"], texts):
            values["source_key"] = f"{ERASED}/{row['id']}"
        if values:
            session.execute(update(events).where(events.c.id == row["id"]).values(**values))
    operations = T["loyalty_operations"]
    for row in held.tables["loyalty_operations"]:
        values = {}
        response = redact(row["response"], texts)
        if response != row["response"]:
            values["response"] = response
        if _quotes(row["op_key"], texts):  # a registry migration is keyed by the card
            values["op_key"] = f"{ERASED}/{row['id']}"
        if values:
            session.execute(update(operations).where(operations.c.id == row["id"]).values(**values))


def _forget_loyalty_secrets(session: Session, held: Holdings, pairs: set[tuple[str, str]]) -> None:
    """Tokens and SMS codes name the person; the registry's card is blanked, the accounts and
    their ledger stay (balances, levels and revenue still add up)."""
    registry, accounts, tokens, codes = (
        T["loyalty_registry"], T["loyalty_accounts"], T["loyalty_tokens"], T["loyalty_sms_codes"]
    )  # fmt: skip
    session.execute(
        update(registry).where(registry.c.customer_id.in_(held.profile_ids)).values(card="")
    )
    account_ids = held.ids("loyalty_accounts")
    session.execute(
        update(accounts).where(accounts.c.id.in_(account_ids)).values(referral_code=None)
    )
    session.execute(delete(tokens).where(tokens.c.account_id.in_(account_ids)))
    phones = sorted(value for kind, value in pairs if kind == "phone")
    session.execute(delete(codes).where(codes.c.phone.in_(phones)))


def _forget_rejected_rows(session: Session, texts: set[str]) -> None:
    """A rejected row keeps the source's raw record; one that quoted the person loses it."""
    errors = T["import_errors"]
    for text in sorted(texts):
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        quoted = or_(
            errors.c.raw.like(pattern, escape="\\"), errors.c.message.like(pattern, escape="\\")
        )
        session.execute(update(errors).where(quoted).values(raw=None, message=ERASED))


def redact(value: Any, texts: set[str]) -> Any:
    """``value`` (JSON) with every string that quotes one of ``texts`` replaced."""
    if isinstance(value, dict):
        return {k: redact(v, texts) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, texts) for v in value]
    if isinstance(value, str) and _quotes(value, texts):
        return ERASED
    return value


def _quotes(value: str | None, texts: set[str]) -> bool:
    if not value:
        return False
    folded = value.casefold()
    return any(t.casefold() in folded for t in texts)


def _chunks(items: Iterable[Any], size: int = 500) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
