from datetime import datetime, timezone

import pytest

from crawlers.parsers.times import SHANGHAI, TimeParseError, http_date, parse_cn_time

NOW = datetime(2023, 12, 6, 14, 0, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("发表于 2023-12-6 13:43", datetime(2023, 12, 6, 13, 43)),
        ("2019/2/28 11:25:05", datetime(2019, 2, 28, 11, 25, 5)),
        ("2023年1月5日 08:00", datetime(2023, 1, 5, 8, 0)),
        ("2015-07-26", datetime(2015, 7, 26)),
        ("3 分钟前", datetime(2023, 12, 6, 13, 57)),
        ("45 秒前", datetime(2023, 12, 6, 13, 59)),
        ("半小时前", datetime(2023, 12, 6, 13, 30)),
        ("2 小时前", datetime(2023, 12, 6, 12, 0)),
        ("昨天 12:30", datetime(2023, 12, 5, 12, 30)),
        ("前天\xa008:05", datetime(2023, 12, 4, 8, 5)),
        ("3 天前", datetime(2023, 12, 3, 14, 0)),
        ("刚刚", datetime(2023, 12, 6, 14, 0)),
        ("12-25 10:00", datetime(2022, 12, 25, 10, 0)),  # a "future" date without a year is last year's
        ("11-30", datetime(2023, 11, 30)),
        ("13:20", datetime(2023, 12, 6, 13, 20)),
        ("23:50", datetime(2023, 12, 5, 23, 50)),  # a clock time later than now is yesterday's
    ],
)
def test_chinese_times_resolve_in_shanghai(text, expected):
    assert parse_cn_time(text, NOW) == expected.replace(tzinfo=SHANGHAI)


def test_relative_time_uses_the_reference_in_any_zone():
    utc_now = NOW.astimezone(timezone.utc)
    assert parse_cn_time("昨天 00:10", utc_now) == datetime(2023, 12, 5, 0, 10, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text", ["", "很久以前", "2023-13-45 10:00"])
def test_unknown_times_are_errors(text):
    with pytest.raises(TimeParseError):
        parse_cn_time(text, NOW)


def test_http_date():
    assert http_date(b"Wed, 06 Dec 2023 05:53:00 GMT") == datetime(2023, 12, 6, 5, 53, tzinfo=timezone.utc)
    assert http_date("garbage") is None and http_date(None) is None
