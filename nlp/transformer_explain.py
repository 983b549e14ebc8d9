"""Word-occlusion explanations for ``TransformerTextClassifier``.

Method (simple, model-agnostic, no attention weights, no gradients):

1. Segment the text into words with jieba (the project's domain dictionary added when ``nlp.segment`` is
   importable); without jieba the units are the tokenizer's own word pieces (single characters for Chinese
   BERT vocabularies).
2. Map each word to the tokens whose character offsets start inside it.
3. For each distinct word, remove all its occurrences from the input by zeroing their attention-mask
   entries (the tokens stay in place, so positions do not shift, but no other token can attend to them),
   and run the model again — all variants in batches, no grad.
4. The word's score is how much the log-odds of ``label`` fall without it: ``m(text) - m(text without
   the word)`` with ``m = log p(label) - log(1 - p(label))``, computed from the logits. Log-odds rather
   than probability because a confident model sits at p ~ 0.9999 where one missing word barely moves p
   but still moves the odds by orders of magnitude. Positive means the word pushed the model towards the
   label; ``explain`` returns the words with positive scores, largest first.

Caveats, said plainly: occlusion measures one word at a time, so two words that each suffice on their own
(e.g. "煤气" and "泄漏") both look weak; scores are relative to the model, not to the truth; words cut off
by ``max_length`` are not scored. This is for BERT-family encoders that pool from [CLS] (all the models the
module docstring recommends).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

__all__ = ["occlusion_scores", "words_with_spans"]

_CONTENT = re.compile(r"\w")


@lru_cache(maxsize=1)
def _jieba():
    try:
        import jieba
    except ImportError:
        return None
    seg = jieba.Tokenizer()
    seg.initialize()
    try:
        from .segment import domain_words

        for word, freq in domain_words():
            seg.add_word(word, freq)
    except (ImportError, OSError, ValueError) as exc:  # a nicety: plain jieba is still fine
        logging.getLogger(__name__).debug("domain dictionary not added to jieba: %s", exc)
    return seg


def words_with_spans(text: str, offsets: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """(word, start, end) units of ``text``: jieba words, or the token spans when jieba is missing."""
    seg = _jieba()
    if seg is not None:
        return [(w, s, e) for w, s, e in seg.tokenize(text)]
    return [(text[s:e], s, e) for s, e in offsets if e > s]


def occlusion_scores(clf, text: str, label=None) -> list[tuple[str, float]]:
    import torch

    if not isinstance(text, str):
        raise TypeError("explain() takes one text")
    enc = clf.tokenizer_(text, truncation=True, max_length=clf.max_length, return_tensors="pt",
                         return_offsets_mapping=True, return_special_tokens_mask=True)
    offsets = [tuple(o) for o in enc.pop("offset_mapping")[0].tolist()]
    special = enc.pop("special_tokens_mask")[0].tolist()
    if label is not None and label not in clf.classes_.tolist():
        raise ValueError(f"unknown label {label!r}; classes are {clf.classes_.tolist()}")

    groups: dict[str, list[int]] = {}
    for word, start, end in words_with_spans(text, offsets):
        if not _CONTENT.search(word):
            continue  # punctuation and spaces are not explanations
        positions = [i for i, (s, e) in enumerate(offsets) if not special[i] and e > s and start <= s < end]
        if positions:
            groups.setdefault(word, []).extend(positions)
    if not groups:
        return []

    words = list(groups)
    base_mask = enc["attention_mask"]
    masks = base_mask.repeat(len(words) + 1, 1)
    for row, word in enumerate(words, start=1):
        masks[row, groups[word]] = 0
    chunks = []
    model = clf.model_.eval()
    with torch.no_grad():
        for start in range(0, masks.shape[0], clf.batch_size):
            mask = masks[start:start + clf.batch_size]
            batch = {k: v.repeat(mask.shape[0], 1) for k, v in enc.items() if k != "attention_mask"}
            batch["attention_mask"] = mask
            batch = {k: v.to(clf.device) for k, v in batch.items()}
            logits = model(**batch).logits
            chunks.append(logits.double().cpu())
    logits = torch.cat(chunks)
    target = int(logits[0].argmax()) if label is None else clf.classes_.tolist().index(label)
    others = torch.cat([logits[:, :target], logits[:, target + 1:]], dim=1)
    margin = (logits[:, target] - torch.logsumexp(others, dim=1)).numpy()  # log-odds of the target
    scores = [(word, float(margin[0] - margin[row])) for row, word in enumerate(words, start=1)]
    return sorted(scores, key=lambda ws: -ws[1])
