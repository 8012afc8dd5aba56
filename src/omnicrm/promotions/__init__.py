"""Promotions: rules as data (conditions + effects), a pure evaluator, coupons, budgets, versions,
personal offers and simulation over history; applied at the till through ``pricing``."""
