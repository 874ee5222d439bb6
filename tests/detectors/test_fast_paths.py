"""The faster ways of doing the detector's plain work find exactly what the plain ways find.

Each rewrite made for speed is checked against the code it replaced, on random inputs made
of the characters where the two could part (digits next to years, the many Unicode spaces,
trie words sharing first letters, words ending in punctuation)."""

from __future__ import annotations

import random
import re

from detectors.engine import _YEAR
from detectors.sentences import _last_token
from detectors.trie import trie_regex, tries_regex


def _random_text(rng: random.Random, alphabet: list[str], longest: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))


def test_last_token_is_what_the_regex_search_found() -> None:
    plain = re.compile(r"(\S+)$")
    rng = random.Random(1)
    # Spaces str.split and \s agree on: ASCII, the separators 0x1c–0x1f, NEL, NBSP, the
    # ideographic space, line and paragraph separators; and a zero-width space, which
    # neither counts as one.
    alphabet = ["a", "б", ".", "«", "\n", " ", "\t", "\r", "\x0b", "\x1c", "\x85"]
    alphabet += ["\u00a0", "\u3000", "\u2028", "\u200b"]
    for _ in range(20000):
        chunk = _random_text(rng, alphabet, 8)
        m = plain.search(chunk)
        assert _last_token(chunk) == (m.group(1) if m else None), repr(chunk)


def test_year_pattern_finds_what_the_plain_one_finds() -> None:
    plain = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
    rng = random.Random(2)
    alphabet = ["0", "1", "2", "8", "9", "5", " ", "a", "\n", "-", "\u0663"]  # ٣: a digit too
    for _ in range(50000):
        text = _random_text(rng, alphabet, 14)
        assert _YEAR.findall(text) == plain.findall(text), repr(text)
    assert _YEAR.findall("In 2023, not in 12023 or 1799; 1991-2001.") == ["2023", "1991", "2001"]


def test_tries_on_the_first_character_match_like_tries_in_a_row() -> None:
    rng = random.Random(3)
    letters = ["a", "b", "n", "o", "t", "-", ".", " "]
    for _ in range(400):
        groups = []
        for suffix in rng.sample(["", r"(?!\w)"], 2):
            words = {_random_text(rng, letters, 5).strip() for _ in range(rng.randint(0, 6))}
            groups.append((sorted(w for w in words if w), suffix))
        groups = [g for g in groups if g[0]]
        if not groups:
            continue
        in_a_row = re.compile(
            r"(?<!\w)(?:" + "|".join(f"(?:{trie_regex(w)}){s}" for w, s in groups) + ")"
        )
        merged = re.compile(r"(?<!\w)" + tries_regex(groups))
        for _ in range(20):
            text = _random_text(rng, [*letters, "x"], 30)
            assert [m.span() for m in merged.finditer(text)] == [
                m.span() for m in in_a_row.finditer(text)
            ], (groups, text)


def test_word_list_guard_keeps_every_match() -> None:
    from detectors.rules import word_list_guard

    assert word_list_guard(r"\b(?:not|Tried) (?:\S+ )?x") == r"\b(?=[NTnt])(?:not|Tried) (?:\S+ )?x"
    assert word_list_guard(r"(?:ab|c)x|d") == r"(?=[ACac])(?:ab|c)x|d"
    for unchanged in (
        r"\b(?:a?b|c) x",  # an alternative may start with "b"
        r"\b(?:ab|c)? x",  # the list is optional
        r"\b(?:(?:a|b)c|d)",  # an alternative opens with a group
        r"\b(?:ab|)x",  # an empty alternative
        r"(?=x)(?:ab|c)x",  # something else first
        r"\b(?:a(?#|b)|c)",  # a comment
    ):
        assert word_list_guard(unchanged) == unchanged, unchanged
    rng = random.Random(4)
    pieces = ["a", "b", "c", "д", "b?", "[|)]", r"\|", r"\(", "(?:a|c)", "(?:b)?", r"\w", " "]
    letters = ["a", "b", "c", "д", "A", "Д", "x", " ", "|", "(", ")"]
    changed = 0
    for _ in range(3000):
        alternatives = [
            rng.choice(["", "a", "b", "д", "(?:a)", "b?"])
            + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
            for _ in range(rng.randint(1, 4))
        ]
        pattern = rng.choice([r"\b(?:", "(?:"]) + "|".join(alternatives) + ")"
        pattern += rng.choice(["", "?", "{1,2}", " b", "|b", r"|\b(?:c|a)"])
        try:
            plain = re.compile(pattern, re.IGNORECASE)
        except re.error:
            continue
        guarded = re.compile(word_list_guard(pattern), re.IGNORECASE)
        changed += guarded.pattern != pattern
        for _ in range(10):
            text = _random_text(rng, letters, 16)
            assert [m.span() for m in guarded.finditer(text)] == [
                m.span() for m in plain.finditer(text)
            ], (pattern, text)
    assert changed > 200  # the guard was put to the test, not skipped


def test_a_digit_stays_in_the_first_character_guard() -> None:
    from detectors.rules import first_char_guard

    pattern = r"(?:\d+ ?mm|tank) shells"
    assert first_char_guard(pattern) == r"(?=[\dTt])"
    assert first_char_guard(r"[\d,]x") == r"(?=[\d,])"
    assert first_char_guard(r"\Dx") == ""  # any other category: no guard
    text = "155 mm shells, \u0663mm shells (an Arabic-Indic three) and Tank shells; x2mm shells"
    plain = re.compile(pattern, re.IGNORECASE)
    guarded = re.compile(first_char_guard(pattern) + pattern, re.IGNORECASE)
    assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert len(plain.findall(text)) == 4
