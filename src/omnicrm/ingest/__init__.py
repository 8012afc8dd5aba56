"""Ingestion from every channel: one validator per source turns a raw record into canonical
records; bulk files and streaming requests share the validators and the writer."""
