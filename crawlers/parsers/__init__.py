"""Pure page parsers, one module per forum engine: HTML (or JSON) in, records out, no network.

- ``discuz.parse_thread_page(html, url, fetched_at)`` / ``discuz.parse_board_page(...)``
- ``tieba.parse_thread_page(html, url, fetched_at)`` / ``tieba.parse_board_page(...)`` / ``tieba.parse_comments(...)``
- ``times.parse_cn_time(text, now)`` for absolute and relative Chinese times
"""

from .common import BoardPage, LoginRequired, PageParseError, ParsedPost, ThreadPage, ThreadSummary

__all__ = ["BoardPage", "LoginRequired", "PageParseError", "ParsedPost", "ThreadPage", "ThreadSummary"]
