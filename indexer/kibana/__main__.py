"""``python -m indexer.kibana [--check]``: regenerate (or check) saved_objects.ndjson from the definitions."""

import sys

from .objects import main

sys.exit(main())
