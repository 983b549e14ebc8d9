"""Alert rules: YAML files validated on load, three rule types, each a small class with one ``find`` method.

A rule file holds a list of rules (or ``{rules: [...]}``). Every rule has a ``name`` (unique across files)
and a ``type`` looked up in ``RULE_TYPES``, an explicit mapping:

- ``post``: a single post at or above ``min_risk`` (optionally only some ``categories`` or ``places``),
  published in the last ``lookback_hours``. The urgent posts of one topic are one event (residents posting
  the same gas leak in several threads and forums); with ``group_by: thread``, or for posts without a
  topic, the posts of one thread are, and a repost elsewhere (a near-duplicate) joins its original's thread.
  Level: the post's risk (low blue, medium yellow, high orange, critical red), or ``level`` if set.
- ``spike``: the count of posts per value of ``by`` (a category, a district, or both) in the last
  ``window_hours`` against the same value's previous ``baseline_days`` (``alerts.detectors.spike_test``).
- ``hot_topic``: a topic that gained at least ``min_posts`` posts from at least ``min_authors`` distinct
  authors in the last ``window_hours``. Level: ``level``, raised to the highest risk among its posts.

A wrong rule file is refused with the file, the line and the reason (``RuleError``). ``find(store, now)``
returns ``Finding``s; what becomes an alert, an update or nothing is the runner's business.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from indexer.query import one_of
from indexer.store import Store
from sheqing.labels import CATEGORY_NAMES, LEVEL_BY_RISK, RISK_NAMES
from sheqing.records import ALERT_LEVELS, CATEGORIES, RISKS, EnrichedPost, PlaceMention

from .detectors import spike_test

__all__ = ["RuleError", "Finding", "PostRule", "SpikeRule", "HotTopicRule", "RULE_TYPES", "load_rules",
           "load_rule_file"]

_EVIDENCE = 5  # evidence posts kept per alert


# categories named in a rule: each must be a taxonomy code (a YAML list, not a single string)
_Categories = Annotated[tuple[str, ...], AfterValidator(lambda values: one_of(values, CATEGORIES, "category"))]


class RuleError(ValueError):
    """A rule file that cannot be used: the message names the file, the line and the reason."""


@dataclass
class Finding:
    """What a rule found: the event (fingerprint), how serious, the numbers and the evidence."""

    fingerprint: str
    rule: str
    rule_type: str
    level: str
    title: str
    category: str | None
    numbers: dict[str, float | int | str]
    post_ids: list[str]
    places: list[PlaceMention] = field(default_factory=list)
    size: int = 1  # what "growth" is measured on: posts in the event
    newest: datetime | None = None  # publication time of its newest post
    scope: dict = field(default_factory=dict)  # a store filter for the event's posts (trend charts)


def _max_level(*levels: str | None) -> str:
    return max((lv for lv in levels if lv), key=ALERT_LEVELS.index)


def _risk_level(risk: str) -> str:
    return LEVEL_BY_RISK.get(risk, "blue")


def _places_of(posts: list[EnrichedPost], limit: int = 5) -> list[PlaceMention]:
    """The places most named by these posts, most specific first among equals."""
    counts: Counter = Counter()
    first: dict[str, PlaceMention] = {}
    for post in posts:
        for place in post.enrichment.places:
            counts[place.text] += 1
            first.setdefault(place.text, place)
    ranked = sorted(counts, key=lambda t: (-counts[t], -len(first[t].path), t))
    return [first[t] for t in ranked[:limit]]


def _where(places: list[PlaceMention]) -> str:
    return "、".join(p.text for p in places[:2])


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    description: str = ""
    level: Literal["blue", "yellow", "orange", "red"] | None = None

    def find(self, store: Store, now: datetime) -> list[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError


class PostRule(_Rule):
    type: Literal["post"]
    min_risk: Literal["low", "medium", "high", "critical"] = "high"
    categories: _Categories = ()
    places: tuple[str, ...] = ()
    lookback_hours: float = Field(24, gt=0)
    group_by: Literal["topic", "thread"] = "topic"

    def _event(self, post: EnrichedPost, root: EnrichedPost) -> str:
        if self.group_by == "topic" and post.enrichment.topic_id:
            return post.enrichment.topic_id
        return f"{root.site}:t{root.thread_id}"

    def find(self, store: Store, now: datetime) -> list[Finding]:
        result = store.search(min_risk=self.min_risk, category=self.categories, place=self.places,
                              start=now - timedelta(hours=self.lookback_hours), end=now, sort="risk", size=500)
        posts_found = [hit.post for hit in result.hits]
        roots = {p.id: p for p in posts_found}
        missing = {p.enrichment.dup_group for p in posts_found} - roots.keys()
        roots.update(store.get_posts(sorted(missing)) if missing else {})
        groups: dict[str, list[EnrichedPost]] = {}
        for post in posts_found:  # one event per topic (or thread); a repost joins its original's thread
            groups.setdefault(self._event(post, roots.get(post.enrichment.dup_group, post)), []).append(post)
        findings = []
        for group, posts in groups.items():
            posts.sort(key=lambda p: (-RISKS.index(p.enrichment.risk), p.published_at))
            top = posts[0]
            e = top.enrichment
            # the event's category: what most of its posts say (the model may read one reply differently)
            category = Counter(p.enrichment.category for p in posts).most_common(1)[0][0] if len(posts) > 2 else e.category
            places = _places_of(posts)
            where = _where(places)
            title = (f"{where + '：' if where else ''}「{top.title.strip()[:40]}」反映{CATEGORY_NAMES[category]}问题，"
                     f"风险{RISK_NAMES[e.risk]}" + (f"，{len(posts)} 帖（含回帖、转帖）" if len(posts) > 1 else ""))
            findings.append(Finding(
                fingerprint=f"{self.name}:{group}", rule=self.name, rule_type="post",
                level=self.level or _risk_level(e.risk), title=title, category=category,
                numbers={"posts": len(posts), "risk_level": RISKS.index(e.risk),
                         "risk_score": round(e.scores.get("risk", {}).get(e.risk, 0.0), 3)},
                post_ids=[p.id for p in posts[:_EVIDENCE]], places=places, size=len(posts),
                newest=max(p.published_at for p in posts), scope=_scope(category, places),
            ))
        return findings


def _scope(category: str | None, places: list[PlaceMention]) -> dict:
    """The posts like these: same category, same district when one is known."""
    scope: dict = {"category": category} if category else {}
    district = next((p.path[-1] for p in places if p.kind == "district" and p.path), None)
    if district:
        scope["place"] = district
    return scope


class SpikeRule(_Rule):
    type: Literal["spike"]
    by: tuple[Literal["category", "district", "street", "site"], ...] = ("category",)
    categories: _Categories = ()
    window_hours: int = Field(24, ge=1, le=24 * 7)
    baseline_days: int = Field(7, ge=2, le=90)
    k: float = Field(3.0, gt=0)
    alpha: float = Field(0.001, gt=0, lt=1)
    min_count: int = Field(5, ge=1)

    @field_validator("by")
    @classmethod
    def _by(cls, value):
        if not 1 <= len(value) <= 2 or len(set(value)) != len(value):
            raise ValueError("give one or two different fields to count by")
        return value

    def find(self, store: Store, now: datetime) -> list[Finding]:
        window = timedelta(hours=self.window_hours)
        recent_start = now - window
        history_start = recent_start - timedelta(days=self.baseline_days)
        n_windows = int(timedelta(days=self.baseline_days) / window)
        base = {"category": self.categories} if self.categories else {}
        # the candidates: values (or value pairs) with at least min_count posts in the latest window
        outer, inner = self.by[0], self.by[1] if len(self.by) == 2 else None
        candidates = [(v,) for v, n in store.top(field=outer, start=recent_start, end=now, size=1000, **base)
                      if n >= self.min_count]
        findings = []
        for (value,) in candidates:
            series = store.trend(interval="hour", group_by=inner or outer, start=history_start, end=now,
                                 **{**base, **_filter_for(outer, value)})
            per_key: dict[str, list[int]] = {}
            for bucket in series:
                if inner is None and bucket.key != value:
                    continue  # a multi-valued field (district): other values of the same posts
                slot = math.floor((now - bucket.start) / window - 1e-9)  # 0 = the latest window
                counts = per_key.setdefault(bucket.key, [0] * (n_windows + 1))
                if 0 <= slot <= n_windows:
                    counts[slot] += bucket.count
            for key, counts in per_key.items():
                result = spike_test(counts[0], counts[1:], k=self.k, alpha=self.alpha, min_count=self.min_count)
                if result.fired:
                    keys = {outer: value} if inner is None else {outer: value, inner: key}
                    findings.append(self._finding(store, keys, result, recent_start, now))
        return findings

    def _finding(self, store: Store, keys: dict[str, str], result, start: datetime, now: datetime) -> Finding:
        flt: dict = {}
        for f, v in keys.items():
            flt.update(_filter_for(f, v))
        evidence = store.search(start=start, end=now, sort="risk", size=_EVIDENCE, **flt).hits
        posts = [h.post for h in evidence]
        category = keys.get("category") or (Counter(p.enrichment.category for p in posts).most_common(1) or
                                            [(None, 0)])[0][0]
        labels = [CATEGORY_NAMES.get(v, v) if f == "category" else v for f, v in keys.items()]
        numbers = {"count": result.count, "expected": round(result.expected, 2), "spread": round(result.spread, 2),
                   "z": round(result.z, 2), "window_hours": self.window_hours, "baseline_days": self.baseline_days}
        if result.p_value is not None:
            numbers["p_value"] = float(f"{result.p_value:.3g}")
        title = (f"{'·'.join(labels)}：近 {self.window_hours} 小时 {result.count} 帖，"
                 f"为平常（约 {result.expected:.1f} 帖）的 {result.count / max(result.expected, 0.5):.1f} 倍")
        return Finding(
            fingerprint=f"{self.name}:" + ":".join(f"{f}={v}" for f, v in keys.items()), rule=self.name,
            rule_type="spike", level=self.level or "yellow", title=title, category=category, numbers=numbers,
            post_ids=[p.id for p in posts], places=_places_of(posts), size=result.count,
            newest=max((p.published_at for p in posts), default=None), scope=flt,
        )


def _filter_for(field_name: str, value: str) -> dict:
    """A store filter selecting posts whose ``field_name`` is ``value``."""
    if field_name in ("district", "street"):
        return {"place": value}
    return {field_name: value}


class HotTopicRule(_Rule):
    type: Literal["hot_topic"]
    min_posts: int = Field(8, ge=2)
    min_authors: int = Field(5, ge=1)
    window_hours: float = Field(48, gt=0)

    def find(self, store: Store, now: datetime) -> list[Finding]:
        start = now - timedelta(hours=self.window_hours)
        findings = []
        for topic_id, count in store.top(field="topic_id", start=start, end=now, size=100):
            if count < self.min_posts:
                break  # ranked by count: the rest are smaller
            hits = store.search(topic_id=topic_id, start=start, end=now, sort="risk", size=500).hits
            posts = [h.post for h in hits]
            authors = len({p.author_key for p in posts})
            if authors < self.min_authors:
                continue
            worst = posts[0].enrichment.risk
            category = Counter(p.enrichment.category for p in posts).most_common(1)[0][0]
            keywords = [k for k, _ in store.top(field="keywords", topic_id=topic_id, start=start, end=now, size=4)]
            places = _places_of(posts)
            where = _where(places)
            title = (f"热点问题{'（' + where + '）' if where else ''}：「{posts[0].title.strip()[:30]}」等 {count} 帖，"
                     f"{authors} 位不同居民在 {self.window_hours:g} 小时内反映{CATEGORY_NAMES[category]}问题")
            findings.append(Finding(
                fingerprint=f"{self.name}:{topic_id}", rule=self.name, rule_type="hot_topic",
                level=_max_level(self.level or "yellow", _risk_level(worst) if worst != "none" else None),
                title=title, category=category,
                numbers={"posts": count, "authors": authors, "window_hours": self.window_hours,
                         "keywords": "、".join(keywords)},
                post_ids=[p.id for p in posts[:_EVIDENCE]], places=places, size=count,
                newest=max(p.published_at for p in posts), scope={"topic_id": topic_id},
            ))
        return findings


RULE_TYPES = {"post": PostRule, "spike": SpikeRule, "hot_topic": HotTopicRule}
Rule = Annotated[Union[PostRule, SpikeRule, HotTopicRule], Field(discriminator="type")]
_RULE = TypeAdapter(Rule)


def load_rule_file(path: Path) -> list[_Rule]:
    """The rules of one YAML file; ``RuleError`` with file, line and reason if it is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read the rule file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise RuleError(f"{path}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    items, items_node = data, node
    if isinstance(data, dict) and "rules" in data:
        items = data["rules"]
        items_node = next(v for k, v in node.value if k.value == "rules")
    if not isinstance(items, list):
        raise RuleError(f"{path}:1: a rule file is a list of rules (or 'rules:' followed by a list)")
    rules = []
    for i, item in enumerate(items):
        item_node = items_node.value[i]
        if not isinstance(item, dict) or "type" not in item:
            raise RuleError(f"{path}:{item_node.start_mark.line + 1}: each rule needs a 'type' "
                            f"(one of {', '.join(RULE_TYPES)})")
        if item["type"] not in RULE_TYPES:
            raise RuleError(f"{path}:{_line(item_node, ('type',))}: unknown rule type {item['type']!r}; "
                            f"choose one of {', '.join(RULE_TYPES)}")
        try:
            rules.append(_RULE.validate_python(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(str(p) for p in err["loc"][1:])  # drop the discriminator tag
            reason = "unknown option" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
            raise RuleError(f"{path}:{_line(item_node, loc)}: rule {item.get('name', i + 1)!r}, "
                            f"{'.'.join(loc) or 'rule'}: {reason}") from None
    return rules


def _line(node, loc: tuple[str, ...]) -> int:
    """The 1-based line of the value at ``loc`` inside a YAML node (the deepest node found on the way)."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            value = next((v for k, v in node.value if k.value == key), None)
            if value is None:
                break
            node = value
        elif isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(node.value):
            node = node.value[int(key)]
        else:
            break
    return node.start_mark.line + 1


def load_rules(rules_dir: Path) -> list[_Rule]:
    """Every rule in ``rules_dir/*.yaml``, names unique; ``RuleError`` if any file is wrong."""
    files = sorted(Path(rules_dir).glob("*.yaml"))
    if not files:
        raise RuleError(f"{rules_dir}: no rule files (*.yaml) found")
    rules, seen = [], {}
    for path in files:
        for rule in load_rule_file(path):
            if rule.name in seen:
                raise RuleError(f"{path}: rule name {rule.name!r} is already used in {seen[rule.name]}")
            seen[rule.name] = path
            rules.append(rule)
    return rules
