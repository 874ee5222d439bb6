"""One helper: a list of words as a trie-shaped regular expression.

Owns nothing else. Used by the first pass (scan.py) and the entity finder (entities.py),
where one trie regex replaces a Python loop over every word or a flat alternation.
"""

from __future__ import annotations

import re


def _trie(words: list[str]) -> dict:
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return root


def _emit(node: dict) -> str:
    branches = [re.escape(ch) + _emit(sub) for ch, sub in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def trie_regex(words: list[str]) -> str:
    """A regex matching any of `words`, shaped as a trie so each position tries one branch."""
    return _emit(_trie(words))


def tries_regex(groups: list[tuple[list[str], str]]) -> str:
    """`(?:(?:trie_regex(w1))s1|(?:trie_regex(w2))s2|…)` for groups (words, suffix) tried in
    this order, with the same matches, written as one alternation on the first character.

    Where one trie follows the other, a position that the first cannot match is tried
    against every first character of the second as well; here each position meets one list
    of first characters. Same matches: the branches of a trie start with different
    characters, so at any position only the branches of its character can match, and they
    are tried in the groups' order.
    """
    roots = [(_trie(words), suffix) for words, suffix in groups]
    if any("" in root for root, _suffix in roots):  # an empty word matches anywhere
        return "(?:" + "|".join(f"(?:{_emit(r)}){s}" for r, s in roots) + ")"
    alts = []
    for ch in sorted({ch for root, _suffix in roots for ch in root}):
        rest = [f"(?:{_emit(root[ch])}){suffix}" for root, suffix in roots if ch in root]
        alts.append(re.escape(ch) + (rest[0] if len(rest) == 1 else "(?:" + "|".join(rest) + ")"))
    return "(?:" + "|".join(alts) + ")"
