"""`python -m napari_youcam.cli` runs the `youcam` command."""

import sys

from napari_youcam.cli import main

sys.exit(main())
