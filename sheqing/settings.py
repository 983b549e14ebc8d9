"""Settings: every knob of sheqing, read from ``SHEQING_*`` environment variables.

Precedence (lowest first): the defaults below < a ``.env`` file in the working directory <
environment variables < explicit arguments (``Settings(data_dir=...)``). Each field's description is
the documentation: ``sheqing config`` prints them, and the README's configuration table lists them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_SITES_DIR = Path(__file__).resolve().parent.parent / "crawlers" / "sites"
PACKAGE_ALERTS_DIR = Path(__file__).resolve().parent.parent / "alerts"


class Settings(BaseSettings):
    """All settings. Environment variable = ``SHEQING_`` + field name in upper case."""

    model_config = SettingsConfigDict(
        env_prefix="SHEQING_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        Path("var"),
        description="Where crawl batches, crawl state, failed pages and stores live (created if missing).",
    )
    sites_dir: Path = Field(
        PACKAGE_SITES_DIR, description="Folder of site configuration files (*.yaml), one per forum."
    )
    sites: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated names of the sites to run; empty means every site marked enabled.",
    )
    author_secret: SecretStr | None = Field(
        None,
        description=(
            "Key for the keyed hash that replaces author names before storage. If unset, a random key is "
            "created once in DATA_DIR/author.key and reused; set it explicitly when several machines "
            "must agree."
        ),
    )
    user_agent: str = Field(
        "sheqing/0.1 (community public-safety monitoring; +https://github.com/sheqing/sheqing)",
        description="User-Agent sent to forums: names the project honestly.",
    )
    obey_robots: bool = Field(True, description="Obey robots.txt. Leave on.")
    concurrency_per_domain: int = Field(2, ge=1, description="Parallel requests per forum host.")
    download_delay: float = Field(0.5, ge=0, description="Starting delay between requests to one host, seconds.")
    autothrottle: bool = Field(True, description="Adapt the delay to the forum's response times (AutoThrottle).")
    retry_times: int = Field(4, ge=0, description="Retries of a failed request (5xx, 429, timeouts).")
    retry_max_wait: float = Field(
        120.0, ge=0, description="Longest wait before a retry, seconds, even if Retry-After asks for more."
    )
    max_page_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="Pages larger than this are refused and logged (bytes)."
    )
    max_post_chars: int = Field(
        20_000, ge=100, description="Post texts longer than this are cut (and marked truncated) before storage."
    )
    crawl_timeout: float = Field(
        1800.0, gt=0, description="A crawl subprocess running longer than this is stopped, seconds."
    )
    demo_forum_url: str = Field(
        "http://127.0.0.1:8808", description="Where the demo forum listens; the demo site files point here."
    )

    store_path: Path | None = Field(
        None, description="SQLite store file (the embedded default); empty means DATA_DIR/sheqing.sqlite."
    )
    es_url: str = Field(
        "",
        description=(
            "Elasticsearch URL(s), comma-separated (https://es1:9200,https://es2:9200). Set it to use "
            "Elasticsearch instead of the SQLite file."
        ),
    )
    es_api_key: SecretStr | None = Field(None, description="Elasticsearch API key (base64 'id:key' form).")
    es_username: str = Field("", description="Elasticsearch user, when not using an API key.")
    es_password: SecretStr | None = Field(None, description="Password of ES_USERNAME.")
    es_ca_certs: Path | None = Field(None, description="CA certificate file that signed the cluster's TLS certificate.")
    es_verify_certs: bool = Field(True, description="Verify the cluster's TLS certificate. Leave on.")
    es_index_prefix: str = Field(
        "sheqing", pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Prefix of index, alias, template and policy names (sheqing-posts, sheqing-alerts).",
    )
    es_retention_days: int = Field(365, ge=1, description="Posts older than this are deleted by the lifecycle policy.")
    es_rollover_max_age: str = Field("30d", description="Start a new posts index after this age (ILM rollover).")
    es_rollover_max_size: str = Field(
        "50gb", description="... or when the primary shards of the current index reach this size."
    )
    es_timeout: float = Field(30.0, gt=0, description="Seconds to wait for one Elasticsearch request.")

    home_area: str = Field(
        "",
        pattern=r"^\d{0,12}$",
        description=(
            "Administrative code (prefix) of the area you monitor, e.g. 3301 for Hangzhou: settles place names "
            "that exist in several places (西湖区). Empty: only the posts' own context decides."
        ),
    )
    transformer_dir: Path | None = Field(
        None,
        description=(
            "Folder of fine-tuned transformers classifiers (category/, risk/, sentiment/, as saved by "
            "nlp.transformer); the heads found there replace the scikit-learn model's. Needs the transformers "
            "extra. Empty: the scikit-learn model only."
        ),
    )
    alert_rules_dir: Path = Field(
        PACKAGE_ALERTS_DIR / "rules", description="Folder of alert rule files (*.yaml)."
    )
    recipients_file: Path = Field(
        PACKAGE_ALERTS_DIR / "recipients.yaml",
        description="Who receives which alerts: monitors by district or street, and a default list.",
    )
    smtp_host: str = Field(
        "", description="SMTP server for alert e-mails and the daily brief; empty writes .eml files to the outbox."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 SSL, 25 plain).")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls, ssl (implicit TLS) or none (only for a relay on localhost)."
    )
    smtp_username: str = Field("", description="SMTP user; empty sends without authentication.")
    smtp_password: SecretStr | None = Field(None, description="Password of SMTP_USERNAME.")
    smtp_ca_certs: Path | None = Field(
        None, description="CA certificate file that signed the SMTP server's certificate (a private CA)."
    )
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds to wait for the SMTP server.")
    smtp_retries: int = Field(2, ge=0, description="Retries of a failed send within one run before it waits for the next run.")
    mail_from: str = Field("社情监测 <sheqing@localhost>", description="From address of alert e-mails and briefs.")
    outbox_dir: Path | None = Field(
        None, description="Where e-mails are written as .eml files when SMTP_HOST is empty; empty means DATA_DIR/outbox."
    )
    quiet_hours: str = Field(
        "22:00-07:00",
        description="Local hours (HH:MM-HH:MM) when blue and yellow alerts are held until morning; empty for none.",
    )
    mail_rate_per_hour: int = Field(
        20, ge=1, description="At most this many alert e-mails per recipient per hour; the rest wait for the next run."
    )
    web_url: str = Field(
        "", description="Base URL of the monitors' web page, for links in e-mails; empty links to the forum post."
    )
    brief_time: str = Field("08:00", pattern=r"^\d{2}:\d{2}$", description="Local time of the daily brief (HH:MM).")

    web_host: str = Field(
        "127.0.0.1", description="Address `sheqing serve` listens on (put a reverse proxy with TLS in front)."
    )
    web_port: int = Field(8080, ge=1, le=65535, description="Port `sheqing serve` listens on.")
    web_users_file: Path | None = Field(
        None, description="Users of the web page (YAML, managed with `sheqing users`); empty means DATA_DIR/users.yaml."
    )
    web_secret: SecretStr | None = Field(
        None,
        description=(
            "Key that signs the web page's session cookies. If unset, a random key is created once in "
            "DATA_DIR/web.key and reused; set it explicitly when several servers share the sessions."
        ),
    )
    web_session_hours: float = Field(
        12.0, gt=0, le=24 * 31, description="A web page login lasts this many hours, then asks for the password again."
    )

    @field_validator("web_users_file", mode="before")
    @classmethod
    def _empty_path_is_default(cls, value: object) -> object:
        return None if value == "" else value

    monitor_schedule: str = Field(
        "*/15 * * * *", description="Airflow: when the monitor DAG runs (cron, Asia/Shanghai time)."
    )
    retrain_schedule: str = Field(
        "0 3 * * 1", description="Airflow: when the retraining DAG runs (cron, Asia/Shanghai time; Monday 03:00)."
    )

    @field_validator("sites", mode="before")
    @classmethod
    def _split_sites(cls, value: object) -> object:
        if isinstance(value, str):
            return [s.strip() for s in value.split(",") if s.strip()]
        return value

    # -- derived paths -------------------------------------------------------------------------
    @property
    def batches_dir(self) -> Path:
        return self.data_dir / "batches"

    @property
    def failed_dir(self) -> Path:
        return self.data_dir / "failed"

    @property
    def state_path(self) -> Path:
        return self.data_dir / "crawl_state.sqlite"

    @property
    def sqlite_path(self) -> Path:
        return self.store_path or self.data_dir / "sheqing.sqlite"

    @property
    def deadletter_dir(self) -> Path:
        return self.data_dir / "deadletter"

    @property
    def outbox_path(self) -> Path:
        return self.outbox_dir or self.data_dir / "outbox"

    @property
    def web_users_path(self) -> Path:
        return self.web_users_file or self.data_dir / "users.yaml"

    def author_key(self) -> bytes:
        """The secret for author hashing: the setting, else DATA_DIR/author.key (created once)."""
        if self.author_secret is not None:
            return self.author_secret.get_secret_value().encode("utf-8")
        return self._key_file("author.key")

    def web_key(self) -> bytes:
        """The secret that signs web sessions: the setting, else DATA_DIR/web.key (created once)."""
        if self.web_secret is not None:
            return self.web_secret.get_secret_value().encode("utf-8")
        return self._key_file("web.key")

    def _key_file(self, name: str) -> bytes:
        path = self.data_dir / name
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            try:  # O_EXCL: if two processes race, the first key wins and both use it
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
        return path.read_text().strip().encode("utf-8")
