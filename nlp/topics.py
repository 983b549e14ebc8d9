"""Topics: posts about one problem, in whatever words, clustered incrementally over a sliding window.

``TopicTracker.add(post_id, text, published_at, places, category, title=...)`` puts a post into the most
similar open topic or opens a new one, and returns the topic id (``"topic:"`` + the id of the post that
opened it, so it never changes; ``None`` for a post without a content word). A post is a bag of words
(``tokenize`` on the normalised title and text; title words count twice; particles, digits and
one-character words dropped; words of 3+ hanzi also lend half a count to their character pairs) with
sublinear counts. A topic keeps the sum of its posts' vectors; similarity is their cosine after weighting
each word by an IDF that blends the tracker's own document frequencies (updated with every post) with
jieba's general table, so the first posts of a run are weighed sensibly too. Candidates come from an
inverted index over the open topics' words: a post is compared only with the few topics that share its most
telling words.

Places say where, words say what: words that belong to the post's place names count ``place_word_weight``
(0.3); a place shared with the topic adds ``place_bonus`` (0.2), halving for every ``half_life`` between
the post and the topic's posts, so a burst at one estate holds together even in different words; a post
whose places are all unknown to a topic that has places gets ``place_penalty`` (1.0: the same complaint
about another estate is another issue). Provinces and cities (A市 too) are places for the words but are
not compared: nearly every post of one deployment names its city, and on the annotated pairs of board
messages comparing them joined different issues of one city (``python nlp/tools/topic_accuracy.py``).
The same category adds ``category_bonus``. A post joins the best
topic scoring at least ``threshold`` (0.3).

Time: the clock is the latest ``published_at`` seen (data time, not wall time: backfills and re-runs give
the same topics). A topic is open while its last post is within ``window`` of the clock, and a post joins
only an open topic whose span it falls within ``window`` of, so posts that arrive slightly out of order
still join. Closed topics are never joined again but are reported until their last post is older than
``keep``; then they are forgotten.

Heat (``Topic.heat``): the sum over the topic's posts of the last 24 hours of 2^(-age / half_life), ages
counted back from ``now``; with the default 6-hour half-life a post of this hour counts about 1, one from
six hours ago 0.5, one from yesterday at most 0.06. Ten posts in the last hour outrank forty spread over
a week. ``topics(now)`` ranks by heat, then size.

State round-trips through plain JSON (``to_dict``/``from_dict``, ``save``/``load``) completely, so a daily
run continues yesterday's topics exactly as one long run would; reports never change the state.
``build_topics(records)`` is the command line's contract: dicts in, ranked topic dicts out.

Speed (enrichment adds every post here, so this is its largest stage): the terms of a batch of posts are
counted in half counts together, with numpy (``posts_terms``); IDF values missing from the generation are computed
together; the sweep visits only the topics due (heaps by last post) instead of every topic; the post's
weighted vector, computed for the candidates, also gives a new topic its length. Each keeps every result
bit for bit (the order of floating-point sums included): topic assignments and the saved state are those
of the plain loops.
"""

from __future__ import annotations

import heapq
import json
import math
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import chain
from pathlib import Path

import numpy as np

from sheqing.files import write_json_atomic
from nlp.dedup import content_words, general_idf, unmarked
from nlp.datasets import post_text
from nlp.places import extract_places, is_wide

__all__ = ["Topic", "TopicTracker", "build_topics", "post_terms", "posts_terms"]

HEAT_HORIZON = 24 * 3600.0
_HANZI = re.compile(r"[\u4e00-\u9fff]+")
SUBWORD_WEIGHT = 0.5
STOPWORDS = frozenset(
    "我们 你们 他们 大家 自己 这个 那个 这些 那些 这样 那样 这里 那里 什么 怎么 怎样 为什么 是不是 有没有 没有 "
    "可以 已经 还是 就是 但是 而且 因为 所以 如果 现在 今天 昨天 一下 一直 一个 一些 知道 觉得 感觉 看到 请问 "
    "谢谢 希望 问题 情况 时候 真的 还有 不是 只是 出来 起来 然后 之前 以后 后来 直接 可能 应该 需要 不能 不会 "
    "还要 到底 到了 多少 一样 其他 这么 那么 以及 或者 关于 进行 表示 您好 你好 领导 尊敬".split()
)


