"""``python -m qgen`` runs the command line."""

import sys

from qgen.cli.main import main

sys.exit(main())
