"""The columnar fast path of bulk import, for exports with one row per order line.

A batch is read as Arrow columns and checked a whole column at a time against the *plain case*:
values the source's validator would accept as they are (no spaces to strip, ASCII digits, a
catalogued code, a valid wall time, arithmetic that adds up). A record whose every value is plain
is converted column-wise; any other record goes to the source's own validator, which accepts or
rejects it with its usual messages. The fast path therefore never decides what is valid: it only
recognises records the validator would accept, and builds the same rows the writer would.

Streaming, and sources without a plan here, keep the per-record path.
"""
