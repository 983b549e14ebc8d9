"""Word segmentation: jieba's dictionary plus the domain dictionary, on the fast Rust implementation.

``tokenize(text)`` returns the words of a normalised text (punctuation and spaces dropped), as used by the
classifiers, topics and near-duplicates. It runs on ``rjieba`` (jieba-rs, about 20x faster than pure-Python
jieba, same dictionary); ``reference_tokenize`` runs pure-Python ``jieba`` with the same words added, so a
test can show the two agree on the domain terms.

Anonymised place names of the public data (A市, A3区, A7县: a letter, up to two digits, 市/区/县) are cut
out before jieba reads the line and kept as one word each, as they are written: jieba reads them as a
letter and a one-character word, and glued that character to the next word in a third of the cases
("A2区丽发新城" gave 区丽发, "A7县星沙" 县星沙, "A市政府" 市政府), so one estate or office was several
different words depending on the district in front of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain
from pathlib import Path

__all__ = ["tokenize", "reference_tokenize", "domain_words", "jieba_dictionary", "forget_cut_lines", "words_at"]

DOMAIN_WORDS = Path(__file__).resolve().parent / "data" / "domain_words.txt"
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
_ANONYMISED = re.compile(r"(?<![A-Za-z0-9])([A-Z][0-9]{0,2}[市区县])")


def domain_words() -> list[tuple[str, int]]:
    words = []
    for line in DOMAIN_WORDS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, freq = line.partition(" ")
            words.append((word, int(freq or 1000)))
    return words


def jieba_dictionary() -> Iterator[tuple[str, int, str]]:
    """(word, frequency, part-of-speech tag) of each entry of jieba's dictionary, the one both segmenters load."""
    import jieba

    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as lines:
        for line in lines:
            word, freq, tag = line.split()
            yield word, int(freq), tag


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


def forget_cut_lines() -> None:
    """Forget the lines ``tokenize`` has cut (for a benchmark that times cutting, or a test that changes how
    lines are cut)."""
    _LINES.clear()


def _cut(text: str, cut) -> list[str]:
    """The words of ``text`` by ``cut`` (a segmenter's), punctuation and spaces included, with each anonymised
    place name cut out first and kept whole."""
    pieces = _ANONYMISED.split(text)
    if len(pieces) == 1:
        return cut(text)
    words = []
    for i, piece in enumerate(pieces):  # (odd pieces are the names)
        if i % 2:
            words.append(piece)
        elif piece:
            words += cut(piece)
    return words


def _fast_cut(text: str) -> list[str]:
    return _cut(text, lambda piece: _fast().cut(piece, True))


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
            words = tuple([w for w in _fast_cut(line) if w.isalnum() or _KEEP.search(w)])
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
    for word in _fast_cut(text):
        words[at] = word
        at += len(word)
    return words


def reference_tokenize(text: str) -> list[str]:
    """The same with pure-Python jieba (precise mode, HMM on), for tests. (The benchmark's baseline is
    ``jieba.lcut`` itself, without the anonymised names cut out first.)"""
    return [w for w in _cut(text, lambda piece: _reference().lcut(piece, HMM=True)) if _KEEP.search(w)]
