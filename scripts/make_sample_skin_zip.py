"""Regenerate sample_data/astronaut_skin_analysis_SYNTHETIC.zip.

The masks and scores are SYNTHETIC: the ZIP is what the bundled local sandbox
(`napari_youcam.sandbox`) returns for a skin-analysis task on the astronaut photo,
fetched through the real client and `workflow.run`, exactly as the plugin would.
It exists so the reader, the inspector and the docs can be tried without an
account; it says nothing about the person in the photo.

    python scripts/make_sample_skin_zip.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sample_data" / "astronaut_skin_analysis_SYNTHETIC.zip"
CONCERNS = ["wrinkle", "pore", "texture", "acne", "oiliness", "redness", "eye_bag", "dark_circle_v2"]


def main() -> int:
    import numpy as np
    from PIL import Image

    from napari_youcam import workflow
    from napari_youcam.connect import sandbox_client
    from napari_youcam.sandbox import Sandbox

    src = np.asarray(Image.open(ROOT / "sample_data" / "astronaut.png").convert("RGB"))
    with tempfile.TemporaryDirectory() as tmp, Sandbox(port=0, processing_seconds=0.0) as sb:
        res = workflow.run(
            "skin-analysis",
            src,
            params={"dst_actions": CONCERNS, "format": "zip"},
            client=sandbox_client(sb),
            out_dir=Path(tmp),
        )
        zips = [f for f in res.files if f.suffix == ".zip"]
        if not zips:
            print("the sandbox returned no ZIP", file=sys.stderr)
            return 1
        shutil.copyfile(zips[0], OUT)
    with zipfile.ZipFile(OUT, "a") as zf:  # say it inside the file too
        zf.writestr(
            "SYNTHETIC_README.txt",
            "Synthetic skin-analysis result made by the napari-youcam local sandbox "
            "(scripts/make_sample_skin_zip.py). Masks and scores are NOT a real analysis.\n",
        )
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
