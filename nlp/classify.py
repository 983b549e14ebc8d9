"""The default classifier: one shared TF-IDF vectorizer and a logistic-regression head per label.

``PostClassifier`` follows the scikit-learn estimator conventions (``__init__`` stores arguments, ``fit``
returns self, fitted attributes end in ``_``); each head is a ``LogisticRegression``. Every prediction
carries its probabilities and the terms that drove it: for the predicted class, the features of the text
with the largest contribution ``tfidf value x coefficient``.

Saved with skops (``save`` / ``PostClassifier.load``), never pickle; loading trusts only the types this
module and scikit-learn create, and refuses anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from .features import BulkCounter, make_vectorizer

__all__ = ["PostClassifier", "Prediction", "DEFAULT_MODEL_PATH"]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "default.skops"
HEADS = ("category", "risk", "sentiment")
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "nlp.", "builtins.", "collections.")
_CACHES = ("_feature_names", "_counter")  # derived from the fitted attributes: dropped on fit, never saved


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float
    scores: dict[str, float]
    evidence: list[str]


class PostClassifier(BaseEstimator):
    """Category, risk and sentiment from one text. ``C`` and ``class_weight`` are per head."""

    def __init__(self, C: dict | None = None, class_weight: str | None = "balanced", min_df: int = 2,
                 max_features: int = 150_000, evidence_terms: int = 5):
        self.C = C
        self.class_weight = class_weight
        self.min_df = min_df
        self.max_features = max_features
        self.evidence_terms = evidence_terms

    def fit(self, texts: list[str], labels: dict[str, list[str | None]], sample_weight=None):
        """Fit the shared vectorizer on all texts, then each head on the texts that have its label."""
        for cache in _CACHES:
            self.__dict__.pop(cache, None)
        self.vectorizer_ = make_vectorizer(self.min_df, self.max_features)
        X = self.vectorizer_.fit_transform(texts)
        self.terms_ = {}
        for name, vectorizer in self.vectorizer_.transformer_list:
            vectorizer.stop_words_ = None  # every pruned n-gram: large, and only for introspection
            ordered = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
            self.terms_[name] = "\n".join(ordered)  # one string: compact in the skops file
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(ordered)}
        self.heads_ = {}
        weights = None if sample_weight is None else np.asarray(sample_weight)
        for head, y in labels.items():
            rows = np.array([i for i, label in enumerate(y) if label is not None])
            C = (self.C or {}).get(head, 4.0)
            model = LogisticRegression(C=C, class_weight=self.class_weight, max_iter=3000)
            model.fit(X[rows], np.array(y, dtype=object)[rows].astype(str),
                      sample_weight=None if weights is None else weights[rows])
            model.coef_ = model.coef_.astype(np.float32)  # halves the file; probabilities unchanged to 1e-6
            self.heads_[head] = model
        return self

    def transform(self, texts: list[str]):
        """The vectorizer's ``transform``, counted in bulk (``BulkCounter``: the same matrix, faster)."""
        counter = self.__dict__.get("_counter")
        if counter is None:
            counter = self.__dict__["_counter"] = BulkCounter(self.vectorizer_)
        return counter.transform(texts)

    @property
    def feature_names(self) -> np.ndarray:
        """Readable name of every feature column (word, word pair joined, or character n-gram)."""
        names = self.__dict__.get("_feature_names")
        if names is None:
            names = np.array([term.replace("\u2009", "") for name, _ in self.vectorizer_.transformer_list
                              for term in self.terms_[name].split("\n")], dtype=object)
            self.__dict__["_feature_names"] = names
        return names

    def predict_head(self, head: str, X) -> list[Prediction]:
        """Predictions of one head for a feature matrix (from ``transform``)."""
        model = self.heads_[head]
        proba = model.predict_proba(X)
        classes = [str(c) for c in model.classes_]
        best = proba.argmax(axis=1)
        X = X.tocsr()
        contrib = self._contributions(model, X, best)
        out = []
        for i, (k, row) in enumerate(zip(best, proba.tolist())):
            out.append(Prediction(classes[k], round(row[k], 4), {c: round(p, 4) for c, p in zip(classes, row)},
                                  self._evidence(X, contrib, i)))
        return out

    def predict(self, texts: list[str]) -> dict[str, list[Prediction]]:
        X = self.transform(texts)
        return {head: self.predict_head(head, X) for head in self.heads_}

    @staticmethod
    def _contributions(model, X, best) -> np.ndarray:
        """Per stored entry of ``X``: tfidf value x coefficient of its row's predicted class (all rows at once)."""
        k = np.repeat(best, np.diff(X.indptr))
        if model.coef_.shape[0] > 1:
            coef = model.coef_[k, X.indices]
        else:  # binary: one coefficient row, for class 1 and against class 0
            coef = model.coef_[0, X.indices] * np.where(k == 1, 1, -1).astype(model.coef_.dtype)
        return X.data * coef

    def _evidence(self, X, contrib, row: int) -> list[str]:
        start, end = X.indptr[row], X.indptr[row + 1]
        mine = contrib[start:end]
        top = np.argsort(-mine)[: self.evidence_terms * 4]
        terms: list[str] = []
        for term, value in zip(self.feature_names[X.indices[start:end][top]], mine[top].tolist()):
            if value <= 0:
                break
            if len(term) < 2:  # single characters (被, 的, 了) explain nothing to a reader
                continue
            if any(term in t or t in term for t in terms):  # keep 燃气泄漏, drop its pieces 燃气 / 泄漏
                if not any(term in t for t in terms):
                    terms = [t for t in terms if t not in term] + [term]
                continue
            terms.append(term)
            if len(terms) == self.evidence_terms:
                break
        return terms

    # -- persistence ----------------------------------------------------------------------------
    def save(self, path: Path, meta: dict | None = None) -> None:
        """Write the model with skops (compressed); the vocabularies travel as ``terms_`` strings."""
        import zipfile

        import skops.io as sio

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        vocabularies = [v.vocabulary_ for _, v in self.vectorizer_.transformer_list]
        caches = {name: self.__dict__.pop(name) for name in _CACHES if name in self.__dict__}
        try:
            for _, vectorizer in self.vectorizer_.transformer_list:
                vectorizer.vocabulary_ = None
            tmp = path.with_suffix(".tmp")
            sio.dump(self, tmp, compression=zipfile.ZIP_DEFLATED)
            tmp.replace(path)
        finally:
            for (_, vectorizer), vocabulary in zip(self.vectorizer_.transformer_list, vocabularies):
                vectorizer.vocabulary_ = vocabulary
            self.__dict__.update(caches)
        if meta is not None:
            path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> "PostClassifier":
        import skops.io as sio

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no model at {path}: run `sheqing train` to build one")
        untrusted = sio.get_untrusted_types(file=path)
        refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
        if refused:
            raise ValueError(f"refusing to load {path}: it contains unexpected types {refused}")
        model = sio.load(path, trusted=untrusted)
        if not isinstance(model, cls):
            raise ValueError(f"{path} does not hold a PostClassifier")
        for name, vectorizer in model.vectorizer_.transformer_list:
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(model.terms_[name].split("\n"))}
        return model

    @staticmethod
    def meta(path: Path = DEFAULT_MODEL_PATH) -> dict:
        side = Path(path).with_suffix(".json")
        return json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}
