"""sheqing (社情): the core every component shares.

- ``sheqing.records``: the post record and its stable id and author key
- ``sheqing.settings``: every setting, from ``SHEQING_*`` environment variables
- ``sheqing.cli``: the ``sheqing`` command
- ``sheqing.demo``: the demo run behind ``make demo``
"""

__version__ = "0.1.0"
