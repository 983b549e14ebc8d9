"""Airflow 3 in pytest: a temporary AIRFLOW_HOME with a SQLite metadata database, the repository's dags/.

Airflow reads its configuration when it is first imported, so the environment is set here, when pytest
collects this folder and before any test module imports ``airflow``. The metadata database is created once
per session (``airflow.utils.db.resetdb``), with the pools the DAGs use.

The end-to-end tests run the DAGs with ``dag.test()`` against the real parts: the demo forum
(``tests/crawlers/conftest.py``), a SQLite store in the test's data folder, and a real SMTP server
(``tests/alerts/smtp_support.py``). The tasks read their settings from ``SHEQING_*`` environment variables, as
on an Airflow worker; ``sheqing_env`` sets them.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.alerts.smtp_support import smtp_server, smtp_server_factory, tls_certificate  # noqa: F401  (fixtures)
from tests.crawlers.conftest import fast_settings, forum  # noqa: F401  (fixtures)

if importlib.util.find_spec("airflow") is None and not os.environ.get("CI"):
    # installed by `make test` (the `airflow` extra); without it only the task callables are tested
    collect_ignore = ["test_dagbag.py", "test_monitor.py", "test_brief.py", "test_retrain.py"]

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
DAG_IDS = ("sheqing_monitor", "sheqing_daily_brief", "sheqing_retrain")
POOLS = {"sheqing_crawl": 4}

_AIRFLOW_HOME = tempfile.mkdtemp(prefix="sheqing-airflow-")
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
AIRFLOW_ENV = {
    "AIRFLOW_HOME": _AIRFLOW_HOME,
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
}
os.environ.update(AIRFLOW_ENV)
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")  # INFO shows every task's log


@pytest.fixture(scope="session")
def airflow_db():
    """A fresh metadata database with the pools the DAGs use."""
    from airflow.models.pool import Pool
    from airflow.utils import db

    db.resetdb()
    for name, slots in POOLS.items():
        Pool.create_or_update_pool(name, slots=slots, description="sheqing tests", include_deferred=False)


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER), known_pools={"default_pool", *POOLS})


@pytest.fixture
def sheqing_env(monkeypatch, tmp_path):
    """Set ``SHEQING_*`` variables for the tasks (``env(**values)``); the data folder is ``tmp_path/var``."""
    data_dir = tmp_path / "var"

    def env(**values) -> Path:
        values = {"data_dir": data_dir, "author_secret": "test-secret", "quiet_hours": "", "home_area": "3301",
                  "download_delay": 0, "autothrottle": "false", "concurrency_per_domain": 8, "retry_max_wait": 5,
                  "smtp_retries": 0, **values}
        for name, value in values.items():
            monkeypatch.setenv(f"SHEQING_{name.upper()}", str(value))
        return data_dir

    return env
