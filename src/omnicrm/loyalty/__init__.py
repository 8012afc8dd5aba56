"""Loyalty: programs configured as data, the points ledger, and the till operations (identify,
calculate, confirm, return, cancel) over it."""
