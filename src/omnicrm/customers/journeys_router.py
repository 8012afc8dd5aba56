"""HTTP routes for journeys aggregated over all customers (C4, C6)."""

from typing import Annotated

from fastapi import APIRouter, Query

from omnicrm.api.deps import ReadSessionDep
from omnicrm.core.bounds import Instant
from omnicrm.customers.paths import PathQuery, journey_paths
from omnicrm.customers.schemas import JourneyPaths

router = APIRouter(prefix="/journeys", tags=["journeys"])


@router.get("/paths", response_model=JourneyPaths)
def paths(
    session: ReadSessionDep,
    since: Annotated[Instant | None, Query(description="purchases placed from (inclusive)")] = None,
    until: Annotated[Instant | None, Query(description="purchases placed before")] = None,
    lookback_days: Annotated[int, Query(ge=1, le=365)] = 30,
    research_days: Annotated[int, Query(ge=1, le=90)] = 7,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> JourneyPaths:
    """Channel sequences leading to first and repeat purchases, with counts and shares, and the
    cross-channel cases (click-and-collect, pickup point, research online then buy in store,
    phone order delivered home)."""
    query = PathQuery(since, until, lookback_days, research_days, top)
    return journey_paths(session.connection(), query)
