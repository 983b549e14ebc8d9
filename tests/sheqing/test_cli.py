"""The `sheqing` command as a user runs it (a real subprocess)."""

import re
import subprocess
import sys
from pathlib import Path

from sheqing.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def sheqing(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "sheqing.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=120)


def test_config_lists_every_setting_and_the_readme_documents_each(tmp_path):
    out = sheqing("--data-dir", str(tmp_path), "config")
    assert out.returncode == 0, out.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        var = f"SHEQING_{name.upper()}"
        assert var in out.stdout
        assert f"| `{var}` |" in readme, f"README's configuration table lacks {var}"


def test_unknown_site_and_broken_site_file_are_clear_errors(tmp_path):
    import os

    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "broken.yaml").write_text("engine: discuz\nbase_url: nowhere\nboards: []\n", encoding="utf-8")
    env = {**os.environ, "SHEQING_SITES_DIR": str(sites), "SHEQING_DATA_DIR": str(tmp_path / "var")}
    out = sheqing("crawl", "nosuch", env=env)
    assert out.returncode != 0 and "no site named 'nosuch'" in out.stderr
    out = sheqing("crawl", "broken", env=env)
    assert out.returncode != 0 and "broken.yaml" in out.stderr and "base_url" in out.stderr
    listed = sheqing("sites", env=env)
    assert re.search(r"broken\s+BROKEN", listed.stdout)
    bad_env = {**env, "SHEQING_DOWNLOAD_DELAY": "soon"}
    out = sheqing("config", env=bad_env)
    assert out.returncode != 0 and "download_delay" in out.stderr
