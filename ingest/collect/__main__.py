"""`python -m ingest.collect`: the collector without the rest of the CLI (no store dependencies needed)."""

import sys

from ingest.collect.cli import main

sys.exit(main())
