import pytest

from crawlers.siteconfig import SiteConfigError, load_site, load_site_file, load_sites
from sheqing.settings import Settings


def write(tmp_path, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_demo_sites_load_and_point_at_the_demo_forum():
    s = Settings(demo_forum_url="http://127.0.0.1:9999")
    sites = {site.name: site for site in load_sites(s, environ={})}
    assert set(sites) == {"riverside", "oldtown", "tieba_hz"}
    assert sites["riverside"].base_url == "http://127.0.0.1:9999/riverside/"
    assert sites["oldtown"].encoding == "gbk" and sites["tieba_hz"].engine == "tieba"
    assert sites["riverside"].login.configured  # the demo forum's public demo account


def test_environment_references_are_expanded(tmp_path):
    write(tmp_path, "real", "engine: discuz\nbase_url: https://bbs.example.cn\nboards: [{id: '7', login: true}]\n"
                            "login: {username: '${BBS_USER}', password: '${BBS_PASS:-}'}\n")
    site = load_site_file(tmp_path / "real.yaml", environ={"BBS_USER": "monitor"})
    assert site.base_url == "https://bbs.example.cn/" and site.login.username == "monitor"
    assert not site.login.configured


@pytest.mark.parametrize(
    "text, message",
    [
        ("engine: vbulletin\nbase_url: http://x\nboards: [{id: '1'}]\n", "engine"),
        ("engine: discuz\nbase_url: ftp://x\nboards: [{id: '1'}]\n", "base_url"),
        ("engine: discuz\nbase_url: http://x\nboards: []\n", "boards"),
        ("engine: discuz\nbase_url: http://x\nencoding: klingon\nboards: [{id: '1'}]\n", "unknown encoding"),
        ("engine: discuz\nbase_url: http://x\nboards: [{id: '1'}]\nlimits: {max_board_pages: 0}\n", "max_board_pages"),
        ("engine: discuz\nbase_url: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_broken_site_files_are_refused_with_path_and_reason(tmp_path, text, message):
    path = write(tmp_path, "bad", text)
    with pytest.raises(SiteConfigError, match=message) as info:
        load_site_file(path, environ={})
    assert str(path) in str(info.value)


def test_unknown_site_names_are_reported(tmp_path):
    write(tmp_path, "one", "engine: discuz\nbase_url: http://x\nboards: [{id: '1'}]\n")
    s = Settings(sites_dir=tmp_path, sites=["two"])
    with pytest.raises(SiteConfigError, match="unknown site"):
        load_sites(s)
    with pytest.raises(SiteConfigError, match="no site named 'two'"):
        load_site("two", s)
