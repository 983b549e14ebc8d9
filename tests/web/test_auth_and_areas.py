"""Passwords, the users file, sessions, throttling, areas as filters, chart geometry, and `sheqing users`."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from sheqing.cli import main
from tests.indexer.samples import BEISHAN, CUIYUAN, GONGSHU, XIHU
from web.areas import AreaError, Scope, resolve_area
from web.auth import (
    Area,
    LoginThrottle,
    Sessions,
    User,
    UsersFile,
    UsersFileError,
    authenticate,
    csrf_ok,
    hash_password,
    verify_password,
)
from web.charts import columns, nice_max, paired_bars, sparkline


def test_passwords_are_salted_scrypt_hashes():
    first, second = hash_password("lake-view-2024"), hash_password("lake-view-2024")
    assert first.startswith("scrypt$16384$8$1$") and first != second  # a fresh salt each time
    assert verify_password("lake-view-2024", first) and verify_password("lake-view-2024", second)
    assert not verify_password("lake-view-2025", first)
    assert not verify_password("x", "md5$abc") and not verify_password("x", "scrypt$garbage")


def test_users_file_round_trip_private_and_reread_when_changed(tmp_path):
    path = tmp_path / "users.yaml"
    users = UsersFile(path)
    assert users.users() == {}
    users.put(User("zhang", "monitor", (Area("北山街道", "330106002"),), hash_password("password-1")))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = UsersFile(path)
    assert again.get("zhang").areas == (Area("北山街道", "330106002"),)
    assert authenticate(again, "zhang", "password-1").name == "zhang"
    assert authenticate(again, "zhang", "password-2") is None and authenticate(again, "li", "password-1") is None
    users.put(User("li", "admin", (), hash_password("password-2")))
    assert set(again.users()) == {"zhang", "li"}  # another process's change is seen
    assert users.remove("zhang") and not users.remove("zhang")
    assert set(again.users()) == {"li"}


@pytest.mark.parametrize("text, problem", [
    ("users: [{name: a, role: boss, password: 'scrypt$1'}]", "role must be one of"),
    ("users: [{name: a, password: plain}]", "password must be a scrypt hash"),
    ("users: [{name: 'a b', password: 'scrypt$1'}]", "user name"),
    ("users: [{name: a, password: 'scrypt$1'}, {name: a, password: 'scrypt$1'}]", "appears twice"),
    ("users: {a: 1}", "expected 'users:'"),
    ("users: [{name: a, password: 'scrypt$1', areas: [[1]]}]", "an area is a name"),
])
def test_a_wrong_users_file_is_refused_with_the_reason(tmp_path, text, problem):
    path = tmp_path / "users.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsersFileError, match=problem):
        UsersFile(path).users()


def test_hand_written_areas_may_be_names_or_codes(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text("users:\n- name: wang\n  areas: [西湖区, '330105', {name: 北山街道, code: '330106002'}]\n"
                    f"  password: '{hash_password('password-1')}'\n", encoding="utf-8")
    expected = (Area("西湖区"), Area("330105", "330105"), Area("北山街道", "330106002"))
    assert UsersFile(path).get("wang").areas == expected


def test_sessions_are_signed_and_csrf_tokens_compared_exactly():
    sessions = Sessions(b"k" * 32, hours=1)
    cookie = sessions.dump({"user": "a", "csrf": "t"})
    assert sessions.load(cookie) == {"user": "a", "csrf": "t"}
    assert sessions.load(cookie + "x") is None and sessions.load("") is None
    assert Sessions(b"other-key", hours=1).load(cookie) is None
    assert csrf_ok("t", "t") and not csrf_ok("u", "t") and not csrf_ok(None, "t") and not csrf_ok("", "")


def test_login_throttle_by_name_and_by_address():
    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("zhang", "10.0.0.1")
    assert throttle.wait("zhang", "10.0.0.2") == pytest.approx(60)  # the name, from anywhere
    assert throttle.wait("li", "10.0.0.1") == pytest.approx(60)  # the address, for any name
    assert throttle.wait("li", "10.0.0.2") == 0
    now[0] += 61
    assert throttle.wait("zhang", "10.0.0.1") == 0


def test_area_names_resolve_to_codes_and_ambiguous_names_need_the_home_area():
    assert resolve_area("西湖区", "3301") == Area("西湖区", "330106")
    assert resolve_area("北山街道", "3301") == Area("北山街道", "330106002")
    assert resolve_area("330106002") == Area("北山街道", "330106002")
    assert resolve_area("A3区") == Area("A3区")  # anonymised: matched as written
    assert resolve_area("拱墅", "3301") == Area("拱墅区", "330105")  # a district's short form in the home city
    assert resolve_area("拱墅") == Area("拱墅")  # without a home: matched as written
    with pytest.raises(AreaError, match="北山街道 names 7 places; give the code instead"):
        resolve_area("北山街道")
    with pytest.raises(AreaError, match="no administrative unit has the code 999999"):
        resolve_area("999999")


def test_scope_keeps_a_place_inside_the_areas_and_narrows_one_around_them():
    street = Scope((Area("北山街道", "330106001"),))
    assert street.base() == {"place": ("330106001",)}
    assert street.narrow("北山街道") == ("330106001",)
    assert street.narrow("西湖区") == ("330106001",)  # the district around the street: the street
    assert street.narrow("拱墅区") == ()  # elsewhere: nothing
    assert street.narrow("翠苑小区") is None  # unknown to the table: intersected by id
    district = Scope((Area("西湖区", "330106"),))
    assert district.narrow("330106001") == ("330106001",)  # inside: as asked
    assert district.narrow("西湖区") == ("330106",)
    assert Scope(None).narrow("拱墅区") == ("拱墅区",) and Scope(None).base() == {}
    assert Scope(()).base()["place"] != ()  # a monitor with no areas sees nothing, not everything
    assert street.allows((BEISHAN,)) and not street.allows((XIHU, CUIYUAN)) and not street.allows(())
    assert district.allows((BEISHAN,)) and district.allows((XIHU,)) and not district.allows((GONGSHU,))
    assert street.covers("330106") and street.covers("330106001") and not street.covers("330106002")


def test_a_home_districts_short_form_is_searched_by_its_code_too():
    assert Scope(None, "3301").narrow("拱墅") == ("拱墅", "330105")  # as written, and every 拱墅区 by its code
    assert Scope(None).narrow("拱墅") == ("拱墅",)  # without a home: as written only
    assert Scope(None, "4401").narrow("拱墅") == ("拱墅",)  # another city's district: as written only
    assert Scope(None, "3301").narrow("拱墅区") == ("拱墅区",)  # a full name is found by itself
    assert Scope((Area("拱墅区", "330105"),), "3301").narrow("拱墅") == ("330105",)
    assert Scope((Area("北山街道", "330106001"),), "3301").narrow("西湖") == ("330106001",)  # around the street
    assert Scope((Area("西湖区", "330106"),), "3301").narrow("拱墅") == ()  # elsewhere: nothing
    assert Scope((Area("西湖区", "330106"),)).narrow("拱墅") is None  # without a home: unknown, by id


def test_a_home_streets_or_towns_short_or_other_suffixed_form_is_searched_by_its_code_too():
    assert Scope(None, "3301").narrow("瓜沥") == ("瓜沥", "330109113")  # 萧山's 瓜沥镇, as the extractor reads 萧山区瓜沥
    assert Scope(None, "3301").narrow("瓜沥街道") == ("瓜沥街道", "330109113")  # another suffix: the same town
    assert Scope(None, "3301").narrow("北山") == ("北山", "330106002")  # the home city's one of 7 北山街道
    assert Scope(None, "3301").narrow("临平") == ("临平", "330113")  # the district, not its street 临平街道 as well
    assert Scope(None, "3303").narrow("飞云镇") == ("飞云镇", "330381009")  # 瑞安's 飞云街道, not Gansu's 飞云镇
    assert Scope(None, "3301").narrow("北山街道") == ("北山街道",)  # a full name of the home city: by itself
    assert Scope(None, "4401").narrow("瓜沥") == ("瓜沥",) and Scope(None).narrow("瓜沥") == ("瓜沥",)
    assert Scope((Area("萧山区", "330109"),), "3301").narrow("瓜沥") == ("330109113",)  # inside: as asked
    assert Scope((Area("西湖区", "330106"),), "3301").narrow("瓜沥") == ()  # elsewhere: nothing
    assert resolve_area("瓜沥", "3301") == Area("瓜沥镇", "330109113")
    assert resolve_area("飞云镇", "3303") == Area("飞云街道", "330381009")
    assert resolve_area("飞云镇") == Area("飞云镇", "620821106")  # without a home: the name's own unit


def test_chart_geometry():
    assert [nice_max(v) for v in (0, 3, 5, 9, 21, 180, 5000)] == [4, 4, 8, 12, 24, 200, 6000]
    from datetime import datetime

    days = [datetime(2024, 3, d) for d in range(1, 4)]
    chart = columns(days, [("低", "#1", [1, 0, 2]), ("高", "#2", [1, 0, 0])], label="x", width=340, height=170)
    assert [r.fill for r in chart.rects] == ["#1", "#2", "#1"] and not chart.empty
    first_low, first_high, _ = chart.rects
    assert first_high.y + first_high.h == pytest.approx(first_low.y, abs=0.2)  # stacked
    assert chart.legend == [("#1", "低"), ("#2", "高")]
    bars = paired_bars([("消防", 3, 1)], label="y")
    assert bars.rects[0].w > bars.rects[1].w > 0
    assert sparkline([0, 0, 0], label="z").empty and sparkline([1, 3], label="z").points.count(",") == 2


# -- sheqing users ----------------------------------------------------------------------------------
def run(tmp_path, *args, input=None):
    return CliRunner().invoke(main, ["--data-dir", str(tmp_path), *args], input=input,
                              env={"SHEQING_HOME_AREA": "3301", "SHEQING_WEB_USERS_FILE": ""})


def test_users_add_list_remove(tmp_path):
    added = run(tmp_path, "users", "add", "zhang", "--area", "北山街道", "--area", "拱墅区", "--password-stdin",
                input="a-long-password\n")
    assert added.exit_code == 0, added.output
    assert "added monitor zhang: 北山街道（330106002）, 拱墅区（330105）" in added.output
    users = UsersFile(tmp_path / "users.yaml")
    assert authenticate(users, "zhang", "a-long-password").areas == (Area("北山街道", "330106002"),
                                                                    Area("拱墅区", "330105"))
    prompted = run(tmp_path, "users", "add", "li", "--role", "admin", input="secret-secret\nsecret-secret\n")
    assert prompted.exit_code == 0 and "added admin li: every area" in prompted.output
    mismatch = run(tmp_path, "users", "add", "wu", "--role", "admin", input="secret-one\nsecret-two\nsecret-one\n"
                                                                           "secret-one\n")
    assert "do not match" in mismatch.output and mismatch.exit_code == 0
    listed = run(tmp_path, "users", "list")
    assert "zhang" in listed.output and "li" in listed.output and "3 users in" in listed.output
    assert run(tmp_path, "users", "remove", "zhang").exit_code == 0
    gone = run(tmp_path, "users", "remove", "zhang")
    assert gone.exit_code != 0 and "no user named 'zhang'" in gone.output


@pytest.mark.parametrize("args, stdin, problem", [
    (["zhang"], "a-long-password\n", "a monitor needs at least one --area"),
    (["zhang", "--role", "admin", "--area", "西湖区"], "a-long-password\n", "an admin sees every area"),
    (["zhang", "--area", "西湖区"], "short\n", "at least 8 characters"),
    (["zhang", "--area", "城关镇"], "a-long-password\n", "give the code instead"),
    (["bad name", "--area", "西湖区"], "a-long-password\n", "user name"),
])
def test_users_add_refuses_with_a_reason(tmp_path, args, stdin, problem):
    result = run(tmp_path, "users", "add", *args, "--password-stdin", input=stdin)
    assert result.exit_code != 0 and problem in result.output
    assert not (tmp_path / "users.yaml").exists()


def test_serve_runs_uvicorn_with_the_app_and_logs_its_address(tmp_path, monkeypatch, caplog):
    import logging

    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    with caplog.at_level(logging.INFO, logger="sheqing"):
        result = run(tmp_path, "serve", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8123) and seen["app"].state.site.store.name == "sqlite"
    assert "no users yet" in result.output
    assert "monitors' web page on http://127.0.0.1:8123/" in caplog.text
    seen["app"].state.site.store.close()
