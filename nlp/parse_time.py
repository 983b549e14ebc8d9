"""Times as the government-board CSVs write them ("2019/2/28 11:25:05", sometimes ISO), in Asia/Shanghai."""

from datetime import datetime

from crawlers.parsers.times import SHANGHAI, parse_cn_time

__all__ = ["parse_message_time"]

_EPOCH = datetime(2020, 6, 1, tzinfo=SHANGHAI)  # any "now" after the data; no relative times occur


def parse_message_time(text: str) -> datetime:
    return parse_cn_time(text, _EPOCH)
