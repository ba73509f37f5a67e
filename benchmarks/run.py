"""Benchmarks of the image path (issue 13's table) against references measured in the same run.

    PYTHONPATH=src python benchmarks/run.py        # about 2-3 minutes on the 2-core box

Each row times our code and a reference (the fastest library pipeline from the
project's performance notes, written out here), interleaved round-robin so the
noise of a shared machine hits both alike, and prints the median ms, the ratio,
the goal, and where it applies PSNR and peak memory. Peak memory is measured in
a child process per pipeline (``--mem CASE``): the high-water mark is reset through
/proc/self/clear_refs, so the figure is the extra RSS of one call. Whole-process
rows run the command as a subprocess and report its peak RSS. Not part of the tests.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

from napari_youcam.features.spec import Limits
from napari_youcam.imaging import blend_masks, encode, fit, read_skin_zip
from napari_youcam.imaging.fit import fit_size, resize_image
from napari_youcam.imaging.io import decode_reduction, read_image_file, read_image_header
from napari_youcam.imaging.prepare import prepare_file

PY = sys.executable
SRC = str(Path(__file__).resolve().parents[1] / "src")
LONG = 1920
N_MASKS, MW, MH = 14, 2560, 1920

# The "7-line cv2 scripts" the whole-process rows compare against.
REF_PREPARE = """import sys, cv2
a = cv2.imread(sys.argv[1], cv2.IMREAD_REDUCED_COLOR_2)
h, w = a.shape[:2]
s = int(sys.argv[3]) / max(h, w)
a = cv2.resize(a, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
ok, b = cv2.imencode(".jpg", a, [cv2.IMWRITE_JPEG_QUALITY, 92])
open(sys.argv[2], "wb").write(b.tobytes())
"""
REF_MASK = """import sys, cv2, numpy as np
lab = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED)
sel = cv2.dilate((lab != 0).view(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (17, 17)))
d = cv2.distanceTransform(cv2.compare(sel, 0, cv2.CMP_EQ), cv2.DIST_L2, cv2.DIST_MASK_5)
m = cv2.convertScaleAbs(np.minimum(d, 6), alpha=-255 / 6, beta=255)
cv2.imwrite(sys.argv[2], m)
"""


# ---------------------------------------------------------------- measuring


def interleaved(fns: dict[str, Callable[[], object]], runs: int, inner: int = 1) -> dict[str, float]:
    """Median ms per call of each function, runs interleaved round-robin."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for f in fns.values():  # warm-up
        f()
    for _ in range(runs):
        for k, f in fns.items():
            t = time.perf_counter()
            for _ in range(inner):
                f()
            times[k].append((time.perf_counter() - t) * 1000 / inner)
    return {k: statistics.median(v) for k, v in times.items()}


def run_process(argv: list[str]) -> tuple[float, float]:
    """(wall ms, peak RSS MiB) of one subprocess.

    The peak comes from /usr/bin/time: a child forked from this (large) process
    would report this process's high-water mark as its own.
    """
    env = dict(os.environ, PYTHONPATH=SRC)
    with tempfile.NamedTemporaryFile("r") as rss:
        t = time.perf_counter()
        subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            check=True,
        )
        ms = (time.perf_counter() - t) * 1000
        return ms, int(rss.read().split()[-1]) / 1024


