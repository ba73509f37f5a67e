"""`youcam prepare | mask | extend-plan | skin | face-check`: the image helpers without napari.

Every command reads files, calls `napari_youcam.imaging` and prints a short human
summary, or JSON with ``--json`` for scripts. Bad input raises `InputError`
(the dispatcher prints one line and exits 2).

Start-up: this module imports only the standard library at the top; numpy, OpenCV
and Pillow are imported inside the command that runs, so ``youcam --help`` and
the service commands do not pay for them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from napari_youcam.cli import Subparsers
from napari_youcam.errors import InputError
from napari_youcam.limits import JsonObject

if TYPE_CHECKING:
    import numpy as np

    from napari_youcam.features.spec import Endpoint, FeatureSpec, Limits


# ------------------------------------------------------------------ file helpers


def read_image(path: str | Path, frame: int | None = None) -> np.ndarray:
    """An image or .npy file as a numpy array (RGB(A) order, dtype kept: 16-bit stays 16-bit).

    EXIF orientation is applied, decompression bombs and (without ``frame``)
    multi-frame files are refused (`InputError`), exactly as `youcam run` reads its inputs.
    """
    from napari_youcam.imaging.io import read_image_file

    return read_image_file(path, what="image", frame=frame)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write an output file (creating its folder); `InputError` naming the path when it cannot be."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"output {p} is a folder: give a file name, e.g. {p / 'out.png'}")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    except OSError as exc:
        raise InputError(
            f"cannot write {p} ({exc.strerror or exc}"
            + (f": {exc.filename}" if exc.filename and str(exc.filename) != str(p) else "")
            + "): choose another output path"
        ) from None
    return p


def _limits(feature: str, api: str, variant: str | None) -> tuple[FeatureSpec, Endpoint, Limits]:
    from napari_youcam import features

    spec = features.get(feature)
    ep = features.endpoint_for(spec, api, variant)
    return spec, ep, features.limits_for(ep)


def _emit(args: argparse.Namespace, payload: JsonObject, lines: list[str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, default=str))
    else:
        print("\n".join(lines))


# ------------------------------------------------------------------ commands


def cmd_prepare(args: argparse.Namespace) -> int:
    from napari_youcam.imaging.masks import load_mask
    from napari_youcam.imaging.prepare import prepare_file

    spec, ep, limits = _limits(args.feature, args.api, args.variant)
    if args.mask and not args.mask_out:
        raise InputError("--mask needs --mask-out (where to write the fitted mask PNG)")
    if args.mask and ep.input("mask") is None:
        raise InputError(f"{spec.key} takes no mask")
    mask = load_mask(args.mask) if args.mask else None
    prefer = "png" if args.png else None
    p = prepare_file(args.src, limits, mask=mask, prefer=prefer, frame=args.frame, what="image")
    out = write_bytes(args.output, p.image.data)
    payload = {
        "feature": spec.key,
        "api": ep.api,
        "variant": ep.variant,
        "output": str(out),
        "width": p.info.width,
        "height": p.info.height,
        "format": p.image.format,
        "quality": p.image.quality,
        "bytes": p.image.nbytes,
        "content_type": p.image.content_type,
        "transform": p.transform.to_dict(),
        "notes": p.notes,
    }
    lines = [
        f"{out}: {p.info.width}×{p.info.height} {p.image.format.upper()}"
        + (f" q{p.image.quality}" if p.image.quality else "")
        + f", {p.image.nbytes} bytes",
        f"transform: {json.dumps(p.transform.to_dict())}",
    ]
    if suffix_mismatch(out, p.image.format):
        lines.append(f"note: written as {p.image.format.upper()} although the name ends in {out.suffix}")
    if p.mask is not None:
        mo = write_bytes(args.mask_out, p.mask.data)
        payload["mask_output"] = str(mo)
        payload["mask_bytes"] = p.mask.nbytes
        lines.append(f"{mo}: mask {p.info.width}×{p.info.height} PNG, {p.mask.nbytes} bytes")
    lines += [f"- {n}" for n in p.notes]
    _emit(args, payload, lines)
    return 0


def suffix_mismatch(path: Path, fmt: str) -> bool:
    suf = path.suffix.lower().lstrip(".")
    return bool(suf) and ("jpg" if suf == "jpeg" else suf) != fmt


def cmd_mask(args: argparse.Namespace) -> int:
    from napari_youcam.imaging.io import read_image_header
    from napari_youcam.imaging.masks import labels_to_mask, load_mask, mask_png_bytes

    labels = load_mask(args.labels)  # the one mask rule: 2-D labels/gray, or RGBA alpha
    shape = None
    if args.like:
        hdr = read_image_header(args.like, what="--like")  # the size only: no pixels decoded
        shape = (hdr.size[1], hdr.size[0]) if hdr is not None else read_image(args.like).shape
    ids = None
    if args.labels_only:
        try:
            ids = [int(v) for v in args.labels_only.split(",") if v.strip()]
        except ValueError:
            raise InputError(
                f"--labels {args.labels_only!r}: give label values as whole numbers, e.g. --labels 1,3"
            ) from None
    m = labels_to_mask(labels, shape=shape, labels=ids, grow=args.grow, feather=args.feather, invert=args.invert)
    out = write_bytes(args.output, mask_png_bytes(m))
    frac = float((m > 0).mean())
    _emit(
        args,
        {"output": str(out), "width": m.shape[1], "height": m.shape[0], "coverage": frac},
        [f"{out}: mask {m.shape[1]}×{m.shape[0]}, {frac:.1%} of the image"],
    )
    return 0


def _parse_crop(text: str | None) -> tuple[int, int, int, int] | None:
    if not text:
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--crop {text!r} should be X,Y,W,H in source pixels, e.g. 0,0,800,600") from None
    return x, y, w, h


def _source_size(src: str) -> tuple[int, int]:
    if "x" in src.lower() and not Path(src).exists():
        try:
            w, h = (int(v) for v in src.lower().split("x"))
            return w, h
        except ValueError:
            pass
    from PIL import Image

    try:
        with Image.open(src) as im:  # header only: planning needs no pixels
            return im.size
    except FileNotFoundError:
        raise
    except Exception:  # noqa: BLE001
        a = read_image(src)
        return a.shape[1], a.shape[0]


def cmd_extend_plan(args: argparse.Namespace) -> int:
    from napari_youcam.cli.service import outpaint_command
    from napari_youcam.imaging import plan_extend

    w, h = _source_size(args.src)
    if (args.x is None) != (args.y is None):
        raise InputError("give both --x and --y (or --anchor)")
    plan = plan_extend(
        w,
        h,
        width=args.width,
        height=args.height,
        aspect=args.aspect,
        x=args.x,
        y=args.y,
        anchor=args.anchor,
        crop=_parse_crop(args.crop),
        api=args.api,
    )
    run = outpaint_command(
        args.src, plan, aspect=args.aspect, anchor=args.anchor, planned_only=bool(args.crop or args.width)
    )
    lines = [f"{k} = {v}" for k, v in plan.params.items()]
    lines += [f"note: {n}" for n in plan.notes] + [f"warning: {x}" for x in plan.warnings]
    _emit(args, {**plan.to_dict(), "run": run}, [*lines, f"run it: {run}"])
    return 0


def cmd_skin_scores(args: argparse.Namespace) -> int:
    from napari_youcam.imaging import scores_table
    from napari_youcam.workflow.tables import read_skin_result

    r = read_skin_result(args.result, alpha_only=True)
    if args.csv:
        sys.stdout.write(scores_table(r, "csv"))
    elif args.json:
        print(scores_table(r, "json"))
    else:
        print(
            f"skin age: {r.skin_age if r.skin_age is not None else '-'}   overall: "
            f"{r.overall if r.overall is not None else '-'}"
        )
        print(f"{'concern':32} {'raw':>8} {'ui':>6}  mask")
        for n, s in r.scores.items():
            raw = "-" if s.raw_score is None else f"{s.raw_score:.2f}"
            ui = "-" if s.ui_score is None else f"{s.ui_score:g}"
            print(f"{n:32} {raw:>8} {ui:>6}  {'yes' if n in r.masks else 'missing' if s.mask_name else '-'}")
    return 0


def cmd_skin_table(args: argparse.Namespace) -> int:
    from napari_youcam.workflow.tables import write_skin_table

    out, n = write_skin_table(args.paths, args.output)
    print(f"{out}: {n} rows")
    return 0


def cmd_skin_blend(args: argparse.Namespace) -> int:
    from napari_youcam.imaging import blend_masks
    from napari_youcam.imaging.encode import encode_png
    from napari_youcam.workflow.tables import read_skin_result

    r = read_skin_result(args.result, alpha_only=True)
    names = None
    if args.concern:
        names = []
        for c in args.concern:  # a concern name selects all its sub-areas
            hits = [n for n in r.masks if n == c or n.startswith(c + ".")]
            if not hits:
                raise InputError(f"no mask for {c!r}; available: {', '.join(r.masks) or 'none'}")
            names += [h for h in hits if h not in names]
    out_arr = blend_masks(read_image(args.src), r, names=names, opacity=args.opacity)
    out = write_bytes(args.output, encode_png(out_arr))
    used = names if names is not None else list(r.masks)
    print(f"{out}: {out_arr.shape[1]}×{out_arr.shape[0]}, {len(used)} mask(s): {', '.join(used)}")
    return 0


def cmd_face_check(args: argparse.Namespace) -> int:
    from napari_youcam import features
    from napari_youcam.imaging import face_check

    spec = features.get(args.feature)
    fc = face_check(read_image(args.src, args.frame), spec.key, short_min=spec.endpoints[0].limits.short_min)
    lines = [f"{spec.key}: {len(fc.faces)} face(s) found" + (" — OK" if fc.ok else "")]
    for f in fc.faces:
        lines.append(f"  face {f.index}: x={f.left:.0f} y={f.top:.0f} w={f.width:.0f} h={f.height:.0f}")
    lines += [f"warning: {w}" for w in fc.warnings]
    if not fc.ok:
        lines.append("(advisory: the service may still accept it; run anyway to override)")
    _emit(args, fc.to_dict(), lines)
    return 2 if (args.strict and not fc.ok) else 0


# ------------------------------------------------------------------ parsers

COMMANDS = ("prepare", "mask", "extend-plan", "skin", "face-check")  # what `register` adds


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser("prepare", help="fit and encode an image (and mask) for a feature's limits")
    p.add_argument("feature")
    p.add_argument("src")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--mask")
    p.add_argument("--mask-out")
    p.add_argument("--api", choices=("v2", "v1"), default="v2")
    p.add_argument("--variant")
    p.add_argument("--png", action="store_true", help="prefer PNG where the feature accepts it")
    p.add_argument("--frame", type=int, help="frame of an animated or multi-page source (0 = first)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_prepare)

    p = subparsers.add_parser("mask", help="Labels image/.npy → mask PNG (255 = act here)")
    p.add_argument("labels")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--like", help="image the mask must match in size")
    p.add_argument("--labels", dest="labels_only", help="comma-separated label values (default: all non-zero)")
    p.add_argument("--grow", type=int, default=0)
    p.add_argument("--feather", type=float, default=0)
    p.add_argument("--invert", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_mask)

    p = subparsers.add_parser("extend-plan", help="image extender (out-paint) request parameters")
    p.add_argument("src", help="source image, or its size as WxH")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--aspect", help="16:9, 1:1, 9:16 ... (source scale kept)")
    g.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.add_argument("--x", type=int)
    p.add_argument("--y", type=int)
    p.add_argument("--anchor", default="center")
    p.add_argument("--crop", help="X,Y,W,H in source pixels")
    p.add_argument("--api", choices=("v2", "v1"), default="v2")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_extend_plan)

    p = subparsers.add_parser("skin", help="skin analysis result ZIPs")
    sk = p.add_subparsers(dest="skin_command", metavar="SKIN_COMMAND")
    s = sk.add_parser("scores", help="print the scores (raw and UI)")
    s.add_argument("result", help="a result ZIP, or a skin-analysis job folder (ZIP or format=json run)")
    s.add_argument("--csv", action="store_true")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_skin_scores)
    s = sk.add_parser("blend", help="blend concern masks over the photo")
    s.add_argument("result", help="a result ZIP, or a skin-analysis job folder (ZIP or format=json run)")
    s.add_argument("src")
    s.add_argument("-o", "--output", required=True)
    s.add_argument("--concern", action="append")
    s.add_argument("--opacity", type=float, default=0.6)
    s.set_defaults(func=cmd_skin_blend)
    s = sk.add_parser("table", help="one row per (image, concern) over result ZIPs, job folders or a results folder")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument("-o", "--output", required=True, help="the CSV to write, e.g. scores.csv")
    s.set_defaults(func=cmd_skin_table)

    p = subparsers.add_parser("face-check", help="local pre-flight of a feature's face rules (advisory)")
    p.add_argument("feature")
    p.add_argument("src")
    p.add_argument("--json", action="store_true")
    p.add_argument("--strict", action="store_true", help="exit 2 when a rule looks broken")
    p.add_argument("--frame", type=int, help="frame of an animated or multi-page source (0 = first)")
    p.set_defaults(func=cmd_face_check)
