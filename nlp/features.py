"""Text features shared by the classifier heads: TF-IDF over words (and word pairs) and character n-grams.

Analyzers are module-level functions so the fitted vectorizer can be saved with skops (lambdas cannot).
Word features come from ``nlp.segment.tokenize`` (jieba dictionary + domain words); character 2–3-grams
catch what segmentation splits badly (estate names, new words, typos).
"""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .segment import tokenize

__all__ = ["word_analyzer", "char_analyzer", "make_vectorizer"]

_PAIR = "\u2009"  # thin space joins a word pair inside one feature name


def word_analyzer(text: str) -> list[str]:
    words = tokenize(text)
    return words + [f"{a}{_PAIR}{b}" for a, b in zip(words, words[1:])]


def char_analyzer(text: str) -> list[str]:
    s = "".join(text.split())
    return [s[i:i + n] for n in (2, 3) for i in range(len(s) - n + 1)]


def make_vectorizer(min_df: int = 2, max_features: int = 150_000) -> FeatureUnion:
    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=word_analyzer, min_df=min_df, max_features=max_features,
                                  sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer=char_analyzer, min_df=min_df, max_features=max_features,
                                  sublinear_tf=True)),
    ])