def processes(cmds: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall ms and max peak RSS per command, interleaved."""
    res: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    for argv in cmds.values():
        run_process(argv)  # warm the page cache
    for _ in range(runs):
        for k, argv in cmds.items():
            res[k].append(run_process(argv))
    return {k: (statistics.median(m for m, _ in v), max(r for _, r in v)) for k, v in res.items()}


def child_peak_mib(case: str, workdir: Path) -> float:
    """Extra peak RSS (MiB) of one call of `case`, measured in a fresh process."""
    out = subprocess.run(
        [PY, __file__, "--mem", case, str(workdir)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=SRC),
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


# ---------------------------------------------------------------- inputs


def photo_24mp() -> np.ndarray:
    a = data.astronaut()
    row = np.concatenate([a, a[:, ::-1]], axis=1)
    block = np.concatenate([row, row[::-1]], axis=0)  # seamless 1024² block
    return np.ascontiguousarray(np.tile(block, (4, 6, 1))[:4000, :6000])


def blob_overlays(n: int, w: int, h: int, rng: np.random.Generator) -> list[np.ndarray]:
    """RGBA overlays like the service's masks: one colour, alpha 0.6×255, 2-4 px soft edges."""
    out = []
    for i in range(n):
        low = rng.random((h // 32, w // 32)).astype(np.float32)
        field = cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC)
        cover = 0.05 + 0.15 * (i / max(1, n - 1))
        hard = (field > np.quantile(field, 1 - cover)).astype(np.float32)
        soft = cv2.GaussianBlur(hard, (0, 0), 1.5 + (i % 3) * 0.5)
        m = np.zeros((h, w, 4), np.uint8)
        m[..., :3] = rng.integers(0, 256, 3)
        m[..., 3] = np.rint(soft * 153).astype(np.uint8)
        out.append(m)
    return out


def make_inputs(d: Path) -> None:
    """Write every input file once; child processes read them from `d`."""
    big = photo_24mp()
    cv2.imwrite(str(d / "photo.jpg"), cv2.cvtColor(big, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    rng = np.random.default_rng(1)
    overlays = blob_overlays(N_MASKS, MW, MH, rng)
    names = [f"hd_concern{i}" for i in range(N_MASKS)]
    scores = {
        n: {"raw_score": 50.0 + i, "ui_score": 70 + i, "output_mask_name": f"{n}_output.png"}
        for i, n in enumerate(names)
    }
    with zipfile.ZipFile(d / "skin.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("skinanalysisResult/score_info.json", json.dumps(scores))
        for n, m in zip(names, overlays, strict=True):
            b = io.BytesIO()
            Image.fromarray(m).save(b, "PNG")  # Pillow's default level, like the service's files
            zf.writestr(f"skinanalysisResult/{n}_output.png", b.getvalue())
    colors = {n: [int(c) for c in m[0, 0, :3]] for n, m in zip(names, overlays, strict=True)}
    (d / "colors.json").write_text(json.dumps(colors))
    np.save(d / "skin_src.npy", np.ascontiguousarray(big[:MH, :MW]))
    lab = np.zeros((4096, 4096), np.uint8)
    for i in range(40):
        y, x = rng.integers(0, 3900, 2)
        lab[y : y + 150, x : x + 200] = i + 1
    cv2.imwrite(str(d / "labels.png"), lab)
    (d / "ref_prepare.py").write_text(REF_PREPARE)
    (d / "ref_mask.py").write_text(REF_MASK)


# ---------------------------------------------------------------- pipelines (ours / reference)


def ours_prepare(d: Path) -> bytes:
    return prepare_file(d / "photo.jpg", Limits(long_max=LONG)).image.data


def ref_prepare(d: Path) -> bytes:
    a = cv2.imdecode(np.fromfile(d / "photo.jpg", np.uint8), cv2.IMREAD_REDUCED_COLOR_2)
    h, w = a.shape[:2]
    s = LONG / max(h, w)
    a = cv2.resize(a, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    a = cv2.cvtColor(a, cv2.COLOR_BGR2RGB)
    return cv2.imencode(".jpg", cv2.cvtColor(a, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


def skin_inputs(d: Path) -> tuple[bytes, np.ndarray, dict[str, tuple[int, int, int]]]:
    colors = {k: tuple(v) for k, v in json.loads((d / "colors.json").read_text()).items()}
    return (d / "skin.zip").read_bytes(), np.load(d / "skin_src.npy"), colors


def ours_skin(zbytes: bytes, src: np.ndarray, colors: dict[str, tuple[int, int, int]]) -> np.ndarray:
    return blend_masks(src, read_skin_zip(zbytes, alpha_only=True), opacity=1.0, colors=colors)


def _ref_lerp(planes: list[np.ndarray], a: np.ndarray, color: tuple[int, int, int]) -> None:
    """The reference blend: numpy uint16 on contiguous channel planes, whole image."""
    a16 = a.astype(np.uint16)
    keep = 255 - a16
    for p, v in zip(planes, color, strict=True):
        t = p * keep
        t += a16 * np.uint16(v)
        t += 127
        p[:] = t // 255


def ref_skin(zbytes: bytes, src: np.ndarray, colors: dict[str, tuple[int, int, int]]) -> np.ndarray:
    """2 decode threads, alpha only, blended in place as the masks arrive."""
    with zipfile.ZipFile(io.BytesIO(zbytes)) as zf:
        members = [(n, zf.read(f"skinanalysisResult/{n}_output.png")) for n in colors]

    def alpha(item: tuple[str, bytes]) -> np.ndarray:
        return np.ascontiguousarray(cv2.imdecode(np.frombuffer(item[1], np.uint8), cv2.IMREAD_UNCHANGED)[:, :, 3])

    planes = [np.ascontiguousarray(src[:, :, c]) for c in range(3)]
    with ThreadPoolExecutor(2) as pool:
        for (n, _), a in zip(members, pool.map(alpha, members), strict=True):
            _ref_lerp(planes, a, colors[n])
    return cv2.merge(planes)


MEM_CASES: dict[str, Callable[[Path], Callable[[], object]]] = {
    "prepare.ours": lambda d: lambda: ours_prepare(d),
    "prepare.ref": lambda d: lambda: ref_prepare(d),
    "skin.ours": lambda d: (lambda z, s, c: lambda: ours_skin(z, s, c))(*skin_inputs(d)),
    "skin.ref": lambda d: (lambda z, s, c: lambda: ref_skin(z, s, c))(*skin_inputs(d)),
}


def mem_child(case: str, d: Path) -> None:
    fn = MEM_CASES[case](d)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark
    before = _status_kib("VmRSS")
    fn()
    print(f"{(_status_kib('VmHWM') - before) / 1024:.1f}")


# ---------------------------------------------------------------- rows

Row = tuple[str, float, float, str, str]  # case, ours ms, ref ms, goal, notes


def row_fit() -> Row:
    big = photo_24mp()
    lim = Limits(long_max=LONG)
    r = interleaved(
        {"ours": lambda: fit(big, lim), "ref": lambda: cv2.resize(big, (1920, 1280), interpolation=cv2.INTER_AREA)},
        runs=7,
    )
    ours_img, _ = fit(big, lim)
    ref_f = cv2.resize(big.astype(np.float64), (1920, 1280), interpolation=cv2.INTER_AREA)
    return (
        "fit 6000×4000 → 1920 (vs cv2 INTER_AREA)",
        r["ours"],
        r["ref"],
        "≤ 1.0×",
        f"PSNR {psnr(ours_img, ref_f):.1f} dB vs float64 area",
    )


def row_prepare(d: Path) -> Row:
    r = interleaved({"ours": lambda: ours_prepare(d), "ref": lambda: ref_prepare(d)}, runs=9)
    path = d / "photo.jpg"
    hdr = read_image_header(path)
    ow, oh, _ = fit_size(*hdr.size, Limits(long_max=LONG))
    k = decode_reduction(hdr, (ow, oh))
    fitted = resize_image(read_image_file(path, reduce=k), (ow, oh))
    full = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR_RGB).astype(np.float64)
    ref_f = cv2.resize(full, (ow, oh), interpolation=cv2.INTER_AREA)
    del full
    m_ours, m_ref = child_peak_mib("prepare.ours", d), child_peak_mib("prepare.ref", d)
    return (
        "read 24 MP JPEG → fit 1920 → JPEG (prepare_file vs cv2 REDUCED_2 + AREA + imencode)",
        r["ours"],
        r["ref"],
        "≤ 1.2×",
        (
            f"÷{k} decode; PSNR {psnr(fitted, ref_f):.1f} dB before encoding (goal ≥ 38); "
            f"peak {m_ours:.0f} vs {m_ref:.0f} MiB ({m_ours / m_ref:.2f}×, goal ≤ 2×)"
        ),
    )


def row_prepare_process(d: Path) -> Row:
    out = d / "out.jpg"
    r = processes(
        {
            "ours": [PY, "-m", "napari_youcam.cli", "prepare", "hair-color", str(d / "photo.jpg"), "-o", str(out)],
            "ref": [PY, str(d / "ref_prepare.py"), str(d / "photo.jpg"), str(d / "ref.jpg"), "1919"],
        },
        runs=7,
    )
    return (
        "`youcam prepare hair-color 24MP.jpg` whole process (vs 7-line cv2 script)",
        r["ours"][0],
        r["ref"][0],
        "≤ 1.3×",
        f"peak RSS {r['ours'][1]:.0f} vs {r['ref'][1]:.0f} MiB",
    )


def rows_skin(d: Path) -> list[Row]:
    zbytes, src, colors = skin_inputs(d)
    r = interleaved(
        {"ours": lambda: ours_skin(zbytes, src, colors), "ref": lambda: ref_skin(zbytes, src, colors)}, runs=7
    )
    o, ref = ours_skin(zbytes, src, colors), ref_skin(zbytes, src, colors)
    m_ours, m_ref = child_peak_mib("skin.ours", d), child_peak_mib("skin.ref", d)
    decode = (
        f"{N_MASKS} masks {MW}×{MH}: unzip + decode + blend (vs 2 threads, alpha only, uint16 in place)",
        r["ours"],
        r["ref"],
        "≤ 1.0×",
        (
            f"max |diff| {int(np.abs(o.astype(int) - ref.astype(int)).max())}; peak {m_ours:.0f} vs "
            f"{m_ref:.0f} MiB ({m_ours / m_ref:.2f}×, goal ≤ 1.5×); {os.cpu_count()} cores"
        ),
    )
    alphas = read_skin_zip(zbytes, alpha_only=True).masks

    def ref_blend_only() -> np.ndarray:
        planes = [np.ascontiguousarray(src[:, :, c]) for c in range(3)]
        for n, a in alphas.items():
            _ref_lerp(planes, a, colors[n])
        return cv2.merge(planes)

    r2 = interleaved(
        {"ours": lambda: blend_masks(src, alphas, opacity=1.0, colors=colors), "ref": ref_blend_only}, runs=7
    )
    blend = (
        f"blend only, {N_MASKS} decoded masks (vs numpy uint16 on channel planes)",
        r2["ours"],
        r2["ref"],
        "≤ 1.1×",
        "",
    )
    return [decode, blend]


def row_mask_process(d: Path) -> Row:
    r = processes(
        {
            "ours": [
                PY,
                "-m",
                "napari_youcam.cli",
                "mask",
                str(d / "labels.png"),
                "-o",
                str(d / "m.png"),
                "--grow",
                "8",
                "--feather",
                "6",
            ],
            "ref": [PY, str(d / "ref_mask.py"), str(d / "labels.png"), str(d / "m_ref.png")],
        },
        runs=7,
    )
    a = cv2.imread(str(d / "m.png"), cv2.IMREAD_UNCHANGED)
    b = cv2.imread(str(d / "m_ref.png"), cv2.IMREAD_UNCHANGED)
    return (
        "`youcam mask` 4096² grow 8 + feather 6 whole process (vs cv2 dilate + distance ramp + PNG)",
        r["ours"][0],
        r["ref"][0],
        "≤ 1.5×",
        (
            f"max |diff| {int(np.abs(a.astype(int) - b.astype(int)).max())}; "
            f"peak RSS {r['ours'][1]:.0f} vs {r['ref'][1]:.0f} MiB"
        ),
    )


def row_encode_cap() -> Row:
    img, _ = fit(photo_24mp(), Limits(long_max=LONG))
    bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    q92 = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 92])[1]
    tight = Limits(max_bytes=int(len(q92) * 0.6))
    e = encode(img, tight)
    best = max(
        q for q in range(70, 93) if len(cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, q])[1]) < tight.max_bytes
    )
    r = interleaved(
        {
            "ours": lambda: encode(img, tight),
            "ref": lambda: cv2.imencode(
                ".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, e.quality]
            ),
        },
        runs=9,
        inner=3,
    )
    return (
        f"encode 1920×1280 under a 60 % cap (q92 → q{e.quality}) (vs one encode at q{e.quality})",
        r["ours"],
        r["ref"],
        "≤ 2.5×",
        f"best quality under the cap q{best}; {len(e.data) / 1e6:.2f} MB",
    )


def rows_help() -> list[Row]:
    no_service = (
        "import argparse; from napari_youcam.cli import imaging; p = argparse.ArgumentParser('youcam'); "
        "imaging.register(p.add_subparsers()); p.print_help()"
    )
    r = processes(
        {
            "ours": [PY, "-m", "napari_youcam.cli", "--help"],
            "parser": [PY, "-c", no_service],
            "ref": [PY, "-c", "import numpy, argparse"],
        },
        runs=9,
    )
    return [
        (
            "`youcam --help` (vs python -c 'import numpy, argparse')",
            r["ours"][0],
            r["ref"][0],
            "≤ 1.3×",
            "includes cli/service.py, whose imports the CLI branch makes lazy",
        ),
        ("  the same parser without cli/service.py", r["parser"][0], r["ref"][0], "≤ 1.3×", ""),
    ]


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--mem":
        mem_child(sys.argv[2], Path(sys.argv[3]))
        return 0
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="youcam-bench-") as tmp:
        d = Path(tmp)
        make_inputs(d)
        rows = [
            row_fit(),
            row_prepare(d),
            row_prepare_process(d),
            *rows_skin(d),
            row_mask_process(d),
            row_encode_cap(),
            *rows_help(),
        ]
    print(f"{'case':100} {'ours ms':>9} {'ref ms':>9} {'ratio':>7} {'goal':>7}  notes")
    for case, ours, ref, goal, extra in rows:
        print(f"{case:100} {ours:9.1f} {ref:9.1f} {ours / ref:6.2f}× {goal:>7}  {extra}")
    print(
        f"\ntotal benchmark time {time.perf_counter() - t_start:.1f} s; cv2 threads {cv2.getNumThreads()}; "
        f"{os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
