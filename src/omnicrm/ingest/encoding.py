"""The text encoding of a channel export: declared by whoever imports it, or detected.

Detection is a documented rule rather than a statistical guess, so the same file always reads the
same way: UTF-8, unless most non-ASCII bytes of the first MiB are not valid UTF-8; then cp1251,
the Windows Cyrillic code page that Russian cash registers and 1C export in. A cp1251 letter is
a byte of 0xC0-0xFF, which UTF-8 reads as a lead byte the next letter cannot continue, so a
Russian cp1251 file fails almost every sequence, while a UTF-8 file with one stray byte fails
one in thousands and keeps UTF-8 (the stray byte's row is then rejected on its own).
"""

import codecs
from pathlib import Path

UTF8 = "utf-8"
CYRILLIC = "cp1251"
SAMPLE_BYTES = 1 << 20
_STRUCTURE = "\r\n,;\"'"
"""Characters the readers find by their bytes: an encoding must write them as ASCII does."""


def resolve(path: Path, declared: str | None) -> str:
    """Python's name of the codec ``path`` is read with; ValueError for an encoding that does
    not exist or does not write line breaks, delimiters and quotes as ASCII does."""
    if declared is None:
        with path.open("rb") as f:
            return detect(f.read(SAMPLE_BYTES))
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        raise ValueError(f"unknown encoding {declared!r}") from None
    try:
        ascii_compatible = _STRUCTURE.encode(name) == _STRUCTURE.encode("ascii")
    except (UnicodeError, LookupError):
        ascii_compatible = False
    if not ascii_compatible:
        raise ValueError(f"encoding {declared!r} is not ASCII-compatible; re-export as UTF-8")
    return name


def detect(sample: bytes) -> str:
    """UTF-8 or cp1251 by the rule above (a pure-ASCII sample is UTF-8)."""
    if sample.isascii():
        return UTF8
    text = sample.decode(UTF8, errors="replace")
    invalid = text.count("\ufffd")
    readable = len(text) - len(text.encode("ascii", errors="ignore")) - invalid
    return UTF8 if invalid <= readable else CYRILLIC
