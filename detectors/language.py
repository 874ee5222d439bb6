"""Language identification for article text.

Owns: choosing the language code whose rules are applied. py3langid is restricted to the
languages newswatch has rules for plus the common languages of the feeds, so that an
English article is never classified as, say, Luxembourgish; very short strings fall back
to script heuristics. Must never raise on odd input.
"""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Languages with rules, plus common feed languages that must not be mistaken for them.
CANDIDATE_LANGUAGES = ("en", "ru", "uk", "be", "de", "fr", "es", "it", "pl", "tr", "nl", "pt")
_MIN_CHARS_FOR_MODEL = 25
# Classifying the first few thousand characters is as accurate as the whole article and
# keeps detection fast on long pages.
_SAMPLE_CHARS = 400

_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґЎў]")
_UKRAINIAN = re.compile(r"[ІіЇїЄєҐґ]")
_BELARUSIAN = re.compile(r"[Ўў]")
_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages(list(CANDIDATE_LANGUAGES))
    return ident


def _by_script(text: str) -> str:
    cyr = len(_CYRILLIC.findall(text))
    lat = len(_LATIN.findall(text))
    if cyr > lat:
        if _UKRAINIAN.search(text):
            return "uk"
        if _BELARUSIAN.search(text):
            return "be"
        return "ru"
    return "en"


def detect_language(text: str) -> str:
    """Return an ISO 639-1 code for `text` ("en" when there is nothing to go on)."""
    sample = text[:_SAMPLE_CHARS].strip()
    if len(sample) < _MIN_CHARS_FOR_MODEL:
        return _by_script(sample)
    lang, _score = _identifier().classify(sample)
    return str(lang)
