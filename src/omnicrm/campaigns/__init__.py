"""Campaigns: audiences, templates, control groups, launch into the outbox, measured effect."""
