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
from itertools import chain
from pathlib import Path

__all__ = ["tokenize", "reference_tokenize", "domain_words", "add_words", "words_at"]

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
    _LINES.clear()


def tokenize(text: str) -> list[str]:
    """Words of ``text`` (already normalised), without punctuation or whitespace.

    jieba cuts only runs of hanzi, letters, digits and ``+#&._%-``, so a line break always ends a word and
    the words of a text are those of its lines, one after another. Lines are cut once and remembered: the
    title and body that the near-duplicate index and the topic tracker both read are cut only once.
    """
    return list(chain.from_iterable(map(_LINES.words, text.split("\n"))))


class _LineWords:
    """The words of recently cut lines, forgotten all at once when their total length reaches a bound."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self._words: dict[str, tuple[str, ...]] = {}
        self._chars = 0

    def words(self, line: str) -> tuple[str, ...]:
        words = self._words.get(line)
        if words is None:
            if self._chars + len(line) > self.max_chars:
                self.clear()
            # isalnum() settles almost every word without the regular expression (and implies a match)
            words = tuple([w for w in _fast().cut(line, True) if w.isalnum() or _KEEP.search(w)])
            self._words[line] = words
            self._chars += len(line)
        return words

    def clear(self) -> None:
        self._words.clear()
        self._chars = 0


_LINES = _LineWords(max_chars=1_000_000)  # a few batches of posts; some tens of megabytes at most


def words_at(text: str) -> dict[int, str]:
    """The segmenter's words of ``text`` (punctuation and spaces included), by the offset each starts at."""
    words, at = {}, 0
    for word in _fast().cut(text, True):
        words[at] = word
        at += len(word)
    return words


def reference_tokenize(text: str) -> list[str]:
    """The same with pure-Python jieba (precise mode, HMM on): for tests and the benchmark baseline."""
    return [w for w in _reference().lcut(text, HMM=True) if _KEEP.search(w)]
