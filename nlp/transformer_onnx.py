"""ONNX export of a fitted ``TransformerTextClassifier`` and a torch-free CPU runner for it.

``clf.export_onnx(dir)`` writes ``model.onnx`` (logits; batch and sequence axes dynamic), the tokenizer and
``sheqing_classes.json``. ``OnnxTextClassifier.load(dir)`` needs only ``onnxruntime`` and ``transformers``'
tokenizer (no torch) and gives the same ``predict_proba``/``predict`` as the torch model (the test checks
agreement to 1e-4; in practice it is ~1e-7).

The export uses torch's TorchScript-based exporter (``dynamo=False``): it needs no extra package, and the
new torch.export-based one would add ``onnxscript``. The dummy batch has a padded row, so the traced graph
always applies the attention mask.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np

from .transformer_io import as_texts, read_meta, write_meta

__all__ = ["ONNX_FILE", "OnnxTextClassifier", "export_onnx"]

ONNX_FILE = "model.onnx"
OPSET = 17


def _input_names(tokenizer, model) -> list[str]:
    import inspect

    accepted = inspect.signature(model.forward).parameters
    names = [n for n in tokenizer.model_input_names if n in accepted]
    return ["input_ids"] + [n for n in names if n != "input_ids"]


def export_onnx(clf, directory) -> Path:
    import torch

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model = clf.model_
    if next(model.parameters()).device.type != "cpu":
        model = copy.deepcopy(model).cpu()
    model.eval()
    names = _input_names(clf.tokenizer_, model)

    class Logits(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = model

        def forward(self, *tensors):
            return self.inner(**dict(zip(names, tensors))).logits

    dummy = clf.tokenizer_(["示例", "一个稍长一些的示例句子"], padding=True, return_tensors="pt")
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # deprecation of the TorchScript exporter, tracer notes
        torch.onnx.export(Logits().eval(), tuple(dummy[n] for n in names), str(directory / ONNX_FILE),
                          input_names=names, output_names=["logits"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False, do_constant_folding=True)
    clf.tokenizer_.save_pretrained(directory)
    write_meta(directory, clf._meta() | {"onnx": {"file": ONNX_FILE, "inputs": names, "opset": OPSET}})
    return directory


class OnnxTextClassifier:
    """Inference-only classifier on ONNX Runtime (CPU); same ``predict_proba``/``predict`` as the torch one."""

    def __init__(self, session, tokenizer, classes, max_length=256, batch_size=16):
        self.session_ = session
        self.tokenizer_ = tokenizer
        self.classes_ = np.asarray(classes)
        self.max_length = max_length
        self.batch_size = batch_size
        self._inputs = [i.name for i in session.get_inputs()]

    @classmethod
    def load(cls, directory, threads: int | None = None) -> OnnxTextClassifier:
        try:
            import onnxruntime as ort
            from transformers import AutoTokenizer
        except ImportError as exc:  # pragma: no cover
            raise ImportError("ONNX inference needs: pip install -e '.[transformers]'") from exc
        directory = Path(directory)
        meta = read_meta(directory)
        if not (directory / ONNX_FILE).is_file():
            raise FileNotFoundError(f"{directory / ONNX_FILE} is missing: write it with export_onnx()")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(directory / ONNX_FILE), options, providers=["CPUExecutionProvider"])
        params = meta.get("params", {})
        return cls(session, AutoTokenizer.from_pretrained(directory), meta["classes"],
                   max_length=params.get("max_length", 256), batch_size=params.get("batch_size", 16))

    def predict_proba(self, texts) -> np.ndarray:
        texts = as_texts(texts)
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # as the torch model: little padding
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            enc = self.tokenizer_([texts[i] for i in batch], padding=True, truncation=True,
                                  max_length=self.max_length, return_tensors="np")
            logits = self.session_.run(["logits"], {n: enc[n].astype(np.int64) for n in self._inputs})[0]
            logits = logits.astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            out[batch] = exp / exp.sum(axis=1, keepdims=True)
        return out

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]
