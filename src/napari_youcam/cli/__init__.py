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
import difflib
import os
import sys
from collections.abc import Sequence
from typing import TypeAlias

from napari_youcam.errors import YouCamError

#: What each area's ``register(subparsers)`` receives: argparse's subcommand action
#: (a private class, long stable; a string so it is never subscripted at run time).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def one_line(message: str) -> str:
    """Fold a multi-line message (a list of violations) into one line for a terminal."""
    parts = [ln.strip().removeprefix("- ") for ln in message.splitlines() if ln.strip()]
    if len(parts) <= 1:
        return message.strip()
    return parts[0] + " " + "; ".join(parts[1:])


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The `youcam` parser. With `argv` naming an image command, the service half is
    not registered (nor imported: its network stack costs more than the command)."""
    from napari_youcam.cli import imaging, jobs

    parser = argparse.ArgumentParser(
        prog="youcam",
        description="YouCam AI image API from the command line (runs on a local "
        "sandbox with synthetic results until credentials are configured).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if _command_in(argv) not in imaging.COMMANDS:
        from napari_youcam.cli import service

        service.register(sub)
    imaging.register(sub)
    jobs.register(sub)
    return parser


def _command_in(argv: Sequence[str] | None) -> str | None:
    """The subcommand `argv` names (its first non-option word), if any."""
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    return words[0] if words else None


def command_hint(word: str, parser: argparse.ArgumentParser) -> str | None:
    """The one-line error for a mistyped command (None when ``word`` is a command).

    Suggests close commands, or ``youcam run KEY`` when the word names a feature.
    """
    # argparse keeps the subcommands on its (long-stable) private `_actions` list
    commands = [
        name for action in parser._actions if isinstance(action, argparse._SubParsersAction) for name in action.choices
    ]
    if word in commands:
        return None
    close = difflib.get_close_matches(word, commands, n=2, cutoff=0.6)
    if close:
        return f"unknown command {word!r}: did you mean {' or '.join(close)}? (youcam --help lists them)"
    from napari_youcam.features import FEATURES
    from napari_youcam.features.synonyms import suggestions

    keys = suggestions(word, FEATURES)
    if keys:
        return f"unknown command {word!r}: to run a feature, type youcam run {keys[0]} IMAGE"
    return f"unknown command {word!r}: choose one of {', '.join(commands)}"


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    hint = command_hint(words[0], parser) if words and not words[0].startswith("-") else None
    if hint:
        print(f"error: {hint}", file=sys.stderr)
        return 2
    args = parser.parse_args(words)
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
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError, PermissionError) as exc:
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
