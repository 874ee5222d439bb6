"""One helper: a list of words as a trie-shaped regular expression.

Owns nothing else. Used by the first pass (scan.py) and the entity finder (entities.py),
where one trie regex replaces a Python loop over every word or a flat alternation.
"""

from __future__ import annotations

import re


def trie_regex(words: list[str]) -> str:
    """A regex matching any of `words`, shaped as a trie so each position tries one branch."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)
