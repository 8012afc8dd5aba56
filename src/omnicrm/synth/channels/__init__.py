"""One module per channel export: each turns a chunk's people and orders into rows of its file."""
