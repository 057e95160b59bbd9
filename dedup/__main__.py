"""`python -m dedup` runs the command-line interface."""

import sys

from dedup.cli import main

sys.exit(main())
