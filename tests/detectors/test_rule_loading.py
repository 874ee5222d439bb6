"""Loading the rules faster must not change what they compile to (detectors/rules.py)."""

from __future__ import annotations

import re
from pathlib import Path
from re import _compiler, _parser

import pytest

from detectors.rules import RuleError, charsets_optimised_once, load_rules


def _compiled_code(pattern: str, flags: int) -> list[int]:
    """The program Python's regex engine would run for `pattern` (what re.compile builds)."""
    return _compiler._code(_parser.parse(pattern, flags), flags)


def _patterns(value: object, out: list[re.Pattern[str]]) -> list[re.Pattern[str]]:
    if isinstance(value, re.Pattern):
        out.append(value)
    elif isinstance(value, tuple | list):
        for item in value:
            _patterns(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            _patterns(item, out)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _patterns(getattr(value, name), out)
    return out


def test_every_packaged_pattern_compiles_to_the_same_code_with_the_memo() -> None:
    patterns = _patterns(load_rules(), [])
    assert len(patterns) > 300  # the packaged rules, not an empty set
    plain = [_compiled_code(p.pattern, p.flags) for p in patterns]
    with charsets_optimised_once():
        memoised = [_compiled_code(p.pattern, p.flags) for p in patterns]
    assert memoised == plain


def test_a_repeated_class_is_optimised_once_and_the_compiler_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    curly = "[,;\u201d\u2019]"  # a class above U+00FF, as every gap of the rule language has
    calls: list[tuple] = []
    original = _compiler._optimize_charset

    def counting(charset, *args):  # type: ignore[no-untyped-def]
        if (_parser.LITERAL, 0x201D) in charset:
            calls.append(tuple(charset))
        return original(charset, *args)

    monkeypatch.setattr(_compiler, "_optimize_charset", counting)
    with charsets_optimised_once():
        for word in ("alpha", "beta", "gamma"):
            _compiled_code(f"{word}{curly}*\\s+{curly}?end", re.IGNORECASE)
    assert len(calls) == 1  # three patterns, six occurrences of one class
    assert _compiler._optimize_charset is counting
    with charsets_optimised_once():
        _compiled_code(f"x{curly}", re.IGNORECASE)
    assert len(calls) == 2  # each block starts with an empty memo


def test_the_compiler_is_restored_after_a_broken_rule_file(tmp_path: Path) -> None:
    original = _compiler._optimize_charset
    lang = tmp_path / "xx"
    lang.mkdir()
    (lang / "_language.yaml").write_text("lang: xx\nclause_breaks: '('\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"_language\.yaml:1: bad regular expression"):
        load_rules(tmp_path)
    assert _compiler._optimize_charset is original
