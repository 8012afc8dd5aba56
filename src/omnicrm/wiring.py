"""Where the capabilities that meet through an interface are connected: the API app and the
command line call ``wire`` at start (so do the tests)."""


def wire() -> None:
    """The till prices with the promotions in force (loyalty declares ``loyalty.pricing``,
    promotions implements it)."""
    from omnicrm.loyalty import pricing
    from omnicrm.promotions import pricing as promotions_pricing

    pricing.install(promotions_pricing)  # type: ignore[arg-type]
