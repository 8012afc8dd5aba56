"""How a search box query is read: an e-mail, a card number, a phone in any spelling, or a name.

Identifiers are matched on their normalised value (the one ingest stores), so staff can type a
phone as the customer says it: ``8 (916) 220-63-93`` finds ``+79162206393``.
"""

from dataclasses import dataclass

from omnicrm.identity.normalize import normalize

IDENTIFIER_KINDS = ("email", "card", "phone")
"""Tried in this order: an ``@`` is only an e-mail, 13 digits only a card, 10-11 only a phone."""


@dataclass(frozen=True, slots=True)
class SearchTerm:
    kind: str  # email | card | phone | name
    value: str


def read_query(q: str) -> SearchTerm:
    """The first identifier kind ``q`` normalises as, else a name."""
    for kind in IDENTIFIER_KINDS:
        try:
            return SearchTerm(kind, normalize(kind, q))
        except ValueError:
            continue
    return SearchTerm("name", " ".join(q.split()))


def name_tokens(name: str) -> list[str]:
    """Words of a name query; each must start the first, last or middle name (any order)."""
    return [token for token in name.replace(",", " ").split() if token]
