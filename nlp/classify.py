"""The default classifier: one shared TF-IDF vectorizer and a linear SVM head per label.

``PostClassifier`` follows the scikit-learn estimator conventions (``__init__`` stores arguments, ``fit``
returns self, fitted attributes end in ``_``); each head is a ``LinearSVC`` (one-vs-rest, balanced class
weights). Linear SVMs beat logistic regression on our labels in grouped 5-fold cross-validation on the
train split (category macro-F1 0.679 against 0.608 for the logistic regression used before, same labels
and features), and train in seconds.

Probabilities: a softmax of the SVM's decision values divided by a temperature, fitted (log-loss) on
out-of-fold decision values of the rows ``fit`` is told to tune on (the target domain; never a held-out
split), so the label is always the class of highest probability. Fixed per-class offsets (``class_offsets``,
head -> class -> value) are added to the decision values: ``sheqing train`` gives ``other`` one and risk's
``high`` one (``nlp.train.CLASS_OFFSETS`` says why). Until session 36 offsets were also tuned on the
out-of-fold values for macro-F1 (coordinate search, kept when gaining 0.005); tuned so on four fifths of the
board's out-of-fold values and applied to the fifth (session 35), macro-F1 was 0.7181 for category (0.7210
without), 0.4622 for risk (0.4584) and 0.7205 for sentiment (0.7204): no gain beyond noise, and a tuned
offset moved from model to model (the neutral one's move from -0.125 to -0.25 cost held-out sentiment 0.026
in session 34).

Every prediction carries its probabilities and the terms that drove it: for the predicted class, the
features of the text with the largest contribution ``tfidf value x coefficient`` (of equal ones, the
longer first) that a reader can take for a term (``readable_``): a word of two characters or more, a pair
of two such words, or a character n-gram that is itself such a word. The model also learns from 了。, 是不
or 的+咨询, but shown in an alert they explain nothing: on 2,000 board messages they were one evidence term
in nine (``python nlp/tools/evidence_terms.py``).

Saved with skops (``save`` / ``PostClassifier.load``), never pickle; loading trusts only the types this
module and scikit-learn create, and refuses anything else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.svm import LinearSVC

from sheqing.records import HEADS

from .features import BulkCounter, make_vectorizer, with_title_weight

__all__ = ["PostClassifier", "Prediction", "DEFAULT_MODEL_PATH"]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "default.skops"
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "nlp.", "builtins.", "collections.")
# derived from the fitted attributes: dropped on fit, never saved
_CACHES = ("_feature_names", "_readable", "_counter", "_coef64", "_lengths")


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float
    scores: dict[str, float]
    evidence: list[str]


class PostClassifier(BaseEstimator):
    """Category, risk and sentiment from one text. ``C`` and ``class_weight`` are per head."""

    def __init__(self, C: dict | None = None, class_weight: str | None = "balanced", min_df: int = 2,
                 max_features: int = 150_000, evidence_terms: int = 5, folds: int = 5, title_weight: int = 2,
                 class_offsets: dict | None = None):
        self.C = C
        self.class_weight = class_weight
        self.min_df = min_df
        self.max_features = max_features
        self.evidence_terms = evidence_terms
        self.folds = folds
        self.title_weight = title_weight
        self.class_offsets = class_offsets

    def fit(self, texts: list[str], labels: dict[str, list[str | None]], sample_weight=None, tune_on=None,
            groups=None):
        """Fit the shared vectorizer on all texts, then each head on the texts that have its label.

        ``tune_on``: a boolean per text, the rows whose out-of-fold decision values fit each head's
        temperature (default: all); ``groups``: a group per text (near-duplicates) that the folds keep
        together. Each head's ``offsets_`` are its ``class_offsets`` (head -> class -> value; 0 elsewhere).
        """
        for cache in _CACHES:
            self.__dict__.pop(cache, None)
        self.vectorizer_ = make_vectorizer(self.min_df, self.max_features)
        X = self.vectorizer_.fit_transform(with_title_weight(texts, self.title_weight))
        self.terms_ = {}
        for name, vectorizer in self.vectorizer_.transformer_list:
            vectorizer.stop_words_ = None  # every pruned n-gram: large, and only for introspection
            ordered = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
            self.terms_[name] = "\n".join(ordered)  # one string: compact in the skops file
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(ordered)}
        self.heads_, self.temperature_, self.offsets_ = {}, {}, {}
        weights = None if sample_weight is None else np.asarray(sample_weight)
        tune = np.ones(len(texts), bool) if tune_on is None else np.asarray(tune_on, bool)
        for head, y in labels.items():
            rows = np.array([i for i, label in enumerate(y) if label is not None])
            y_rows = np.array(y, dtype=object)[rows].astype(str)
            w_rows = None if weights is None else weights[rows]
            model = self._svm(head).fit(X[rows], y_rows, sample_weight=w_rows)
            model.coef_ = model.coef_.astype(np.float32)  # halves the file; decisions unchanged to 1e-6
            self.heads_[head] = model
            self.temperature_[head], self.offsets_[head] = 1.0, np.zeros(len(model.classes_), np.float32)
            scores = self._out_of_fold(head, X[rows], y_rows, w_rows, tune[rows],
                                       None if groups is None else np.asarray(groups, dtype=object)[rows])
            if scores is not None:
                self.temperature_[head] = _temperature(scores, np.searchsorted(model.classes_, y_rows[tune[rows]]))
            for label, value in (self.class_offsets or {}).get(head, {}).items():
                self.offsets_[head][list(model.classes_).index(label)] += value
        return self

    def _svm(self, head: str) -> LinearSVC:
        return LinearSVC(C=(self.C or {}).get(head, 0.1), class_weight=self.class_weight, random_state=0)

    def _out_of_fold(self, head, X, y, weights, tune, groups) -> np.ndarray | None:
        """Decision values of the ``tune`` rows, each from a model that did not see it (None: too few)."""
        counts = np.unique(y[tune], return_counts=True)[1]
        if len(counts) < 2 or counts.min() < self.folds:
            return None
        if groups is not None:
            splits = GroupKFold(self.folds).split(X, y, groups)
        else:
            splits = StratifiedKFold(self.folds, shuffle=True, random_state=0).split(X, y)
        scores = np.zeros((len(y), len(np.unique(y))))
        for train, test in splits:
            if len(np.unique(y[train])) < scores.shape[1]:
                return None
            model = self._svm(head).fit(X[train], y[train], sample_weight=None if weights is None else weights[train])
            scores[test] = _per_class(model.decision_function(X[test]))
        return scores[tune]

    def transform(self, texts: list[str]):
        """The vectorizer's ``transform`` of the texts with their titles weighed (``with_title_weight``), counted
        in bulk (``BulkCounter``: the same matrix, faster)."""
        counter = self.__dict__.get("_counter")
        if counter is None:
            counter = self.__dict__["_counter"] = BulkCounter(self.vectorizer_)
        return counter.transform(with_title_weight(texts, self.title_weight))

    @property
    def feature_names(self) -> np.ndarray:
        """Readable name of every feature column (word, word pair joined, or character n-gram)."""
        names = self.__dict__.get("_feature_names")
        if names is None:
            names = np.array([term.replace("\u2009", "") for name, _ in self.vectorizer_.transformer_list
                              for term in self.terms_[name].split("\n")], dtype=object)
            self.__dict__["_feature_names"] = names
        return names

    @property
    def readable_(self) -> np.ndarray:
        """Per feature column: whether it can stand as evidence for a reader (a word of two characters or more
        with a letter, digit or hanzi: the segmenter's words hold no other punctuation than the +#&._%- of
        GB50016-2006; a pair of two such words; or a character n-gram that is itself such a word)."""
        readable = self.__dict__.get("_readable")
        if readable is None:
            def word(term: str) -> bool:
                return len(term) >= 2 and any(char.isalnum() for char in term)

            terms = self.terms_["words"].split("\n")
            words = {term for term in terms if word(term)}
            readable = np.array([all(map(word, term.split("\u2009"))) for term in terms]
                                + [gram in words for gram in self.terms_["chars"].split("\n")], dtype=bool)
            self.__dict__["_readable"] = readable
        return readable

    def predict_head(self, head: str, X) -> list[Prediction]:
        """Predictions of one head for a feature matrix (from ``transform``)."""
        model = self.heads_[head]
        # the model's decision_function, without converting its float32 coefficients for every batch
        scores = _per_class(X @ self._coefficients(head) + model.intercept_)
        proba = _softmax((scores + self.offsets_[head]) / self.temperature_[head])
        classes = [str(c) for c in model.classes_]
        best = proba.argmax(axis=1)
        X = X.tocsr()
        evidence = self._evidence(head, X, best)
        return [Prediction(classes[k], round(row[k], 4), {c: round(p, 4) for c, p in zip(classes, row)}, terms)
                for k, row, terms in zip(best, proba.tolist(), evidence)]

    def predict(self, texts: list[str]) -> dict[str, list[Prediction]]:
        if not texts:  # (scikit-learn's TF-IDF refuses a matrix of no rows)
            return {head: [] for head in self.heads_}
        X = self.transform(texts)
        return {head: self.predict_head(head, X) for head in self.heads_}

    def _coefficients(self, head: str) -> np.ndarray:
        """A head's coefficients as ``decision_function`` multiplies them: float64, one row per feature."""
        cache = self.__dict__.setdefault("_coef64", {})
        if head not in cache:
            cache[head] = np.ascontiguousarray(self.heads_[head].coef_.T, dtype=np.float64)
        return cache[head]

    def _evidence(self, head: str, X, best) -> list[list[str]]:
        """The evidence terms of each row of ``X`` (CSR) for its predicted class ``best``: of its readable
        features (了。 or 的+咨询 explain nothing) with a positive contribution (tfidf value x coefficient), the
        largest first; of equal ones (a word and a pair that always come together: 广厦 and 广厦新村) the longer
        first, as it says more, then in vocabulary order. A term that holds one already chosen replaces it
        (燃气泄漏 for 燃气), one held by a chosen term is skipped. Ranked for all rows at once: the batch's
        positive contributions sorted by value, then by row (a stable radix sort of small integers), give
        each row's largest; only those are ordered exactly."""
        rows = np.repeat(np.arange(X.shape[0], dtype=np.min_scalar_type(X.shape[0])), np.diff(X.indptr))
        readable = np.flatnonzero(self.readable_[X.indices])
        rows, cols, k = rows[readable], X.indices[readable], best[rows[readable]]
        coefficients = self._coefficients(head)
        if coefficients.shape[1] > 1:
            values = X.data[readable] * coefficients[cols, k]  # (a feature's coefficients lie side by side)
        else:  # binary: one coefficient row, for class 1 and against class 0
            values = X.data[readable] * (coefficients[cols, 0] * np.where(k == 1, 1, -1))
        keep = np.flatnonzero(values > 0)
        order = keep[np.argsort(-values[keep])]
        order = order[np.argsort(rows[order], kind="stable")]
        starts = np.searchsorted(rows[order], np.arange(X.shape[0] + 1))
        top = order[np.arange(len(order)) - starts[rows[order]] < self.evidence_terms * 4]  # (room for pieces)
        rows, cols, values = rows[top], cols[top], values[top]
        cols = cols[np.lexsort((cols, -self._name_lengths[cols], -values, rows))]
        names = self.feature_names[cols].tolist()
        ends = np.cumsum(np.bincount(rows, minlength=X.shape[0])).tolist()
        return [self._distinct(names[a:b]) for a, b in zip([0] + ends, ends)]

    def _distinct(self, ranked: list[str]) -> list[str]:
        """The first ``evidence_terms`` of ``ranked`` terms, a whole kept in place of its pieces."""
        terms: list[str] = []
        for term in ranked:
            for other in terms:  # keep 燃气泄漏, drop its pieces 燃气 / 泄漏
                if term in other or other in term:
                    if not any(term in t for t in terms):
                        terms = [t for t in terms if t not in term] + [term]
                    break
            else:
                terms.append(term)
                if len(terms) == self.evidence_terms:
                    break
        return terms

    @property
    def _name_lengths(self) -> np.ndarray:
        """The length of each feature's readable name (``feature_names``)."""
        lengths = self.__dict__.get("_lengths")
        if lengths is None:
            lengths = self.__dict__["_lengths"] = np.fromiter(map(len, self.feature_names), dtype=np.int64)
        return lengths

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
        import zipfile

        try:
            untrusted = sio.get_untrusted_types(file=path)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:  # not a skops file, or a damaged one
            raise ValueError(f"{path} is not a model saved by sheqing train ({exc})") from None
        refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
        if refused:
            raise ValueError(f"refusing to load {path}: it contains unexpected types {refused}")
        model = sio.load(path, trusted=untrusted)
        if not isinstance(model, cls):
            raise ValueError(f"{path} does not hold a PostClassifier")
        model.__dict__.setdefault("title_weight", 1)  # a model saved before titles were weighed read them once
        # beside it, in the .json that training wrote; a file without one is named by its own digest
        model.version_ = cls.meta(path).get("version") or "file-" + hashlib.sha1(path.read_bytes()).hexdigest()[:12]
        for name, vectorizer in model.vectorizer_.transformer_list:
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(model.terms_[name].split("\n"))}
        return model

    @staticmethod
    def meta(path: Path = DEFAULT_MODEL_PATH) -> dict:
        side = Path(path).with_suffix(".json")
        return json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}


def _per_class(decision: np.ndarray) -> np.ndarray:
    """Decision values with a column per class. A two-class model gives one value, for its second class
    (positive: that class): as columns, 0 for the first class and the value for the second, so that the
    softmax is the logistic function of the value and the larger column the model's own prediction."""
    decision = decision.reshape(len(decision), -1)
    return np.hstack([np.zeros_like(decision), decision]) if decision.shape[1] == 1 else decision


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature whose softmax probabilities have the least log-loss on ``scores`` (a grid search)."""
    grid = np.exp(np.linspace(np.log(0.02), np.log(5.0), 60))
    losses = [-np.log(_softmax(scores / t)[np.arange(len(truth)), truth] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])
