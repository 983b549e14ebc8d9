"""Near-duplicate posts: 64-bit SimHash fingerprints and an incremental index that groups them.

``simhash(text)`` fingerprints a post (pass title and text for a thread's first floor, the text alone for
a reply). ``content_of`` normalises the text (``normalize_text``), drops repost markers at the start of
any line (``转发：``, ``【转】``, ``转自某论坛：``, ``重发``...) and fillers reposters add or drop (``求扩散``,
``谢谢大家``, ``【急】``...). The features are the *distinct* character 3-grams of the text without
punctuation or spaces plus its distinct words (``content_words``: ``tokenize`` on the text with its case
kept, each word then lower-cased, so that a line is cut once for the classifier and here), each of
weight 1: 3-grams keep an edit local, words add content anchors, and counting each feature once stops the
function words of a long post from outvoting its content (with counts, unrelated long posts drifted within
10 bits of each other). Cutting before lowering keeps dictionary words with capitals whole (X光, IP地址);
it also means that such a word written in another case (x光) is cut otherwise, a few bits away.

``DuplicateIndex`` joins a fingerprint to the group of the nearest earlier one within ``threshold`` bits
(default 3) and returns the group id: the id of the first post added to the group, or the post's own id.
Add posts in order of publication so that the first post added is the earliest. Lookups use Manku's
permuted tables: the 64 bits are cut into ``blocks`` blocks; fingerprints within k bits agree exactly on
``blocks - k`` of them, so one hash table per choice of ``blocks - k`` blocks (4 tables of 16-bit keys at
k = 3) finds every candidate, and only candidates are compared. Group ids never change (no merging), and
adding a known post id again returns its group, so re-runs are idempotent. The state is plain JSON.

Why 3 bits: after the stripping above, reposts with a prefix, changed punctuation or an added plea are
0-2 bits from their original, while two posts from one template that differ only in the estate or street
(different issues) are already 4-6 bits apart on the demo corpus. Among the 8 million pairs of 4,024 real
government messages, the pairs within 3 bits are resubmissions of one message, and unrelated pairs appear
from 10 bits on; at 10^5 posts (600 times the pairs) a wider threshold would start joining strangers.
Rewording (a changed or dropped sentence) moves a short post 8-15 bits: that is the topic tracker's job.
Measured on 409 pairs of board messages judged by reading (``python nlp/tools/topic_accuracy.py``): no
group holds two messages that are not copies, and groups hold about half the copies annotators found
(edited resubmissions); at 6 bits they would hold 0.7, but on the demo corpus six pairs of posts written
from one template about different estates, roads or employers are 5-6 bits apart, and a warning about one
estate filed as a repost of another's would be folded into the other's alert. 124 of the 125 copies
share a topic anyway.

Texts shorter than ``MIN_CHARS`` meaningful characters ("顶", "同问", "+1") carry too little to judge:
``add(..., short=True)`` (or ``add_text``, which decides by itself) keeps such a post in its own group.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from functools import lru_cache
from itertools import combinations
from pathlib import Path

import numpy as np

from nlp.normalize import normalize_text
from sheqing.files import write_json_atomic
from nlp.segment import tokenize

__all__ = [
    "simhash", "hex16", "content_of", "content_words", "strip_markers", "unmarked", "general_idf", "is_short", "DuplicateIndex", "MIN_CHARS",
    "DEFAULT_THRESHOLD", "simhashes",
]

MIN_CHARS = 15
DEFAULT_THRESHOLD = 3
SHINGLE = 3
_REPOST = re.compile(  # repost and resend markers at the start of a line
    r"^[ \t]*(?:【\s*转(?:载|发|帖)?\s*】|\[\s*转(?:载|发|帖)?\s*\]|(?:转发|转载|转帖|转)\s*[:：]"
    r"|转自[^\n:：]{0,30}[:：]|(?:re|回复|fw|fwd)\s*[:：]|(?:再发一遍|再说一遍|重发一下|重发)[,，:：!！]?)[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_FILLER = re.compile(  # pleas to spread, tags and thanks that reposters add or drop
    r"[(（【\[](?:求扩散|求转发|求助|急|急求|紧急求助|紧急)[)）】\]]|^[ \t]*(?:急|求助|紧急求助)[!！:：]+"
    r"|(?:求扩散|求转发|请扩散|帮忙扩散|扩散一下|帮忙转发|急急急)[!！。,，]*|(?:谢谢大家|谢谢各位|感谢大家)[!！。]*",
    re.MULTILINE,
)
_NOISE = re.compile(r"[^\w\u4e00-\u9fff]+")


def strip_markers(text: str) -> str:
    """``text`` without repost markers at the start of its lines and without fillers (case kept)."""
    while True:
        stripped = _REPOST.sub("", text)
        if stripped == text:
            return _FILLER.sub("", text)
        text = stripped


@lru_cache(maxsize=4096)
def unmarked(text: str) -> str:
    """``text`` normalised, without repost markers and fillers, case kept. Cached: the near-duplicate index
    and the topic tracker (its words, and a topic's titles) read the same texts."""
    return strip_markers(normalize_text(text))


def content_of(text: str) -> str:
    """The text a fingerprint is taken of: normalised, lower case, without repost markers and fillers."""
    return unmarked(text).lower()


def content_words(text: str) -> tuple[str, ...]:
    """The words of ``content_of(text)``, lower case: the words of the text with its case kept, lowered.

    Cut with the case kept, a line is the very line the classifier's features cut a moment before
    (``tokenize`` remembers it), where a lower-cased line ("a市" for "A市") would be cut a second time."""
    return tuple([word.lower() for word in tokenize(unmarked(text))])


def _compact(content: str) -> str:
    return _NOISE.sub("", content).replace("_", "")


def is_short(text: str) -> bool:
    """True when ``text`` has fewer than ``MIN_CHARS`` letters, digits or hanzi once repost markers are gone."""
    return len(_compact(content_of(text))) < MIN_CHARS


@lru_cache(maxsize=1)
def general_idf() -> tuple[dict[str, float], float]:
    """jieba's shipped IDF table (270,000 words, from a general corpus) and its median, for unknown words."""
    import jieba

    table = {}
    with open(Path(jieba.__file__).parent / "analyse" / "idf.txt", encoding="utf-8") as lines:
        for line in lines:
            word, _, value = line.rstrip().partition(" ")
            table[word] = float(value)
    return table, float(np.median(np.fromiter(table.values(), dtype=np.float64)))


class _WordFeatures(dict):
    """Word -> hash and weight (in 1/64ths) of its feature, as two little-endian 64-bit integers (bytes join
    and convert to arrays far faster than Python ints): BLAKE2b, and IDF squared over the median IDF, so
    names and rare terms count most (about 5-15 for content words, under 1 for particles). Filled on first
    sight (a dictionary look-up is several times cheaper than an ``lru_cache`` call), forgotten all at once
    past ``MAX_WORDS`` words."""

    MAX_WORDS = 1 << 18

    def __missing__(self, word: str) -> bytes:
        if len(self) >= self.MAX_WORDS:
            self.clear()
        table, median = general_idf()
        weight = round(table.get(word, median) ** 2 / median * 64)
        feature = self[word] = (hashlib.blake2b(b"w:" + word.encode("utf-8"), digest_size=8).digest()
                                + weight.to_bytes(8, "little"))
        return feature


_word_feature = _WordFeatures().__getitem__


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on an array of uint64: a fixed, well-spread 64-bit hash (and a bijection)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


# For each value of an octet of a hash, the vote (+1 or -1) it gives each of its 8 bits. Integers: the
# products below are then numpy's own loop, not BLAS, whose threads cost more than such small products.
_OCTET_SIGNS = 2 * np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(np.int64) - 1


def simhashes(texts: list[str]) -> list[int]:
    """64-bit SimHash of each text (see the module docstring for the features); 0 for an empty text.

    Computed for a batch at once: per text, the fixed cost of a dozen small numpy operations outweighed the
    work. Votes are integers (weights in 1/64ths) and their sums exact, so a text gets the same bits on
    every machine and in any batch.
    """
    return _fingerprints(texts)[0]


def _fingerprints(texts: list[str]) -> tuple[list[int], np.ndarray]:
    """``simhashes`` of texts, and the number of characters each fingerprint is taken of (letters, digits
    and hanzi of ``content_of``: what ``is_short`` counts)."""
    contents = [content_of(text) for text in texts]
    rows, hashes, weights, lengths = _weighted_features(contents, [content_words(text) for text in texts])
    octets = hashes.view(np.uint8).reshape(-1, 8)  # octet j holds bits 8j .. 8j + 7
    votes = np.empty((len(contents), 64), dtype=np.int64)
    for j in range(8):  # the weight behind each value of octet j in each text, times the votes of that value
        weight_by_value = np.bincount(rows * 256 + octets[:, j], weights=weights, minlength=len(contents) * 256)
        votes[:, 8 * j:8 * j + 8] = weight_by_value.astype(np.int64).reshape(-1, 256) @ _OCTET_SIGNS
    prints = [int(value) for value in np.packbits(votes > 0, axis=1, bitorder="little").view("<u8")[:, 0]]
    return prints, lengths


def simhash(text: str) -> int:
    """64-bit SimHash of a post's text (``simhashes`` of one text)."""
    return simhashes([text])[0]


def _weighted_features(contents: list[str], words_of: list[tuple[str, ...]]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row, 64-bit hash and weight (in 1/64ths) of the distinct features of each ``content`` (a ``content_of``
    text, with its ``content_words`` in ``words_of``), and the number
    of characters (letters, digits, hanzi) of each ``content``. The features: its character
    3-grams without punctuation (three code points packed into 63 bits, then mixed; weight 1, that is 64)
    and its words (``_word_feature``). A text of one or two characters has one character feature instead."""
    compact = [_compact(content) for content in contents]
    lengths = np.fromiter(map(len, compact), dtype=np.int64, count=len(compact))
    points = np.frombuffer("".join(compact).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    row_of = np.repeat(np.arange(len(compact), dtype=np.uint64), lengths)
    firsts = np.cumsum(lengths) - lengths
    starts = np.flatnonzero(np.arange(len(points)) + SHINGLE <= (firsts + lengths)[row_of])
    gram_rows, packed = _distinct_grams(row_of[starts], *(points[starts + i] for i in range(SHINGLE)))
    few = np.flatnonzero((lengths > 0) & (lengths < SHINGLE))  # fewer characters than one 3-gram
    words = [b"".join(map(_word_feature, dict.fromkeys(words))) for words in words_of]
    word_rows = np.repeat(np.arange(len(contents)), [len(features) // 16 for features in words])
    word_features = np.frombuffer(b"".join(words), dtype="<u8").reshape(-1, 2)
    return (np.concatenate((gram_rows, few, word_rows)).astype(np.int64),
            np.concatenate((_mix(packed), _mix(points[firsts[few]] + np.uint64(1 << 63)), word_features[:, 0])),
            np.concatenate((np.full(len(packed) + len(few), 64.0), word_features[:, 1].astype(np.float64))),
            lengths)


def _distinct_grams(rows, first, second, third) -> tuple[np.ndarray, np.ndarray]:
    """Row and packed 3-gram (21 bits a code point) of each distinct 3-gram of each row, given the rows in
    order. With code points below 2^16 (hanzi are) and fewer than 2^16 rows, row and 3-gram fit one 64-bit
    key, and one sort of those keys is three times faster than the sort by two keys that others take."""
    sixteen = np.uint64(16)
    if len(rows) and rows[-1] >> sixteen == 0 and not ((first | second | third) >> sixteen).any():
        keys = np.sort((((rows << sixteen | first) << sixteen | second) << sixteen) | third)
        keys = keys[_new(keys)]
        low = np.uint64(0xFFFF)
        rows, first, second = keys >> np.uint64(48), keys >> np.uint64(32) & low, keys >> sixteen & low
        return rows, (first << np.uint64(42)) | (second << np.uint64(21)) | (keys & low)
    packed = (first << np.uint64(42)) | (second << np.uint64(21)) | third
    order = np.lexsort((packed, rows))
    rows, packed = rows[order], packed[order]
    distinct = _new(packed) | _new(rows)
    return rows[distinct], packed[distinct]


def _new(values: np.ndarray) -> np.ndarray:
    """Mask of the entries of a sorted array that differ from the entry before."""
    new = np.ones(len(values), dtype=bool)
    new[1:] = values[1:] != values[:-1]
    return new


def hex16(fingerprint: int) -> str:
    """A fingerprint as 16 lower-case hex digits (the form stored on a post's enrichment)."""
    return f"{fingerprint & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def _block_masks(blocks: int) -> list[int]:
    """Masks of ``blocks`` contiguous bit blocks that together cover the 64 bits."""
    edges = [round(64 * i / blocks) for i in range(blocks + 1)]
    return [((1 << (hi - lo)) - 1) << lo for lo, hi in zip(edges, edges[1:])]


def default_blocks(threshold: int) -> int:
    """Manku's k + 1 blocks, or more so that table keys keep at least 16 bits (small buckets at 10^5-10^6)."""
    blocks = threshold + 1
    while 64 * (blocks - threshold) < 16 * blocks:
        blocks += 1
    return blocks


class DuplicateIndex:
    """Incremental near-duplicate groups over 64-bit fingerprints (see the module docstring)."""

    def __init__(self, threshold: int = DEFAULT_THRESHOLD, blocks: int | None = None):
        if not 0 <= threshold < 16:
            raise ValueError("threshold must be between 0 and 15 bits")
        self.threshold = threshold
        self.blocks = blocks or default_blocks(threshold)
        if self.blocks <= threshold:
            raise ValueError("blocks must exceed the threshold")
        masks = _block_masks(self.blocks)
        self._masks = [sum(masks[i] for i in chosen) for chosen in combinations(range(self.blocks),
                                                                                self.blocks - threshold)]
        self._tables: list[dict[int, list[int]]] = [{} for _ in self._masks]
        self._ids: list[str] = []           # row -> post id
        self._prints: list[int] = []        # row -> fingerprint
        self._groups: list[int] = []        # row -> row of the group's first post
        self._short: list[bool] = []
        self._row: dict[str, int] = {}      # post id -> row

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, post_id: str) -> bool:
        return post_id in self._row

    def nearest(self, fingerprint: int) -> tuple[int, int] | None:
        """(row, distance) of the closest indexed fingerprint within the threshold; earliest row on ties."""
        best: tuple[int, int] | None = None
        for mask, buckets in zip(self._masks, self._tables):
            for row in buckets.get(fingerprint & mask, ()):
                distance = (self._prints[row] ^ fingerprint).bit_count()
                if distance <= self.threshold and (best is None or (distance, row) < (best[1], best[0])):
                    best = (row, distance)
        return best

    def _insert(self, row: int, fingerprint: int) -> None:
        for mask, buckets in zip(self._masks, self._tables):
            buckets.setdefault(fingerprint & mask, []).append(row)

    def add(self, post_id: str, fingerprint: int, *, short: bool = False) -> str:
        """Index a post and return its group id: the id of the first post of its group, or its own id.

        A post id seen before keeps its group. ``short`` posts are never matched nor matched against.
        """
        if post_id in self._row:
            return self._ids[self._groups[self._row[post_id]]]
        fingerprint &= 0xFFFF_FFFF_FFFF_FFFF
        row = len(self._ids)
        found = None if short else self.nearest(fingerprint)
        self._ids.append(post_id)
        self._prints.append(fingerprint)
        self._groups.append(self._groups[found[0]] if found else row)
        self._short.append(short)
        self._row[post_id] = row
        if not short:
            self._insert(row, fingerprint)
        return self._ids[self._groups[row]]

    def add_text(self, post_id: str, text: str) -> tuple[str, str]:
        """Fingerprint ``text`` and index it: (16-hex fingerprint, group id). Short texts stay alone."""
        return self.add_texts([(post_id, text)])[0]

    def add_texts(self, posts: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """``add_text`` for (post id, text) pairs in order, fingerprinted together (``simhashes``)."""
        prints, lengths = _fingerprints([text for _, text in posts])
        return [(hex16(fingerprint), self.add(post_id, fingerprint, short=length < MIN_CHARS))  # is_short
                for (post_id, _), fingerprint, length in zip(posts, prints, lengths.tolist())]

    def group_of(self, post_id: str) -> str | None:
        row = self._row.get(post_id)
        return None if row is None else self._ids[self._groups[row]]

    # -- persistence ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-JSON state: parameters and, per post in order, id, fingerprint, group row and short flag."""
        return {
            "format": "sheqing.dedup/1", "threshold": self.threshold, "blocks": self.blocks,
            "ids": self._ids, "fingerprints": [hex16(f) for f in self._prints], "groups": self._groups,
            "short": [i for i, flag in enumerate(self._short) if flag],
        }

    @classmethod
    def from_dict(cls, state: dict) -> "DuplicateIndex":
        if state.get("format") != "sheqing.dedup/1":
            raise ValueError("not a sheqing near-duplicate index")
        index = cls(threshold=state["threshold"], blocks=state["blocks"])
        short = set(state.get("short", ()))
        for row, (post_id, hexa, group) in enumerate(zip(state["ids"], state["fingerprints"], state["groups"])):
            fingerprint = int(hexa, 16)
            index._ids.append(post_id)
            index._prints.append(fingerprint)
            index._groups.append(group)
            index._short.append(row in short)
            index._row[post_id] = row
            if row not in short:
                index._insert(row, fingerprint)
        return index

    def save(self, path: str | os.PathLike) -> None:
        """Write the state as JSON atomically (temporary file, then rename)."""
        write_json_atomic(Path(path), self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "DuplicateIndex":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
