"""Word segmentation: jieba's dictionary plus the domain dictionary, on the fast Rust implementation.

``tokenize(text)`` returns the words of a normalised text (punctuation and spaces dropped), as used by the
classifiers, topics and near-duplicates. It runs on ``rjieba`` (jieba-rs, about 20x faster than pure-Python
jieba, same dictionary); ``reference_tokenize`` runs pure-Python ``jieba`` with the same words added, so a
test can show the two agree on the domain terms. Housing-estate names are added as words when the place
extractor finds them, so an estate is one token.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["tokenize", "reference_tokenize", "domain_words", "add_words"]

DOMAIN_WORDS = Path(__file__).resolve().parent / "data" / "domain_words.txt"
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


def domain_words() -> list[tuple[str, int]]:
    words = []
    for line in DOMAIN_WORDS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, freq = line.partition(" ")
            words.append((word, int(freq or 1000)))
    return words


@lru_cache(maxsize=1)
def _fast():
    import rjieba

    seg = rjieba.Jieba()
    for word, freq in domain_words():
        seg.add_word(word, freq, None)
    return seg


@lru_cache(maxsize=1)
def _reference():
    import jieba

    seg = jieba.Tokenizer()
    seg.initialize()
    for word, freq in domain_words():
        seg.add_word(word, freq)
    return seg


def add_words(words) -> None:
    """Teach the segmenters extra words (for example estate names found in the data)."""
    for word in words:
        _fast().add_word(word, 1500, None)


def tokenize(text: str) -> list[str]:
    """Words of ``text`` (already normalised), without punctuation or whitespace."""
    return [w for w in _fast().cut(text, True) if _KEEP.search(w)]


def reference_tokenize(text: str) -> list[str]:
    """The same with pure-Python jieba (precise mode, HMM on): for tests and the benchmark baseline."""
    return [w for w in _reference().lcut(text, HMM=True) if _KEEP.search(w)]
