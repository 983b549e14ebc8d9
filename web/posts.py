"""A post's page, and a monitor's correction of its category or risk.

The page shows the enriched post: its text (as text), each label with its probability, the runners-up and
the evidence (the terms and rules behind it, or who corrected it), the places with their administrative
paths, its near-duplicates (same ``dup_group``), its topic and the topic's other posts, a link to the forum,
and the history of corrections. A post outside the user's areas answers 404.

A correction (``POST /corrections``) goes to ``Store.correct_post`` with the monitor's user name: the store
records it (the retraining reads ``Store.corrections``) and the stored post takes the new label at once.
"""

from __future__ import annotations

from alerts.emails import safe_href
from sheqing.records import CATEGORIES, RISKS

from .pages import NotFound, Page, post_path

__all__ = ["post_page", "correct", "MAX_NOTE"]

MAX_NOTE = 500
RELATED = 10


def _visible_post(page: Page, post_id: str):
    post = page.store.get_post(post_id)
    if post is None or not page.scope.allows(post.enrichment.places):
        raise NotFound(post_id)
    return post


def _evidence(term: str) -> str:
    """An evidence entry for people: the store's and the risk rules' markers in Chinese, terms as they are."""
    for prefix, name in (("corrected by ", "人工更正："), ("rule: ", "规则：")):
        if term.startswith(prefix):
            return name + term.removeprefix(prefix)
    return term


def _labels(post) -> list[dict]:
    e = post.enrichment
    rows = []
    for head in ("category", "risk", "sentiment"):
        value = getattr(e, head)
        scores = e.scores.get(head, {})
        others = sorted(((k, v) for k, v in scores.items() if k != value), key=lambda kv: -kv[1])[:3]
        rows.append({"head": head, "value": value, "score": scores.get(value), "others": others,
                     "evidence": [_evidence(term) for term in e.evidence.get(head, [])]})
    return rows


def post_page(page: Page):
    post = _visible_post(page, page.request.path_params["post_id"])
    e, base = post.enrichment, page.scope.base()
    duplicates = [h.post for h in page.store.search(dup_group=e.dup_group, sort="oldest", size=RELATED + 1,
                                                    **base).hits if h.post.id != post.id][:RELATED]
    topic_posts, topic_total = [], 0
    if e.topic_id:
        found = page.store.search(topic_id=e.topic_id, sort="newest", size=RELATED + 1, **base)
        topic_posts = [h.post for h in found.hits if h.post.id != post.id][:RELATED]
        topic_total = found.total
    history = page.store.corrections(post_id=post.id)
    return page.render(
        "post.html", post=post, labels=_labels(post), duplicates=duplicates, topic_posts=topic_posts,
        topic_total=topic_total, href=safe_href(post.url), history=history, corrected=page.arg("corrected"),
        choices={"category": CATEGORIES, "risk": RISKS})


def correct(page: Page):
    """POST: correct a post's category or risk (``field``, ``value``, ``note``)."""
    post_id, field, value, note = (page.field(k) for k in ("post_id", "field", "value", "note"))
    allowed = {"category": CATEGORIES, "risk": RISKS}.get(field)
    if allowed is None or value not in allowed:
        return page.render("error.html", status=400, title="无法更正", message="只能把类别或风险改为列表中的一项。")
    if len(note) > MAX_NOTE:
        return page.render("error.html", status=400, title="无法更正", message=f"说明请不超过 {MAX_NOTE} 字。")
    post = _visible_post(page, post_id)
    if getattr(post.enrichment, field) != value:
        page.store.correct_post(post_id, field, value, by=page.user.name, note=note, at=page.now)
    return page.redirect(f"{post_path(post_id)}?corrected={field}")
