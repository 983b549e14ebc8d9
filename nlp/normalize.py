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
    """Normalised text of a post (title and body are normalised separately and joined by the caller)."""
    if not text:
        return ""
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub(" ", text))
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    text = _NEWLINES.sub("\n", _SPACE.sub(" ", text)).strip()
    if len(text) > max_chars:
        head = max_chars * 3 // 4
        text = text[:head] + " … " + text[-(max_chars - head - 3):]
    return text
