"""Language identification for article text.

Owns: choosing the language code whose rules are applied. py3langid is restricted to the
languages newswatch has rules for plus the common languages of the feeds, so that an
English article is never classified as, say, Luxembourgish; very short strings fall back
to script heuristics. Must never raise on odd input.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
from array import array
from functools import lru_cache
from pathlib import Path

import numpy as np
import py3langid
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

log = logging.getLogger(__name__)

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
    model = Path(MODEL_FILE) if Path(MODEL_FILE).is_absolute() else MODEL_DIR / MODEL_FILE
    cache = _cache_file(model)
    ident = _read_cache(cache) if cache is not None else None
    if ident is None:
        ident = LanguageIdentifier.from_model_file(model)
        ident.set_languages(list(CANDIDATE_LANGUAGES))
        if cache is not None:
            _write_cache(cache, ident)
    return ident


# py3langid ships its model LZMA-compressed: decompressing it is ~0.4 s of every process that
# identifies a language (the extraction pool's fork server, before its first worker). The
# model restricted to CANDIDATE_LANGUAGES is kept uncompressed in the user's cache directory
# instead (~40 MB), named after py3langid's version, the model file and the languages, and
# read in ~0.1 s. Any problem with it (unwritable directory, damaged file) only means the
# model is decompressed as before.
_CACHE_ARRAYS = ("ptc", "pc", "classes", "nextmove", "row", "output")


def _cache_file(model: Path) -> Path | None:
    try:
        stat = model.stat()
        root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except (OSError, RuntimeError):  # no model file to key on, or no home directory
        return None
    key = f"{py3langid.__version__}|{stat.st_size}|{stat.st_mtime_ns}|{CANDIDATE_LANGUAGES}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(root) / "newswatch" / f"language-model-{digest}.npz"


def _read_cache(path: Path) -> LanguageIdentifier | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            ptc, pc, classes, nextmove, row, output = (data[k] for k in _CACHE_ARRAYS)
            return LanguageIdentifier(
                ptc,
                pc,
                classes.tolist(),
                array("I", nextmove.astype(np.uint32).tobytes()),
                output.tolist(),
                tk_row=array("H", row.astype(np.uint16).tobytes()),
            )
    except Exception as error:  # a damaged or foreign file: decompress the model instead
        log.warning("language model cache %s unusable (%s); reading the model", path, error)
        return None


def _write_cache(path: Path, ident: LanguageIdentifier) -> None:
    if ident.tk_nextmove.typecode != "I" or ident.tk_row.typecode != "H":
        return  # another model layout: not worth caching
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError as error:
        log.debug("language model not cached in %s: %s", path.parent, error)
        return
    try:
        with os.fdopen(fd, "wb") as tmp:
            np.savez(
                tmp,
                ptc=ident.nb_ptc,
                pc=ident.nb_pc,
                classes=np.array(ident.nb_classes),
                nextmove=np.frombuffer(ident.tk_nextmove, dtype=np.uint32),
                row=np.frombuffer(ident.tk_row, dtype=np.uint16),
                output=np.asarray(ident.tk_output, dtype=np.int64),
            )
        os.replace(name, path)  # whole or not at all, also with concurrent writers
        for stale in path.parent.glob("language-model-*.npz"):  # of an earlier py3langid
            if stale != path:
                stale.unlink(missing_ok=True)
    except (OSError, ValueError) as error:  # a full disk: the next process decompresses again
        log.debug("language model not cached in %s: %s", path.parent, error)
        with contextlib.suppress(OSError):
            os.unlink(name)


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
