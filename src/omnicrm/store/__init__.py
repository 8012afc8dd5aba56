"""The operational store: engine, sessions, schema and migrations (SQLite or PostgreSQL)."""
