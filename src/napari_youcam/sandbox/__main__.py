"""`python -m napari_youcam.sandbox [--port N] [--processing-seconds S]`.

Prints the base URL and the made-up credentials, then serves until Ctrl-C, so a
first-time user can point the CLI or the plugin at it (YOUCAM_BASE_URL,
YOUCAM_API_KEY or YOUCAM_CLIENT_ID + YOUCAM_CLIENT_SECRET) and watch a flow work.
"""

from __future__ import annotations

import argparse
import sys

from .server import Sandbox


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m napari_youcam.sandbox", description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--processing-seconds", type=float, default=2.0, help="how long each task runs")
    ap.add_argument("--units", type=float, default=1000.0, help="starting unit balance")
    ap.add_argument("--api-key", default=None, help="use this v2 API key instead of a random one")
    args = ap.parse_args(argv)
    sb = Sandbox(args.port, processing_seconds=args.processing_seconds, units=args.units, api_key=args.api_key)
    sb.start()
    print(f"YouCam sandbox serving at {sb.base_url}  (synthetic results, no units spent)")
    print(f"  YOUCAM_BASE_URL={sb.base_url}")
    print(f"  YOUCAM_API_KEY={sb.api_key}")
    print(f"  YOUCAM_CLIENT_ID={sb.client_id}")
    print(f"  YOUCAM_CLIENT_SECRET={sb.client_secret}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        sb.serve_forever()
    except KeyboardInterrupt:
        print("\nsandbox stopped", file=sys.stderr)
    finally:
        sb.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
