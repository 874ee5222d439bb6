"""Secrets out of URLs, before a URL is logged, stored, reported or posted.

A feed URL may carry a credential: `https://user:pass@host/feed`, `?api_key=…`, `&token=…`,
`&sig=…`. `redact` replaces each such value with `REDACTED` and leaves the rest of the URL (and
any text around it) readable, so an operator still sees which feed failed. It is applied to
every URL-bearing string that leaves the process or reaches the store — log lines, the run
report and artifact, Slack notices, stored rows — never to the URL actually requested.

This module must never raise: a string that does not parse is returned with what can be
recognised redacted.
"""

from __future__ import annotations

import logging
import re
from typing import overload

MASK = "REDACTED"

# A parameter carries a secret when one of the words of its name (split at _ - . and case
# changes) is one of these, or its name ends in one of the suffixes ("apikey", "accessToken").
_SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "pass",
        "signature",
        "sig",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "session",
        "sessionid",
        "sid",
        "hmac",
        "jwt",
        "otp",
        "code",
    }
)
_SECRET_SUFFIXES = ("key", "token", "secret", "password", "passwd", "signature")
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")

# user:password@ (or a bare token@) in the authority of any scheme://
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s@?#<>|]+)@")
# name=value in a query string or fragment (after ? # & or ;); a quote ends the value, since
# messages quote URLs ('…?key=x' is not a valid URL) and a raw quote is not valid in one
_PARAM = re.compile(r"(?P<lead>[?&#;])(?P<name>[^=&#\s<>|;?]+)=(?P<value>[^&#\s<>|;'\"]*)")


def is_secret_name(name: str) -> bool:
    words = {w.lower() for w in _WORD.findall(name)}
    return bool(words & _SECRET_WORDS) or name.lower().endswith(_SECRET_SUFFIXES)


def _param(match: re.Match[str]) -> str:
    if not is_secret_name(match["name"]) or not match["value"]:
        return match[0]
    return f"{match['lead']}{match['name']}={MASK}"


def _userinfo(match: re.Match[str]) -> str:
    user, sep, _password = match["userinfo"].partition(":")
    if sep:
        return f"{match['scheme']}{user}:{MASK}@"
    return f"{match['scheme']}{MASK}@"  # a bare token in the user part (https://TOKEN@host)


class RedactingLogRecord(logging.LogRecord):
    """A log record whose message never shows a URL secret, whoever logged it (newswatch,
    httpx's request lines, Prefect's run logger, which also stores lines in its database)."""

    def getMessage(self) -> str:
        return redact(super().getMessage())


def install_log_redaction() -> None:
    """Make every log record in this process a RedactingLogRecord (idempotent)."""
    if logging.getLogRecordFactory() is logging.LogRecord:
        logging.setLogRecordFactory(RedactingLogRecord)


@overload
def redact(text: str) -> str: ...
@overload
def redact(text: None) -> None: ...
def redact(text: str | None) -> str | None:
    """`text` (a URL, or any message containing URLs) with URL secrets replaced by REDACTED."""
    if not text or ("://" not in text and "=" not in text):
        return text
    text = _USERINFO.sub(_userinfo, text)
    if "=" in text:
        text = _PARAM.sub(_param, text)
    return text
