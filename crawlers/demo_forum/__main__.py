"""``python -m crawlers.demo_forum``: serve the demo forum."""

import sys

from .server import main

sys.exit(main())
