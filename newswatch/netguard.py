"""Which addresses a link taken from a feed may reach.

Feeds are written by strangers; a link in one must not make newswatch probe the operator's own
network (loopback, private ranges, link-local cloud metadata at 169.254.169.254, …). A host is
checked after DNS resolution, on every redirect hop. The feed's own host and hosts listed in the
source's `allow_hosts` are trusted: the operator named them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from newswatch.fetch import AddressGuard, FetchError


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def make_guard(trusted_hosts: Iterable[str]) -> AddressGuard:
    trusted = {host.lower().strip("[]") for host in trusted_hosts if host}

    async def guard(url: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        if not host:
            raise FetchError(url, "bad_url", "URL has no host")
        if host in trusted:
            return
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, None, type=socket.SOCK_STREAM
                )
            except OSError as exc:
                raise FetchError(url, "dns_error", f"cannot resolve {host}: {exc}") from None
            addresses = sorted({str(info[4][0]) for info in infos})
        blocked = [a for a in addresses if not is_public_address(a)]
        if blocked:
            raise FetchError(
                url,
                "blocked_address",
                f"{host} resolves to non-public address {blocked[0]}; "
                "add the host to the source's allow_hosts if this is intended",
            )

    return guard