def post_terms(title: str, text: str, title_weight: int = 2) -> dict[str, float]:
    """Word vector of a post: sublinear counts (1 + ln tf) of its content words, title words counted
    ``title_weight`` times (a whole number). Words of three or more hanzi also lend half a count to each of
    their character pairs, so that 燃气味 and 燃气泄漏 meet on 燃气. (``posts_terms`` of one post.)"""
    return posts_terms([(title, text)], title_weight)[0]


def posts_terms(posts: list[tuple[str, str]], title_weight: int = 2) -> list[dict[str, float]]:
    """``post_terms`` of each (title, text), counted for the whole batch at once with numpy.

    Each word stands for its terms in half counts (``_TermTable``: the word twice, then each character
    pair once), so every count is a whole number of halves: one stable sort by post and term sums them,
    and each post's terms come out in the order they first appear. The counts, and so the order of a
    topic's floating-point sums, are those of adding each word and then its pairs one by one (a test
    compares them); the values come from a table made with ``math.log``, the very numbers the plain loop
    gives."""
    table = _TERMS
    table.make_room()
    words = [(content_words(title) if title and title_weight > 0 else (), content_words(text) if text else ())
             for title, text in posts]
    spans = np.fromiter(chain.from_iterable((len(t), len(b)) for t, b in words), dtype=np.int64,
                        count=2 * len(words))
    ids = np.fromiter(map(table.__getitem__, chain.from_iterable(chain.from_iterable(words))), dtype=np.int64,
                      count=int(spans.sum()))
    terms, n_terms = table.terms_of(ids)
    rows = np.repeat(np.repeat(np.arange(len(words)), spans.reshape(-1, 2).sum(axis=1)), n_terms)
    halves = np.repeat(np.repeat(np.tile([title_weight, 1], len(words)), spans), n_terms)
    key = rows * len(table.names) + terms
    order = np.argsort(key, kind="stable")  # by post and term; within one, first appearance first
    starts = np.flatnonzero(np.diff(key[order], prepend=-1))
    sums, first = np.add.reduceat(halves[order], starts) if len(key) else halves, order[starts]
    by_appearance = np.argsort(first)
    first, sums = first[by_appearance], sums[by_appearance]
    names = table.names.values[terms[first]].tolist()
    values = _half_count_values(int(sums.max(initial=0)))[sums].tolist()
    ends = np.cumsum(np.bincount(rows[first], minlength=len(words))).tolist()
    return [dict(zip(names[a:b], values[a:b])) for a, b in zip([0] + ends, ends)]


class _Growing:
    """A numpy array that grows by appending (capacity doubling); ``values`` holds at least the items."""

    def __init__(self, dtype):
        self.values, self.size = np.empty(1024, dtype=dtype), 0

    def __len__(self) -> int:
        return self.size

    def extend(self, items) -> None:
        if self.size + len(items) > len(self.values):
            grown = np.empty(2 * (self.size + len(items)), dtype=self.values.dtype)
            grown[:self.size] = self.values[:self.size]
            self.values = grown
        self.values[self.size:self.size + len(items)] = items
        self.size += len(items)


