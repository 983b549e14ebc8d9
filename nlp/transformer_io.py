"""Helpers shared by the transformer classifier modules: model lookup, the classes file, input checks."""

from __future__ import annotations

import json
import logging
from pathlib import Path

__all__ = ["CLASSES_FILE", "as_texts", "quiet_load_report", "read_meta", "require_torch", "resolve_model_dir",
           "write_meta"]

CLASSES_FILE = "sheqing_classes.json"
_INSTALL_HINT = "the transformer classifier needs the optional extra: pip install -e '.[transformers]'"


def require_torch():
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(_INSTALL_HINT) from exc
    return torch


def as_texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("expected a list of texts, got a single string; wrap it: [text]")
    return ["" if t is None else str(t) for t in texts]


def resolve_model_dir(model: str | Path) -> Path:
    """A local model directory for ``model``: the directory itself, or a name found in the local HF cache."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"{path} is not a HuggingFace model directory (no config.json in it)")
        return path
    name = str(model)
    if path.is_absolute() or name.startswith((".", "~")) or path.exists() or name.count("/") > 1:
        raise FileNotFoundError(f"model directory does not exist: {path}")
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(name, "config.json")
    if isinstance(cached, str):
        return Path(cached).parent
    raise FileNotFoundError(
        f"model {name!r} is not a local directory and not in the local HuggingFace cache; hub downloads are "
        "off here: download it elsewhere, copy the directory to this machine and pass its path"
    )


class quiet_load_report:
    """transformers 5 logs a table of missing/unexpected keys on every load; we report what matters ourselves."""

    def __enter__(self):
        self._logger = logging.getLogger("transformers.modeling_utils")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self._logger.setLevel(self._level)


def write_meta(directory: Path, meta: dict) -> None:
    (directory / CLASSES_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


def read_meta(directory: Path) -> dict:
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"model directory does not exist: {directory}")
    path = directory / CLASSES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: not a directory written by TransformerTextClassifier.save")
    return json.loads(path.read_text(encoding="utf-8"))
