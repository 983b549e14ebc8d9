"""Text normalisation before anything else reads a post: one function, ``normalize_text``.

Unicode NFKC (full-width letters and digits to half-width, compatibility forms folded), traditional to
simplified Chinese (OpenCC ``t2s``), leftover HTML tags and entities removed, whitespace collapsed, and very
long texts bounded (head and tail kept, since the facts of a complaint are usually at its start and its
demand at its end).
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize_text", "MAX_CHARS"]

MAX_CHARS = 4000
_TAG = re.compile(r"<[^>\n]{0,400}>")
_SPACE = re.compile(r"[ \t\r\f\v\u3000\xa0\u200b\ufeff]+")
_NEWLINES = re.compile(r" ?\n[\s]*")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Normalised text of a post (title and body are normalised separately and joined by the caller).

    Texts up to ``MAX_CHARS`` are remembered (the last few thousand): enrichment reads a post's title and
    body for the classifier, the near-duplicate index and the topic tracker, and normalises them once.
    """
    return _remembered(text, max_chars) if len(text) <= MAX_CHARS else _normalize(text, max_chars)


@lru_cache(maxsize=2048)
def _remembered(text: str, max_chars: int) -> str:
    return _normalize(text, max_chars)


def _normalize(text: str, max_chars: int) -> str:
    if not text:
        return ""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    text = _nfkc(text)
    text = _t2s().convert(text)
    text = _NEWLINES.sub("\n", _SPACE.sub(" ", text)).strip()
    if len(text) > max_chars:
        head = max_chars * 3 // 4
        text = text[:head] + " … " + text[-(max_chars - head - 3):]
    return text


class _FoldedChars(dict):
    """Each character seen so far -> its NFKC form, filled in on first sight (for ``str.translate``)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = unicodedata.normalize("NFKC", chr(code))
        return folded


_FOLDED = _FoldedChars()


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, about twice as fast on Chinese text.

    Folding each character on its own gives a text with the same NFKD decomposition as ``text``, so when
    that result is itself in NFKC it is the NFKC of ``text``; only when it is not (a combining mark to
    compose with its neighbour) does the whole text go through ``unicodedata``.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    folded = text.translate(_FOLDED)
    return folded if unicodedata.is_normalized("NFKC", folded) else unicodedata.normalize("NFKC", text)
