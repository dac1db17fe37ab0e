"""`python -m ae ...`: the same as the `latent-explorer` command (ae.cli)."""
import sys

from ae.cli import main

sys.exit(main())
