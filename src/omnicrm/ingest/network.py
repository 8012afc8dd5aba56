"""The network address a web event came from, as an identifier: only ever matched (the same
address on two records), so only its keyed hash is kept, never the address (an IP is personal
data, and a plain hash of an IPv4 address is reversed by trying all 2^32)."""

import ipaddress

from omnicrm.ingest.canonical import Ident
from omnicrm.privacy.suppression import digest


def ip_identifier(raw: str) -> Ident:
    """``raw`` (IPv4 or IPv6, any spelling) as an ``ip`` identifier: HMAC-SHA256 under the
    privacy key of its canonical form; ValueError if it is no address."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        raise ValueError(f"not an IP address: {raw!r}") from None
    canonical = getattr(address, "ipv4_mapped", None) or address
    return Ident("ip", digest("ip", canonical.compressed))
