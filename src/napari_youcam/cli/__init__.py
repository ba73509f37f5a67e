"""The `youcam` command line.

Subcommands are registered by small modules, one per area, each exposing
``register(subparsers)`` and setting ``func(args) -> int`` on its parsers:
`napari_youcam.cli.service` (features, run, resume, templates, credits, sandbox) and
`napari_youcam.cli.imaging` (prepare, mask, extend-plan, skin, face-check) and
`napari_youcam.cli.jobs` (batch, history, show, costs).

Exit codes: 0 success, 2 bad input, 1 service/task failure. Errors are printed as
one line without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from napari_youcam.errors import YouCamError


def one_line(message: str) -> str:
    """Fold a multi-line message (a list of violations) into one line for a terminal."""
    parts = [ln.strip().removeprefix("- ") for ln in message.splitlines() if ln.strip()]
    if len(parts) <= 1:
        return message.strip()
    return parts[0] + " " + "; ".join(parts[1:])


def build_parser() -> argparse.ArgumentParser:
    from napari_youcam.cli import imaging, jobs, service

    parser = argparse.ArgumentParser(
        prog="youcam",
        description="YouCam AI image API from the command line (runs on a local "
        "sandbox with synthetic results until credentials are configured).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    service.register(sub)
    imaging.register(sub)
    jobs.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except YouCamError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`youcam features | head`): not an error. Point stdout
        # at devnull so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError,
            PermissionError) as exc:
        # A path the user gave (input or -o output) cannot be used: they must change it.
        print(f"error: {exc.strerror or exc}: {exc.filename}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, I/O error...: still one line, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
