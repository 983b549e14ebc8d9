"""One spider per forum engine; ``SPIDERS`` maps a site file's ``engine`` to its spider class."""

from .discuz import DiscuzSpider
from .tieba import TiebaSpider

SPIDERS = {"discuz": DiscuzSpider, "tieba": TiebaSpider}

__all__ = ["SPIDERS", "DiscuzSpider", "TiebaSpider"]
