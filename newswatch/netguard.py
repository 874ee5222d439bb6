"""Which addresses a link taken from a feed may reach.

Feeds are written by strangers; a link in one must not make newswatch probe the operator's own
network (loopback, private ranges, link-local cloud metadata at 169.254.169.254, …). A host is
checked after DNS resolution, on every redirect hop, and the connection is then opened to the
very address that was checked (`Fetcher` asks `addresses_for` when it connects), so a name that
resolves to a public address first and to a private one a moment later (DNS rebinding) cannot
get through. The feed's own host and hosts listed in the source's `allow_hosts` are trusted: the
operator named them. Only http and https are ever fetched.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from newswatch.fetch import FetchError

# IPv6 prefixes that carry an IPv4 address inside; the embedded address is what gets reached.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

Resolver = Callable[[str], Awaitable[list[str]]]


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.teredo is not None:
            embedded = ip.teredo[1]
        if embedded is None and any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


async def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (raises OSError when it does not resolve)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


class HostGuard:
    """The address guard for one source: `await guard(url)` before each hop; the fetcher calls
    `addresses_for` when it opens a connection and connects only to what that returns."""

    def __init__(self, trusted_hosts: Iterable[str], resolver: Resolver | None = None):
        self.trusted = frozenset(h.lower().strip("[]") for h in trusted_hosts if h)
        self._resolver = resolver

    def _is_trusted(self, host: str) -> bool:
        return host.lower().strip("[]") in self.trusted

    async def __call__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise FetchError(url, "bad_scheme", f"only http(s) is fetched, not {parts.scheme!r}")
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchError(url, "bad_url", "URL has no host")
        if not self._is_trusted(host):
            await self._vetted(url, host)

    async def addresses_for(self, url: str, host: str) -> list[str]:
        if self._is_trusted(host):
            return [host]  # the operator named this host: connect as usual
        return await self._vetted(url, host)

    async def _vetted(self, url: str, host: str) -> list[str]:
        host = host.strip("[]")
        addresses = await self._resolve(url, host)
        blocked = [a for a in addresses if not is_public_address(a)]
        if blocked:
            where = (
                f"{host} is a non-public address"
                if blocked == [host]
                else f"{host} resolves to non-public address {blocked[0]}"
            )
            raise FetchError(
                url,
                "blocked_address",
                f"{where}; add the host to the source's allow_hosts if this is intended",
            )
        return addresses

    async def _resolve(self, url: str, host: str) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        try:
            addresses = await (self._resolver or resolve)(host)
        except OSError as exc:
            raise FetchError(url, "dns_error", f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise FetchError(url, "dns_error", f"{host} has no addresses")
        return addresses
