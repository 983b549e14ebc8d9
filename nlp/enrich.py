"""Enrichment: one post in, the post with category, risk, sentiment, places, near-duplicates and topic out.

``Enricher.classify(records)`` is the stateless part (the ``sheqing classify`` contract); ``Enricher.enrich``
adds the stateful parts, near-duplicate groups and topics, whose state lives in ``state_dir`` (plain JSON)
so that tomorrow's repost joins today's original and a topic grows across runs. Work is done in batches:
the vectorizer, the three heads, the SimHash fingerprints and the topics' word vectors run once per batch.

Order per post: normalise title and text -> features -> category, risk, sentiment (probabilities and
evidence) -> risk settled by the rules (``nlp.risk_rules.settle_risk``: ``none`` where no grievance is stated,
and the floor the facts demand) -> places -> SimHash group -> topic. A post
without a word to read (empty, emoji, "顶") is not put to the models: it is ``other``, ``none``, ``neutral``.

A reply is read with its thread's title, as a reader sees it, so "关注一下" under a thread about a gas leak is
filed with the gas leak; but the facts that set a risk floor must be its own (the guide: judge the risk from
the facts in the post), or every "求地址" under an opening post about a knife fight would be rated ``high``.

The enriched record is built without validating the post again: a ``Post`` is validated when it is made
(at crawl time) and is immutable; the ``Enrichment`` added to it is validated. ``warm_up`` freezes what it
loaded out of the garbage collector's reach (``gc.freeze``, once per process), so full collections stop
re-scanning the model.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from sheqing.files import json_lines
from sheqing.records import EnrichedPost, Enrichment, Post

from .classify import DEFAULT_MODEL_PATH, HEADS, PostClassifier, Prediction
from .datasets import post_text
from .risk_rules import risk_floor, settle_risk
from .topics import posts_terms

__all__ = ["Enricher"]


def _transformer_predictions(clf, texts: list[str]) -> list:
    """A transformer head's predictions in the scikit-learn heads' shape: label, probabilities, and the words
    whose removal most weakens the prediction as evidence (occlusion, ``TransformerTextClassifier.explain``)."""
    proba = clf.predict_proba(texts)
    classes = [str(c) for c in clf.classes_]
    out = []
    for text, row in zip(texts, proba):
        best = int(row.argmax())
        out.append(Prediction(label=classes[best], score=float(row[best]),
                              scores={c: float(p) for c, p in zip(classes, row)}, evidence=clf.explain(text)))
    return out


# What a post that says nothing is filed as: the taxonomy's labels for "no problem stated"
NOTHING_SAID = {"category": "other", "risk": "none", "sentiment": "neutral"}


def _nothing_said(head: str, scores: dict[str, float]) -> Prediction:
    """The prediction for a post without a single word to read (empty, emoji, "顶", "+1"): ``NOTHING_SAID``,
    certain, with no evidence. A model asked about it answers with its intercepts and a stray character
    pair (an empty post was rated risk ``low``, "+1" filed as ``traffic``, "顶" called ``positive``)."""
    label = NOTHING_SAID[head]
    return Prediction(label=label, score=1.0, scores={c: float(c == label) for c in scores}, evidence=[])


class Enricher:
    def __init__(self, model: PostClassifier | None = None, state_dir: Path | None = None,
                 home: str | None = None, keywords: int = 5, transformer_heads: dict | None = None):
        self.model = model or PostClassifier.load(DEFAULT_MODEL_PATH)
        # a model made in code, not loaded from a file, has no version: its posts say so with an empty one
        self.model_version = getattr(self.model, "version_", None) or ""
        self.transformer_heads = dict(transformer_heads or {})  # head -> TransformerTextClassifier
        if self.transformer_heads:
            self.model_version += "+transformers:" + ",".join(sorted(self.transformer_heads))
        self.state_dir = Path(state_dir) if state_dir else None
        self.home = home
        self.n_keywords = keywords
        words = self.model.terms_["words"].split("\n")
        chars = self.model.terms_["chars"].count("\n") + 1
        # the features a keyword can come from: the readable ones (as for evidence) that are words, not pairs
        self._keyword_feature = self.model.readable_ & np.array(["\u2009" not in w for w in words] + [False] * chars)
        self._dups = None
        self._topics = None

    def warm_up(self) -> None:
        """Load now what enrichment otherwise loads during its first batch (the model's look-up tables, the
        place table and the estates' word lists, the segmenter, jieba's IDF table for near-duplicates and
        topics: about a second), so that a service, or a benchmark, runs at full speed from its first post."""
        from .dedup import general_idf

        self.classify([{"id": "warm-up", "title": "预热", "text": "预热一下模型和地名表，翠苑小区、天凯等小区"}])
        general_idf()
        # What is loaded now stays for the life of the process: moved out of the collector's reach, it is
        # not traversed again by every full collection (each took some 50 ms, about 5 % of enrichment).
        # Once per process: ``sheqing watch`` builds an enricher every cycle, and freezing each would keep
        # every earlier cycle's cyclic garbage out of the collector's reach for good.
        if not gc.get_freeze_count():
            gc.collect()
            gc.freeze()

    # -- stateless: labels, probabilities, evidence, places --------------------------------------
    def classify(self, records: list[dict]) -> list[dict]:
        """Records with ``id``, ``title``, ``text`` (and ``reply``: true for a reply, whose risk floor comes from
        its own text) -> the ``sheqing classify`` output records."""
        return [{**r, "places": [p.model_dump(mode="json") for p in r["places"]]} for r in self._analyse(records)]

    def _analyse(self, records: list[dict]) -> list[dict]:
        """The ``classify`` records, with places as ``PlaceMention`` objects (what an enrichment holds)."""
        from .places import extract_places

        texts = [post_text(r.get("title") or "", r.get("text") or "") for r in records]
        X = self.model.transform(texts)
        replaced = self.transformer_heads  # fine-tuned transformers replace those heads
        heads = {head: _transformer_predictions(replaced[head], texts) if head in replaced
                 else self.model.predict_head(head, X) for head in HEADS}
        for i in np.flatnonzero(~self._readable_rows(X)):
            for head in HEADS:
                heads[head][i] = _nothing_said(head, heads[head][i].scores)
        out = []
        for i, (record, text) in enumerate(zip(records, texts)):
            risk = heads["risk"][i]
            floor = risk_floor(post_text("", record.get("text") or "") if record.get("reply") else text)
            level, rules = settle_risk(risk.label, floor, heads["category"][i].label, heads["sentiment"][i].label)
            evidence = {head: heads[head][i].evidence for head in heads}
            if level == "none" != risk.label:  # lowered: the head's terms were the case for what it is not
                evidence["risk"] = [f"rule: {r}" for r in rules]
            elif rules:
                evidence["risk"] = [f"rule: {r}" for r in rules] + evidence["risk"]
            out.append({
                "id": record.get("id"),
                "category": heads["category"][i].label,
                "risk": level,
                "sentiment": heads["sentiment"][i].label,
                "places": extract_places(text, home=self.home),
                "scores": {head: heads[head][i].scores for head in heads},
                "evidence": evidence,
                "keywords": self._keywords(X, i),
                "text": text,
            })
        return out

    def _readable_rows(self, X) -> np.ndarray:
        """Per row of ``X``: whether the post holds a term a reader can take for a word (``readable_``)."""
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        found = np.zeros(X.shape[0], dtype=bool)
        found[rows[self.model.readable_[X.indices]]] = True
        return found

    def _keywords(self, X, row: int) -> list[str]:
        start, end = X.indptr[row], X.indptr[row + 1]
        cols, vals = X.indices[start:end], X.data[start:end]
        keep = self._keyword_feature[cols]
        cols, vals = cols[keep], vals[keep]
        top = np.lexsort((cols, -vals))[:self.n_keywords]  # the highest weights; equal ones in vocabulary order
        return self.model.feature_names[cols[top]].tolist()

    # -- stateful: near-duplicates and topics ----------------------------------------------------
    def enrich(self, posts: Iterable[Post], batch_size: int = 512) -> Iterator[EnrichedPost]:
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= batch_size:
                yield from self._enrich_batch(batch)
                batch = []
        if batch:
            yield from self._enrich_batch(batch)

    def _enrich_batch(self, posts: list[Post]) -> Iterator[EnrichedPost]:
        dups, topics = self._state()
        replies = [not (p.floor in (None, 1) and p.reply_to is None) for p in posts]
        results = self._analyse([{"id": p.id, "title": p.title, "text": p.text, "reply": reply}
                                 for p, reply in zip(posts, replies)])
        # a reply ("顶", "同问") is judged by its own words, not by the thread title it shares
        duplicates = dups.add_texts([(p.id, p.text if reply else r["text"])
                                     for p, r, reply in zip(posts, results, replies)])
        terms = posts_terms([(p.title, p.text) for p in posts])
        for post, r, (fingerprint, group), vector in zip(posts, results, duplicates, terms):
            topic_id = topics.add(post.id, post.text, post.published_at, r["places"], r["category"],
                                  title=post.title, terms=vector)
            enrichment = Enrichment(
                category=r["category"], risk=r["risk"], sentiment=r["sentiment"], scores=r["scores"],
                evidence=r["evidence"], places=tuple(r["places"]), keywords=tuple(r["keywords"]),
                simhash=fingerprint, dup_group=group, topic_id=topic_id, model_version=self.model_version,
            )
            # the post was validated when it was made (at crawl time); only the enrichment is new
            yield EnrichedPost.model_construct(**dict(post), enrichment=enrichment)

    def _state(self):
        if self._dups is None:
            from .dedup import DuplicateIndex
            from .topics import TopicTracker

            d = self.state_dir
            self._dups = DuplicateIndex.load(d / "dedup.json") if d and (d / "dedup.json").exists() else DuplicateIndex()
            self._topics = (TopicTracker.load(d / "topics.json") if d and (d / "topics.json").exists()
                            else TopicTracker())
        return self._dups, self._topics

    def topics(self, now=None):
        return self._state()[1].topics(now)

    def save_state(self) -> None:
        """Write the near-duplicate index and the topics (atomically) to ``state_dir``."""
        if self.state_dir is None or self._dups is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._dups.save(self.state_dir / "dedup.json")
        self._topics.save(self.state_dir / "topics.json")


def read_jsonl(path: Path, required: tuple[str, ...] = ()) -> Iterator[dict]:
    """The JSON objects of a JSON-lines file (UTF-8; blank lines skipped). A line that is not UTF-8, not JSON,
    not an object, lacks a ``required`` field or holds anything but a string or null as its title or text
    raises ``ValueError`` naming the file and the line."""
    def decoded(fh) -> Iterator[str]:
        for n, raw in enumerate(fh, 1):
            try:
                yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{path}:{n}: not UTF-8 text (byte {raw[exc.start]:#04x} at byte "
                                 f"{exc.start + 1} of the line); convert the file to UTF-8") from None

    with open(path, "rb") as fh:
        for n, record in json_lines(decoded(fh), str(path)):
            missing = [key for key in required if key not in record]
            if missing:
                raise ValueError(f"{path}:{n}: missing field(s) {', '.join(missing)}")
            wrong = [key for key in ("title", "text") if not isinstance(record.get(key), (str, type(None)))]
            if wrong:
                raise ValueError(f"{path}:{n}: {', '.join(wrong)} must be text (a JSON string) or null")
            yield record
