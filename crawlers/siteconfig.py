"""Site configuration files: one YAML file per forum, so adding a forum on a known engine is configuration.

A file names the engine, base URL, boards, encoding, schedule and limits; values may use ``${VAR}`` or
``${VAR:-default}`` to read the environment (for the demo forum's address and for login secrets). A broken
file is refused with its path and the reason, never half-loaded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sheqing.records import SITE_NAME_PATTERN
from sheqing.settings import Settings

__all__ = ["Board", "Limits", "Login", "SiteConfig", "SiteConfigError", "load_site", "load_sites"]

_ENV_REF = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class SiteConfigError(ValueError):
    """A site file that cannot be used: missing, unreadable YAML, or failing validation."""


class Board(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="Discuz fid or Tieba bar name (kw).")
    name: str = ""
    login: bool = Field(False, description="The board is visible only to logged-in users.")


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_board_pages: int = Field(10, ge=1, description="List pages read per board per run.")
    max_thread_pages: int = Field(50, ge=1, description="Pages read per thread per run.")
    concurrency: int | None = Field(None, ge=1, description="Overrides SHEQING_CONCURRENCY_PER_DOMAIN.")
    download_delay: float | None = Field(None, ge=0, description="Overrides SHEQING_DOWNLOAD_DELAY.")


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = ""
    password: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.username and self.password)


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=SITE_NAME_PATTERN)
    title: str = ""
    engine: Literal["discuz", "tieba"]
    base_url: str
    encoding: str = Field("utf-8", description="Used only when a page declares no charset.")
    boards: list[Board] = Field(min_length=1)
    schedule: str = Field("*/15 * * * *", description="Cron expression for Airflow and `sheqing watch`.")
    enabled: bool = True
    limits: Limits = Field(default_factory=Limits)
    login: Login = Field(default_factory=Login)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/]+", value):
            raise ValueError(f"base_url must be an http(s) URL, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


def _expand(value, environ):
    if isinstance(value, str):
        return _ENV_REF.sub(lambda m: environ.get(m["name"]) or (m["default"] or ""), value)
    if isinstance(value, list):
        return [_expand(v, environ) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, environ) for k, v in value.items()}
    return value


def load_site_file(path: Path, environ: dict | None = None) -> SiteConfig:
    environ = dict(os.environ if environ is None else environ)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiteConfigError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise SiteConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise SiteConfigError(f"{path}: expected a mapping at the top level")
    raw.setdefault("name", path.stem)
    try:
        site = SiteConfig.model_validate(_expand(raw, environ))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SiteConfigError(f"{path}: {problems}") from None
    if site.name != path.stem:
        raise SiteConfigError(f"{path}: name {site.name!r} must match the file name {path.stem!r}")
    return site


def load_sites(settings: Settings, environ: dict | None = None) -> list[SiteConfig]:
    """Every site in SITES_DIR that is enabled (or named in SHEQING_SITES), sorted by name."""
    environ = _with_defaults(settings, environ)
    files = sorted(settings.sites_dir.glob("*.yaml"))
    if not files:
        raise SiteConfigError(f"no site files (*.yaml) in {settings.sites_dir}")
    sites = [load_site_file(f, environ) for f in files]
    if settings.sites:
        unknown = set(settings.sites) - {s.name for s in sites}
        if unknown:
            raise SiteConfigError(f"unknown site(s) {sorted(unknown)} in SHEQING_SITES; have {[s.name for s in sites]}")
        return [s for s in sites if s.name in settings.sites]
    return [s for s in sites if s.enabled]


def load_site(name: str, settings: Settings, environ: dict | None = None) -> SiteConfig:
    path = settings.sites_dir / f"{name}.yaml"
    if not path.exists():
        have = sorted(p.stem for p in settings.sites_dir.glob("*.yaml"))
        raise SiteConfigError(f"no site named {name!r}: {path} does not exist (sites: {', '.join(have)})")
    return load_site_file(path, _with_defaults(settings, environ))


def _with_defaults(settings: Settings, environ: dict | None) -> dict:
    env = dict(os.environ if environ is None else environ)
    env.setdefault("SHEQING_DEMO_FORUM_URL", settings.demo_forum_url)
    return env
