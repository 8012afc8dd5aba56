"""Campaigns and communications: audiences, templates, the outbox, channels and measured effect."""
