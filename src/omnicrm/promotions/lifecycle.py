"""Use cases of the marketer's promotion constructor: create a draft, change it, validate it,
publish it as a new immutable version, pause it. Each takes the unit of work's session."""

from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from omnicrm.core.errors import Conflict, FieldError, InvalidRecord
from omnicrm.promotions import repository
from omnicrm.promotions.model import PromotionRules
from omnicrm.promotions.validation import check_references, parse_rules
from omnicrm.store.schema.promotions import Promotion, PromotionBudget, PromotionVersion


def _forget_active(session: Session) -> None:
    """Drop this process's cached rules now and again once the change is committed."""
    engine = session.get_bind().engine
    repository.forget_active(engine)
    event.listen(session, "after_commit", lambda _: repository.forget_active(engine), once=True)


def _rules(session: Session, data: dict) -> PromotionRules:
    rules = parse_rules(data)
    errors = check_references(rules, repository.load_catalogue(session))
    if errors:
        raise InvalidRecord(errors)
    return rules


def create_promotion(session: Session, data: dict, now: datetime) -> Promotion:
    """A new promotion in draft, its rules validated on save."""
    rules = _rules(session, data)
    if session.scalar(select(Promotion.id).where(Promotion.code == rules.code)) is not None:
        raise Conflict(
            f"promotion {rules.code!r} exists", details=[{"field": "code", "message": "exists"}]
        )
    promotion = Promotion(
        code=rules.code,
        name=rules.name,
        status="draft",
        draft=rules.model_dump(mode="json"),
        version=None,
        created_at=now,
        updated_at=now,
    )
    session.add(promotion)
    session.flush()
    return promotion


def update_draft(session: Session, code: str, data: dict, now: datetime) -> Promotion:
    """Replace the draft (the published version in force stays as it is until published)."""
    promotion = repository.get_promotion(session, code, lock=True)
    rules = _rules(session, data)
    if rules.code != code:
        raise InvalidRecord([FieldError("code", "a promotion's code cannot change")])
    promotion.draft = rules.model_dump(mode="json")
    promotion.name = rules.name
    promotion.updated_at = now
    return promotion


def validate_draft(session: Session, code: str) -> PromotionRules:
    """Check the stored draft against the catalogue as it is now."""
    return _rules(session, repository.get_promotion(session, code).draft)


def publish_promotion(session: Session, code: str, now: datetime) -> PromotionVersion:
    """Put the draft in force: a new version when the rules changed, the same one otherwise."""
    promotion = repository.get_promotion(session, code, lock=True)
    rules = _rules(session, promotion.draft)
    data = rules.model_dump(mode="json")
    digest = repository.checksum(data)
    latest = repository.latest_version(session, promotion.id)
    if latest is None or latest.checksum != digest:
        latest = PromotionVersion(
            promotion_id=promotion.id,
            version=(latest.version + 1) if latest else 1,
            rules=data,
            checksum=digest,
            published_at=now,
        )
        session.add(latest)
    if session.get(PromotionBudget, (promotion.id, 0)) is None:
        session.add(PromotionBudget(promotion_id=promotion.id, customer_id=0))
    promotion.version = latest.version
    promotion.status = "active"
    promotion.updated_at = now
    session.flush()
    _forget_active(session)
    return latest


def pause_promotion(session: Session, code: str, now: datetime) -> Promotion:
    promotion = repository.get_promotion(session, code, lock=True)
    if promotion.status != "active":
        raise Conflict(f"promotion {code!r} is {promotion.status}, not active")
    promotion.status = "paused"
    promotion.updated_at = now
    session.flush()
    _forget_active(session)
    return promotion


def list_versions(session: Session, code: str) -> list[PromotionVersion]:
    promotion = repository.get_promotion(session, code)
    return list(
        session.scalars(
            select(PromotionVersion)
            .where(PromotionVersion.promotion_id == promotion.id)
            .order_by(PromotionVersion.version)
        )
    )
