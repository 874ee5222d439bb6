"""The uncompressed copy of the language model (detectors/language.py) must identify exactly
what the shipped model does, and any trouble with it must only cost the slow path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from detectors import language

TEXTS = [
    "The foreign minister said the delegation would stay away from next week's summit.",
    "Министр иностранных дел заявил, что делегация не поедет на саммит.",
    "Міністр закордонних справ заявив, що делегація не поїде на саміт.",
    "Der Außenminister sagte, die Delegation werde dem Gipfel fernbleiben.",
    "Le ministre a déclaré que la délégation ne participerait pas au sommet.",
    "zzz qqq 12345 ### ---",
]


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    language._identifier.cache_clear()
    yield tmp_path
    language._identifier.cache_clear()  # the next user reads the model through its own cache


def _shipped() -> LanguageIdentifier:
    ident = LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE)
    ident.set_languages(list(language.CANDIDATE_LANGUAGES))
    return ident


def test_the_cached_model_identifies_what_the_shipped_one_does(cache_home: Path) -> None:
    stale = cache_home / "newswatch" / "language-model-0000000000000000.npz"
    stale.parent.mkdir()
    stale.write_bytes(b"a copy made for an earlier py3langid")
    first = language._identifier()  # decompresses the model and writes the copy
    assert not stale.exists()  # replaced, not kept beside the new one
    [cached_file] = (cache_home / "newswatch").glob("language-model-*.npz")
    language._identifier.cache_clear()
    cached = language._identifier()
    assert cached is not first
    shipped = _shipped()
    for text in TEXTS:
        assert cached.classify(text) == shipped.classify(text)
        assert cached.rank(text) == shipped.rank(text)
    assert cached.nb_classes == shipped.nb_classes
    assert np.array_equal(cached.nb_ptc, shipped.nb_ptc)
    assert cached.tk_nextmove == shipped.tk_nextmove and cached.tk_row == shipped.tk_row
    assert cached.tk_output == shipped.tk_output
    assert cached_file.stat().st_size > 1_000_000


def test_a_damaged_copy_is_read_around_and_replaced(cache_home: Path) -> None:
    language._identifier()
    [cached_file] = (cache_home / "newswatch").glob("language-model-*.npz")
    cached_file.write_bytes(b"not a model")
    language._identifier.cache_clear()
    assert language.detect_language(TEXTS[1]) == "ru"
    assert language._read_cache(cached_file) is not None  # written again, whole


def test_an_unwritable_cache_directory_only_costs_time(cache_home: Path) -> None:
    (cache_home / "newswatch").write_text("a file where the directory would be")
    assert language.detect_language(TEXTS[0]) == "en"
    assert language.detect_language(TEXTS[1]) == "ru"
