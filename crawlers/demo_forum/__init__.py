"""A local forum for sheqing's demo and tests: imitations of Discuz! X3.4 and Baidu Tieba.

One process serves ``/riverside/`` (Discuz, UTF-8), ``/oldtown/`` (Discuz, GBK), ``/tieba/`` and, with
``--csv``, ``/govmsg/``; see PAGES.md for the exact pages. Map of the package:

- ``server``: HTTP server, ``make_server``, ``main`` (``python -m crawlers.demo_forum``)
- ``launch``: ``demo_forum_process(...)``, the server as a child process for a ``with`` block
- ``app``: one request handler for all sites, robots.txt, rate limit, ``/_demo/`` admin
- ``site_discuz`` / ``site_tieba``: routing, visibility and paging per engine
- ``render_discuz`` / ``render_discuz_post`` / ``render_tieba``: the markup
- ``corpus`` / ``corpus_finish``: the seeded built-in content (with ground-truth labels);
  text in ``grievances``, ``chatter``, ``incidents``; names in ``places``, ``users``
- ``csv_replay``: a government-message CSV as ``/govmsg/``
- ``clock``, ``timefmt``, ``ratelimit``, ``malform``, ``web``: small helpers
- ``save_pages``: write representative pages to disk for parser tests
"""

from .server import ForumOptions, build_forum, main, make_server

__all__ = ["ForumOptions", "build_forum", "main", "make_server"]
