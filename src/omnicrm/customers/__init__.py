"""Customer profiles as people read them: search, the 360 profile with its paged histories
(orders, events, merges, journey) and journeys aggregated over all customers (C3, C4, C6)."""