class _TermTable(dict):
    """Word -> word id, for ``posts_terms``. A word adds to a post vector each of its terms once per half
    count: the word twice, then each character pair of a word of three or more hanzi once; nothing for
    particles, digits, one-character words and stop words. ``terms_of`` gives the term ids of word ids;
    ``names`` names each term id. Filled on first sight (new words wait in lists until ``terms_of`` adds
    them to the arrays); ``make_room`` forgets it all at once, between batches, past ``MAX_WORDS`` words."""

    MAX_WORDS = 500_000

    def __init__(self):
        super().__init__()
        self.make_room(force=True)

    def make_room(self, force: bool = False) -> None:
        if force or len(self) >= self.MAX_WORDS:
            self.clear()
            self._starts, self._counts = _Growing(np.int64), _Growing(np.int64)  # by word id: where its terms are
            self._flat, self.names = _Growing(np.int64), _Growing(object)     # term ids; term id -> term
            self._term_ids: dict[str, int] = {}
            self._new_words: list[tuple[int, ...]] = []
            self._new_names: list[str] = []

    def __missing__(self, word: str) -> int:
        if len(word) <= 1 or word.isdigit() or word in STOPWORDS:
            terms: tuple[str, ...] = ()
        elif len(word) > 2 and _HANZI.fullmatch(word):
            terms = (word, word, *(word[i:i + 2] for i in range(len(word) - 1)))
        else:
            terms = (word, word)
        self._new_words.append(tuple(map(self._term_id, terms)))
        word_id = self[word] = len(self)
        return word_id

    def _term_id(self, term: str) -> int:
        found = self._term_ids.get(term)
        if found is None:
            found = self._term_ids[term] = len(self._term_ids)
            self._new_names.append(term)
        return found

    def terms_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of a sequence of word ids, one word after another, and how many each word has."""
        if self._new_words:
            counts = [len(terms) for terms in self._new_words]
            self._starts.extend(len(self._flat) + np.cumsum(counts) - counts)
            self._counts.extend(counts)
            self._flat.extend(list(chain.from_iterable(self._new_words)))
            self.names.extend(self._new_names)
            self._new_words, self._new_names = [], []
        counts = self._counts.values[ids]
        offsets = np.repeat(self._starts.values[ids] - (np.cumsum(counts) - counts), counts)
        return self._flat.values[offsets + np.arange(len(offsets))], counts


_TERMS = _TermTable()
_VALUES = np.zeros(0)


def _half_count_values(most: int) -> np.ndarray:
    """Value of each count in halves, at least up to ``most``: 1 + ln(count) from one whole count up, else the
    count (``math.log``'s numbers). Made again, twice as long, only when a count outgrows it."""
    global _VALUES
    if len(_VALUES) <= most:
        _VALUES = np.array([1.0 + math.log(halves / 2) if halves >= 2 else halves / 2
                            for halves in range(2 * (most + 1))])
    return _VALUES


def _largest(n: int, mapping: dict) -> list[tuple]:
    """The ``n`` (key, value) pairs of largest value, largest first; ties by key, larger first.
    (Sorting (value, key) tuples needs no key function: the same order, faster.)"""
    return [(key, value) for value, key in sorted(zip(mapping.values(), mapping), reverse=True)[:n]]


_NOWHERE: dict = {}  # the postings of a word no open topic has (never written to)


def _epoch(moment: datetime, name: str = "published_at") -> float:
    """Seconds since the epoch of an aware time; a time without a zone raises ``ValueError`` naming it."""
    if moment.tzinfo is None:
        raise ValueError(f"{name} {moment.isoformat()!r} has no time zone (add +08:00 or Z)")
    return moment.timestamp()


@dataclass
class Topic:
    """One issue as reported: what it is about, where, how big, and how hot at the time of the report."""

    id: str
    label: str
    keywords: list[str]
    places: list[str]
    size: int
    first_seen: datetime
    last_seen: datetime
    ids: list[str]
    heat: float
    open: bool = True
    category: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["first_seen"], data["last_seen"] = self.first_seen.isoformat(), self.last_seen.isoformat()
        return data


@dataclass(slots=True)
class _State:
    """A topic inside the tracker: the sum of its posts' vectors and what the report needs."""

    id: str
    vector: dict[str, float] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    places: dict[str, int] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    titles: dict[str, int] = field(default_factory=dict)
    first: float = math.inf
    last: float = -math.inf
    norm: float = 0.0
    square: float = 0.0          # norm squared, kept up to date while the IDF generation stays the same
    generation: int = -1
    indexed: bool = True         # in the word index (open topics only)


class TopicTracker:
    """Incremental clustering of posts into topics over a sliding time window (see the module docstring)."""

    PARAMETERS = ("threshold", "place_bonus", "place_penalty", "place_word_weight", "category_bonus",
                  "prior_weight", "probe", "candidates", "scan", "doc_terms", "max_terms")

    def __init__(self, window: timedelta = timedelta(days=7), threshold: float = 0.3, *,
                 place_bonus: float = 0.2, place_penalty: float = 1.0, place_word_weight: float = 0.3,
                 category_bonus: float = 0.05, keep: timedelta = timedelta(days=30),
                 half_life: timedelta = timedelta(hours=6), prior_weight: float = 1000.0, probe: int = 8,
                 candidates: int = 8, scan: int = 400, doc_terms: int = 64, max_terms: int = 300):
        if keep < window:
            raise ValueError("keep must be at least the window")
        self.window, self.threshold, self.keep, self.half_life = window, threshold, keep, half_life
        self.place_bonus, self.place_penalty, self.category_bonus = place_bonus, place_penalty, category_bonus
        self.place_word_weight = place_word_weight
        self.prior_weight, self.probe, self.candidates, self.max_terms = prior_weight, probe, candidates, max_terms
        self.scan, self.doc_terms = scan, doc_terms
        self.clock, self.offset, self.docs = -math.inf, 0.0, 0
        self.df: Counter[str] = Counter()               # word -> posts that had it
        self._topics: dict[str, _State] = {}
        self._post_topic: dict[str, str] = {}
        self._postings: dict[str, dict[str, _State]] = {}  # word -> open topics that have it
        self._idf: dict[str, float] = {}                # IDF values of the current generation
        self._idf_docs, self._idf_generation, self._next_sweep = 0, 0, -math.inf
        self._open: list[tuple[float, str]] = []        # heap of (last post, id) of the open topics, lazily updated
        self._closed: list[tuple[float, str]] = []      # heap of (last post, id) of the closed topics

    # -- weights ----------------------------------------------------------------------------------
    def _idf_values(self, words) -> dict[str, float]:
        """The IDF of each word as of now (what a generation holds from the moment it first needs a word)."""
        table, median = general_idf()
        docs, df, prior, log = self.docs, self.df, self.prior_weight, math.log
        total = docs + prior
        return {word: (docs * (log((1 + docs) / (1 + df.get(word, 0))) + 1.0) + prior * table.get(word, median))
                / total for word in words}

    def idf(self, word: str) -> float:
        """IDF of ``word``: the tracker's own, blended with jieba's general IDF as ``prior_weight`` documents.
        Values hold for a generation, renewed each time the document count has grown by 10%."""
        return self._idfs((word,))[word]

    def _idfs(self, words) -> dict[str, float]:
        """The generation's values, holding ``idf`` of each of ``words``. A word it does not hold yet renews
        the generation first if that is due, so the values of ``words`` all belong to one generation.

        The table itself is returned, not a copy: it changes only at the next call (a renewal empties it),
        and ``add`` reads the post's values before ``_join`` asks again, for a topic's words."""
        held = self._idf
        missing = [word for word in words if word not in held]
        if missing:
            if self.docs > self._idf_docs * 1.1 + 50:
                held.clear()
                self._idf_docs, self._idf_generation = self.docs, self._idf_generation + 1
                missing = list(words)
            held.update(self._idf_values(missing))
        return held

    # -- adding posts ----------------------------------------------------------------------------
    def add(self, post_id: str, text: str, published_at: datetime, places=(), category: str | None = None,
            *, title: str = "", terms: dict[str, float] | None = None) -> str | None:
        """Put a post into a topic and return the topic id. A post id seen before keeps its topic. A post
        without a content word (empty, or "顶", "+1", "谢谢" without a title) joins no topic and opens none:
        there is nothing to say what it is about, and its topic would have no label. It gets ``None``.

        Pass the thread title as ``title`` (its words count double), or precomputed ``terms`` from
        ``post_terms``. ``places`` are place strings, ``PlaceMention``s or dicts with a ``text`` and a
        ``kind``; a province or city (``nlp.places.is_wide``) weighs its words down like any place but is not
        compared with the topics' places.
        """
        if post_id in self._post_topic:
            return self._post_topic[post_id]
        moment = _epoch(published_at)
        vector = terms if terms is not None else post_terms(title, text)
        if not vector:
            return None
        named = [(p["text"], p.get("kind")) if isinstance(p, dict) else (str(p), None) if isinstance(p, str)
                 else (p.text, p.kind) for p in places or ()]
        places = list(dict.fromkeys(text for text, kind in named if not is_wide(text, kind)))
        if named and self.place_word_weight != 1:  # where is the places' business; words say what
            names = {name.lower() for name, _ in named}  # (the words are lower case: A3区 is the word a3区)
            inside = {name[i:j] for name in names for j in range(len(name) + 1) for i in range(j + 1)}
            found = inside.intersection(vector)
            if found:  # (a copy: ``terms`` is the caller's)
                vector = dict(vector)
                for word in found:
                    vector[word] *= self.place_word_weight
        if moment > self.clock:
            self.clock, self.offset = moment, published_at.utcoffset().total_seconds()
            if moment >= self._next_sweep:  # at most once a day of data time
                self._sweep()
                self._next_sweep = moment + 86400.0
        self.docs += 1
        self.df.update(vector.keys())
        idf = self._idfs(vector)
        topic, weights = self._best(vector, idf, moment, places, category)
        if topic is None:
            topic = self._topics[f"topic:{post_id}"] = _State(id=f"topic:{post_id}")
            heapq.heappush(self._open, (moment, topic.id))
        self._join(topic, post_id, moment, vector, idf, weights, places, category, title or text.split("\n", 1)[0])
        return topic.id

    def _best(self, vector, idf, moment, places, category) -> tuple[_State | None, dict[str, float]]:
        """The topic the post joins (None: it opens one), and the post's IDF-weighted vector."""
        weights = all_weights = {word: value * idf[word] for word, value in vector.items()}
        ranked = _largest(self.doc_terms, weights)
        if len(weights) > self.doc_terms:  # the tail of a long post hardly moves a cosine
            weights = dict(ranked)
        norm = math.sqrt(sum([w * w for w in weights.values()]))
        scaled = {word: w * idf[word] for word, w in weights.items()}  # dot = sum(scaled * topic vector)
        partial: dict[str, float] = {}  # the most telling words' share of the cosine picks the candidates
        budget = self.scan
        for word, _ in ranked[:self.probe]:
            postings = self._postings.get(word, _NOWHERE)
            if len(postings) > budget:  # a word shared by that many topics tells little: skip it
                continue
            budget, weight, get = budget - len(postings), scaled[word], partial.get
            for topic_id, topic in postings.items():
                partial[topic_id] = get(topic_id, 0.0) + weight * topic.vector[word] / topic.norm
        if not partial:
            return None, all_weights
        best, best_score, topics = None, self.threshold, self._topics
        span, clock = self.window.total_seconds(), self.clock
        joinable = {topic_id: share for topic_id, share in partial.items()
                    if clock - (topic := topics[topic_id]).last <= span
                    and topic.first - span <= moment <= topic.last + span}
        for topic_id, _ in _largest(self.candidates, joinable):
            topic = topics[topic_id]
            other = topic.vector
            if len(other) < len(scaled):
                dot = sum([value * scaled[word] for word, value in other.items() if word in scaled])
            else:
                dot = sum([value * other[word] for word, value in scaled.items() if word in other])
            score = dot / (norm * topic.norm)
            if score <= 0:
                continue
            if places and topic.places:
                if any(place in topic.places for place in places):  # same place within hours: same event
                    gap = max(0.0, topic.first - moment, moment - topic.last)
                    score += self.place_bonus * 2.0 ** (-gap / self.half_life.total_seconds())
                else:
                    score -= self.place_penalty
            if category and topic.categories and max(topic.categories, key=topic.categories.get) == category:
                score += self.category_bonus
            if score >= best_score and (best is None or score > best_score):
                best, best_score = topic, score
        return best, all_weights

    def _join(self, topic: _State, post_id, moment, vector, idf, weights, places, category, title) -> None:
        topic.ids.append(post_id)
        topic.times.append(moment)
        topic.first, topic.last = min(topic.first, moment), max(topic.last, moment)
        postings, new = self._postings, not topic.vector
        if new:  # a new topic (most posts open one): every word is new to it, its length is the post's
            topic.vector = {word: 0.0 + value for word, value in vector.items()}
            topic_id = topic.id
            for word in vector:
                postings.setdefault(word, {})[topic_id] = topic
        else:
            incremental = topic.generation == self._idf_generation
            sums, square = topic.vector, topic.square
            for word, value in vector.items():
                before = sums.get(word)
                if before is None:
                    postings.setdefault(word, {})[topic.id] = topic
                    before = 0.0
                sums[word] = before + value
                if incremental:
                    square += ((before + value) ** 2 - before ** 2) * idf[word] ** 2
            topic.square = square
        if len(topic.vector) > 2 * self.max_terms:
            self._prune(topic)
        for place in places:
            topic.places[place] = topic.places.get(place, 0) + 1
        if category:
            topic.categories[category] = topic.categories.get(category, 0) + 1
        label = unmarked(title).strip()[:80]
        if label and (label in topic.titles or len(topic.titles) < 50):
            topic.titles[label] = topic.titles.get(label, 0) + 1
        if topic.generation != self._idf_generation:  # new topic, pruned, or the IDF moved on: recompute
            if new and len(topic.vector) == len(weights):  # a new topic's weights are the post's
                square = sum([w ** 2 for w in weights.values()])
            else:  # (a new topic, pruned, has only words of this post)
                idf = idf if new else self._idfs(topic.vector)
                square = sum([(value * idf[word]) ** 2 for word, value in topic.vector.items()])
            # (the square of the length, as the state has always held it: not quite the sum of squares)
            topic.square, topic.generation = math.sqrt(square) ** 2, self._idf_generation
        topic.norm = math.sqrt(max(topic.square, 0.0))
        self._post_topic[post_id] = topic.id

    def _prune(self, topic: _State) -> None:
        keep = dict(_largest(self.max_terms, topic.vector))
        for word in [word for word in topic.vector if word not in keep]:
            self._postings.get(word, _NOWHERE).pop(topic.id, None)
        topic.vector = {word: value for word, value in topic.vector.items() if word in keep}
        topic.generation = -1

    def _sweep(self) -> None:
        """Take closed topics out of the word index (they are never joined again) and forget expired ones.

        Only the topics due are visited: the open ones sit in a heap by their last post as it was when they
        were pushed (a topic joined since is pushed back with its new last post when it comes up), the
        closed ones, whose last post no longer changes, in another."""
        closed, expired = self.clock - self.window.total_seconds(), self.clock - self.keep.total_seconds()
        postings, topics = self._postings, self._topics
        while self._open and self._open[0][0] < closed:
            _, topic_id = heapq.heappop(self._open)
            topic = topics[topic_id]
            if topic.last >= closed:
                heapq.heappush(self._open, (topic.last, topic_id))
                continue
            for word in topic.vector:  # an open topic is in the postings of each of its words
                del postings[word][topic_id]
            topic.indexed = False
            heapq.heappush(self._closed, (topic.last, topic_id))
        while self._closed and self._closed[0][0] < expired:
            topic = topics.pop(heapq.heappop(self._closed)[1])
            for post_id in topic.ids:
                self._post_topic.pop(post_id, None)

    # -- reports (read only: they never change what later posts join) ----------------------------
    def topic_of(self, post_id: str) -> str | None:
        return self._post_topic.get(post_id)

    def topics(self, now: datetime | None = None, min_size: int = 1) -> list[Topic]:
        """Topics not yet expired at ``now`` (default: the clock), hottest first, then biggest."""
        at = self.clock if now is None else _epoch(now, "now")
        shown = [topic for topic in self._topics.values()
                 if topic.first <= at and at - topic.last <= self.keep.total_seconds() and len(topic.ids) >= min_size]
        titles = list(dict.fromkeys(title for topic in shown for title in topic.titles))
        title_terms = dict(zip(titles, posts_terms([(title, "") for title in titles])))  # one batch for all
        reports = [self._report(topic, at, title_terms) for topic in shown]
        return sorted(reports, key=lambda t: (-t.heat, -t.size, -t.last_seen.timestamp(), t.id))

    def _report(self, topic: _State, at: float, title_terms: dict[str, dict[str, float]]) -> Topic:
        """The report of one topic; ``title_terms``: ``post_terms`` of each of its titles."""
        half = self.half_life.total_seconds()
        heat = sum(2.0 ** (-(at - t) / half) for t in topic.times if 0 <= at - t <= HEAT_HORIZON)
        held = self._idf

        def idf(word: str) -> float:  # peek: a value the generation does not hold yet is not kept
            value = held.get(word)
            return self._idf_values((word,))[word] if value is None else value

        weights = {word: value * idf(word) for word, value in topic.vector.items()}
        keywords = _distinct([word for word, _ in _largest(24, weights)])[:8]
        label, label_key = "", None  # the title nearest the centroid (cosine), ties by count
        for title, count in topic.titles.items():
            vector = {word: value * idf(word) for word, value in title_terms[title].items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            key = (round(sum(v * weights.get(w, 0.0) for w, v in vector.items()) / norm, 6), count)
            if label_key is None or key > label_key:
                label, label_key = title, key
        zone = timezone(timedelta(seconds=self.offset))
        return Topic(id=topic.id, label=label or "、".join(keywords[:3]), keywords=keywords,
                     places=sorted(topic.places, key=lambda p: -topic.places[p])[:3], size=len(topic.ids),
                     first_seen=datetime.fromtimestamp(topic.first, zone),
                     last_seen=datetime.fromtimestamp(topic.last, zone),
                     ids=[post_id for _, post_id in sorted(zip(topic.times, topic.ids))], heat=round(heat, 4),
                     open=self.clock - topic.last <= self.window.total_seconds(),
                     category=max(topic.categories, key=topic.categories.get) if topic.categories else None)

    # -- persistence -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain-JSON state, complete: a loaded tracker continues exactly as this one would."""
        return {
            "format": "sheqing.topics/1", "window_s": self.window.total_seconds(), "keep_s": self.keep.total_seconds(),
            "half_life_s": self.half_life.total_seconds(), **{name: getattr(self, name) for name in self.PARAMETERS},
            "clock": None if self.clock == -math.inf else self.clock, "offset": self.offset, "docs": self.docs,
            "df": self.df, "idf": self._idf, "idf_docs": self._idf_docs, "idf_generation": self._idf_generation,
            "next_sweep": None if self._next_sweep == -math.inf else self._next_sweep,
            "topics": [{name: getattr(t, name) for name in _State.__dataclass_fields__ if name != "norm"}
                       for t in self._topics.values()],
        }

    @classmethod
    def from_dict(cls, state: dict) -> "TopicTracker":
        if state.get("format") != "sheqing.topics/1":
            raise ValueError("not a sheqing topic state")
        tracker = cls(window=timedelta(seconds=state["window_s"]), keep=timedelta(seconds=state["keep_s"]),
                      half_life=timedelta(seconds=state["half_life_s"]), **{n: state[n] for n in cls.PARAMETERS})
        tracker.clock = -math.inf if state["clock"] is None else state["clock"]
        tracker.offset, tracker.docs = state["offset"], state["docs"]
        tracker.df, tracker._idf = Counter(state["df"]), dict(state["idf"])
        tracker._idf_docs, tracker._idf_generation = state["idf_docs"], state["idf_generation"]
        tracker._next_sweep = -math.inf if state["next_sweep"] is None else state["next_sweep"]
        for item in state["topics"]:
            topic = tracker._topics[item["id"]] = _State(**item)
            topic.norm = math.sqrt(max(topic.square, 0.0))
            for post_id in topic.ids:
                tracker._post_topic[post_id] = topic.id
            for word in topic.vector if topic.indexed else ():
                tracker._postings.setdefault(word, {})[topic.id] = topic
            (tracker._open if topic.indexed else tracker._closed).append((topic.last, topic.id))
        heapq.heapify(tracker._open)
        heapq.heapify(tracker._closed)
        return tracker

    def save(self, path: str | os.PathLike) -> None:
        """Write the state as JSON atomically (temporary file, then rename)."""
        write_json_atomic(Path(path), self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TopicTracker":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _distinct(words: list[str]) -> list[str]:
    """Drop a keyword contained in a higher-ranked one (``溪岸`` after ``溪岸花园``)."""
    kept: list[str] = []
    for word in words:
        if not any(word in other or other in word for other in kept):
            kept.append(word)
    return kept


def _published(record: dict) -> tuple[datetime, float]:
    """A record's ``published_at`` and its epoch seconds; a value that is not an ISO 8601 time with a zone
    raises ``ValueError`` naming the post (before any post is added)."""
    value, name = record["published_at"], f"post {record.get('id')!r}: published_at"
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not an ISO 8601 time") from None
    return moment, _epoch(moment, name)


def build_topics(records: list[dict], tracker: TopicTracker | None = None) -> list[dict]:
    """Topics of ``records`` (dicts with id, title, text, published_at as ISO 8601 with a zone, and optional
    places and category), ranked by heat at the latest post: dicts with id, label, keywords, places, size,
    first_seen, last_seen (ISO strings), ids, heat, open and category. A record without places gets those
    ``extract_places`` finds in its title and text, as enrichment gives them."""
    tracker = tracker or TopicTracker()
    rows = sorted(((*_published(r), str(r["id"]), r) for r in records), key=lambda row: row[1:3])  # time, id
    for at in range(0, len(rows), 512):
        batch = rows[at:at + 512]
        terms = posts_terms([(record.get("title") or "", record.get("text") or "") for *_, record in batch])
        for (moment, _, post_id, record), vector in zip(batch, terms):
            title, text, places = record.get("title") or "", record.get("text") or "", record.get("places")
            if places is None:  # (the command's input: id, title, text, published_at)
                places = extract_places(post_text(title, text))
            tracker.add(post_id, text, moment, places, record.get("category"), title=title, terms=vector)
    return [topic.to_dict() for topic in tracker.topics()]
