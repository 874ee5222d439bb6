"""Which addresses a link from a feed may reach (netguard): decided after DNS resolution."""

from __future__ import annotations

import asyncio

import pytest

from newswatch.fetch import FetchError
from newswatch.netguard import HostGuard, is_public_address


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),  # multicast
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 to 169.254.169.254
        ("64:ff9b::5db8:d822", True),  # NAT64 to a public address
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(address) is public


def check(guard, url):
    asyncio.run(guard(url))


def blocked(guard, url) -> FetchError:
    with pytest.raises(FetchError) as info:
        check(guard, url)
    return info.value


def test_private_literals_and_names_are_blocked():
    guard = HostGuard({"feeds.example"})
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/admin",
        "http://[::1]/",
        "http://localhost/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f.1/",
    ):
        error = blocked(guard, url)
        assert error.reason == "blocked_address", url
        assert "allow_hosts" in error.detail and error.url == url


def test_the_feeds_own_host_and_allow_hosts_are_trusted():
    guard = HostGuard({"127.0.0.1", "intranet.local"})
    check(guard, "http://127.0.0.1:9999/article")  # no exception
    check(guard, "http://INTRANET.local/story")


def test_only_http_and_https():
    guard = HostGuard({"feeds.example"})
    assert blocked(guard, "file:///etc/passwd").reason == "bad_scheme"
    assert blocked(guard, "gopher://feeds.example/").reason == "bad_scheme"
    assert blocked(guard, "http:///no-host").reason == "bad_url"


def test_names_are_checked_against_every_address_they_resolve_to():
    async def resolver(host: str) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]  # one public answer is not enough

    error = blocked(HostGuard(set(), resolver=resolver), "http://mixed.example/")
    assert error.reason == "blocked_address" and "10.0.0.7" in error.detail


def test_unresolvable_host_is_a_dns_error():
    error = blocked(HostGuard(set()), "http://nothing-here.invalid/a")
    assert error.reason == "dns_error" and "nothing-here.invalid" in error.detail


def test_public_names_pass():
    async def resolver(host: str) -> list[str]:
        return ["93.184.216.34"]

    guard = HostGuard(set(), resolver=resolver)
    check(guard, "https://news.example/story")
    assert asyncio.run(guard.addresses_for("https://news.example/", "news.example")) == [
        "93.184.216.34"
    ]
