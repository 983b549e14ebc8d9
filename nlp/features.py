"""Text features shared by the classifier heads: TF-IDF over words (and word pairs) and character n-grams.

Analyzers are module-level functions so the fitted vectorizer can be saved with skops (lambdas cannot).
Word features come from ``nlp.segment.tokenize`` (jieba dictionary + domain words); character 2–3-grams
catch what segmentation splits badly (estate names, new words, typos).

The analyzers define the features and fit the vocabulary. Transforming is what enrichment does for every
post, and scikit-learn's counting loop (a dictionary look-up per n-gram and word pair, in Python) was its
largest cost, so ``BulkCounter`` counts a fitted union's terms for a whole batch at once, with numpy. Its
counts feed the fitted vectorizers' own TF-IDF weighting: the matrix is the union's ``transform`` exactly
(a test compares them).
"""

from __future__ import annotations

from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .segment import tokenize

__all__ = ["word_analyzer", "char_analyzer", "make_vectorizer", "StableCutTfidfVectorizer", "BulkCounter",
           "with_title_weight"]

_PAIR = "\u2009"  # thin space joins a word pair inside one feature name
NGRAMS = (2, 3)  # character n-gram lengths
_BITS = 21  # a code point fits in 21 bits, so an n-gram of up to three is one 63-bit key
_SHORTER = np.uint64(1 << 63)  # marks a 2-gram key, so that no 2-gram key equals a 3-gram key


def word_analyzer(text: str) -> list[str]:
    words = tokenize(text)
    return words + [f"{a}{_PAIR}{b}" for a, b in zip(words, words[1:])]


def _squeezed(text: str) -> str:
    """The text the character n-grams are read from: without any whitespace."""
    return "".join(text.split())


def char_analyzer(text: str) -> list[str]:
    s = _squeezed(text)
    return [s[i:i + n] for n in NGRAMS for i in range(len(s) - n + 1)]


def with_title_weight(texts: list[str], weight: int) -> list[str]:
    """Each text with its first line (the title, as ``post_text`` writes it) ``weight`` times in all: a board
    title names the problem ("投诉某小区野蛮施工") in the fewest words, and counted twice it raised the
    category head's grouped 5-fold macro-F1 on the train split from 0.730 to 0.739 (``nlp/tools/cv_category.py``).
    A text of one line (no title, or a title alone) is left as it is."""
    if weight <= 1:
        return texts
    out = []
    for text in texts:
        title, newline, _ = text.partition("\n")
        out.append((title + newline) * (weight - 1) + text if newline else text)
    return out


class StableCutTfidfVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` whose ``max_features`` cut is the same on every machine: of the terms as frequent
    as the last one kept, it keeps the first in alphabetical order. scikit-learn ranks the terms with an
    unstable sort, whose order of equal ones is numpy's on that machine: on the shipped model's training texts
    68,616 words occur twice, as often as the word at the cut, and two machines kept different ones (20 word
    and 1,328 character features apart; a model trained on the same labels had another version)."""

    def _limit_features(self, X, vocabulary, high=None, low=None, limit=None):
        # the document-frequency pruning is scikit-learn's own; only the cut to ``limit`` is done here
        result = super()._limit_features(X, vocabulary, high, low, None)
        pruned = result[0] if isinstance(result, tuple) else result  # (older releases also return the pruned terms)
        if limit is None or pruned.shape[1] <= limit:
            return result
        frequency = np.asarray(pruned.sum(axis=0)).ravel()
        keep = np.sort(np.argsort(-frequency, kind="stable")[:limit])  # the vocabulary is in alphabetical order here
        terms = sorted(vocabulary, key=vocabulary.get)
        vocabulary.clear()
        vocabulary.update((terms[old], new) for new, old in enumerate(keep.tolist()))
        return (pruned[:, keep], *result[1:]) if isinstance(result, tuple) else pruned[:, keep]


def make_vectorizer(min_df: int = 2, max_features: int = 150_000) -> FeatureUnion:
    return FeatureUnion([
        ("words", StableCutTfidfVectorizer(analyzer=word_analyzer, min_df=min_df, max_features=max_features,
                                           sublinear_tf=True)),
        ("chars", StableCutTfidfVectorizer(analyzer=char_analyzer, min_df=min_df, max_features=max_features,
                                           sublinear_tf=True)),
    ])


def _gram_keys(points: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Keys of the n-grams of code points beginning at ``starts`` (see ``_term_key``)."""
    key = np.zeros(len(starts), dtype=np.uint64)
    for offset in range(n):
        key = (key << np.uint64(_BITS)) | points[starts + offset]
    return key | _SHORTER if n < max(NGRAMS) else key


def _term_key(term: str) -> int:
    """The key of one character n-gram, as ``_gram_keys`` computes it in bulk."""
    key = 0
    for char in term:
        key = (key << _BITS) | ord(char)
    return key | int(_SHORTER) if len(term) < max(NGRAMS) else key


def _counts(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """Term counts as scikit-learn's vectorizers build them: float64 CSR, column indices sorted. (scipy puts
    the entries into rows in one pass and then sorts and sums each row: faster than one sort of them all.)"""
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_rows, n_cols))
    counts.sum_duplicates()
    return counts


class BulkCounter:
    """``transform`` of a fitted ``make_vectorizer`` union for a batch of texts, counted in bulk.

    Each word is looked up once, for an id (every word of the vocabulary has one, alone or in a pair); the
    word pairs are then found among consecutive ids with numpy rather than built and looked up one by one.
    Character n-grams are integer keys (``_term_key``), looked up with numpy too.
    """

    def __init__(self, union: FeatureUnion):
        (_, self.words), (_, self.chars) = union.transformer_list
        self._word_ids: dict[str, int] = {}
        terms = [([self._word_ids.setdefault(word, len(self._word_ids)) for word in term.split(_PAIR)], col)
                 for term, col in self.words.vocabulary_.items()]
        if any(len(ids) > 2 for ids, _ in terms):
            raise ValueError("word features must be words or word pairs")
        self._n_words = len(self._word_ids)
        self._word_cols = np.full(self._n_words, -1, dtype=np.int64)  # word id -> column of the word alone
        for ids, col in terms:
            if len(ids) == 1:
                self._word_cols[ids[0]] = col
        self._pairs = _KeyTable([(self._pair_key(*ids), col) for ids, col in terms if len(ids) == 2])
        grams = list(self.chars.vocabulary_.items())
        if any(len(gram) not in NGRAMS for gram, _ in grams):
            raise ValueError(f"character features must be {NGRAMS}-grams")
        self._grams = _KeyTable([(_term_key(gram), col) for gram, col in grams])

    def _pair_key(self, first, second):
        return first * self._n_words + second

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The union's ``transform(texts)``: each part's counts, its TF-IDF weighting, side by side."""
        parts = [(self.words, self._word_counts(texts)), (self.chars, self._char_counts(texts))]
        # _tfidf is the vectorizer's fitted TfidfTransformer: the very weighting its transform applies
        return sp.hstack([vectorizer._tfidf.transform(counts, copy=False) for vectorizer, counts in parts]).tocsr()

    def _word_counts(self, texts: list[str]) -> sp.csr_matrix:
        words = [tokenize(text) for text in texts]
        rows = np.repeat(np.arange(len(texts)), [len(these) for these in words])
        # every word's id (-1: none), looked up in one C loop (``map``) rather than a comprehension
        ids = np.fromiter(map(self._word_ids.get, chain.from_iterable(words), repeat(-1)), dtype=np.int64,
                          count=len(rows))
        alone = (ids >= 0) & (self._word_cols[ids] >= 0)
        pair = (ids[:-1] >= 0) & (ids[1:] >= 0) & (rows[:-1] == rows[1:])  # two known words in a row, one text
        pair_cols, found = self._pairs.look_up(self._pair_key(ids[:-1][pair], ids[1:][pair]))
        return _counts(np.concatenate((rows[alone], rows[:-1][pair][found])),
                       np.concatenate((self._word_cols[ids[alone]], pair_cols)), len(texts),
                       len(self.words.vocabulary_))

    def _char_counts(self, texts: list[str]) -> sp.csr_matrix:
        squeezed = [_squeezed(text) for text in texts]
        points = np.frombuffer("".join(squeezed).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter(map(len, squeezed), dtype=np.int64, count=len(texts))
        ends = np.cumsum(lengths)
        row_of = np.repeat(np.arange(len(texts)), lengths)
        rows, cols = [], []
        for n in NGRAMS:
            starts = np.flatnonzero(np.arange(len(points)) + n <= ends[row_of])  # n-grams inside one text
            found_cols, found = self._grams.look_up(_gram_keys(points, starts, n))
            rows.append(row_of[starts[found]])
            cols.append(found_cols)
        return _counts(np.concatenate(rows), np.concatenate(cols), len(texts), len(self.chars.vocabulary_))


class _KeyTable:
    """Integer keys -> columns in an open-addressing hash table (linear probing, at most half full), looked
    up for a whole batch at once with numpy: about twice as fast as a binary search in 150,000 sorted keys."""

    _EMPTY = np.uint64(2**64 - 1)  # no key: n-gram keys leave bits free, pair keys are far smaller
    _SPREAD = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key x this, a slot

    def __init__(self, items: list[tuple[int, int]]):
        keys = np.array([key for key, _ in items], dtype=np.uint64)
        cols = np.array([col for _, col in items], dtype=np.int64)
        bits = max(4, (2 * len(keys)).bit_length())
        self._shift, self._mask = np.uint64(64 - bits), (1 << bits) - 1
        self._keys = np.full(1 << bits, self._EMPTY, dtype=np.uint64)
        self._cols = np.full(1 << bits, -1, dtype=np.int64)
        pending, slot = np.arange(len(keys)), self._home(keys)
        while len(pending):  # each key goes to the first free slot from its home; one key per slot a round
            free = pending[self._keys[slot[pending]] == self._EMPTY]
            taken, first = np.unique(slot[free], return_index=True)
            self._keys[taken], self._cols[taken] = keys[free[first]], cols[free[first]]
            pending = pending[self._keys[slot[pending]] != keys[pending]]
            slot[pending] = (slot[pending] + 1) & self._mask

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys * self._SPREAD) >> self._shift).astype(np.int64)

    def look_up(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Columns of the queries that are keys, and the mask of those queries."""
        queries = queries.astype(np.uint64, copy=False)
        slot = self._home(queries)
        held = self._keys[slot]  # (each gather from the table is a cache miss a query: one of each)
        found = held == queries
        probing = np.flatnonzero(~found & (held != self._EMPTY))
        while len(probing):  # the few whose home slot another key holds: walk on (a hit stays on its slot)
            slot[probing] = (slot[probing] + 1) & self._mask
            held = self._keys[slot[probing]]
            hit = held == queries[probing]
            found[probing[hit]] = True
            probing = probing[~hit & (held != self._EMPTY)]
        return self._cols[slot[found]], found
