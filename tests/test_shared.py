"""Tests that read ../shared say so (marker needs_shared) and fail, naming the missing path,
when it is absent: never a silent skip (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED, shared_file


def test_a_missing_shared_path_fails_naming_it() -> None:
    with pytest.raises(pytest.fail.Exception) as info:
        shared_file("corpus/no-such-corpus.jsonl")
    message = str(info.value)
    assert message.startswith("needs ../shared: ")
    assert str(SHARED / "corpus" / "no-such-corpus.jsonl") in message


@pytest.mark.needs_shared
def test_a_present_shared_path_is_returned(shared_path) -> None:
    assert shared_path("seeds") == SHARED / "seeds" and (SHARED / "seeds").is_dir()
