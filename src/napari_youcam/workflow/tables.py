"""Tables over past jobs: the job list (history), units spent (costs), cohort scores.

`list_jobs` and `costs` read the results folder's job store (`JobStore`) when
it has one and otherwise the job folders' records directly: the folders are the
truth, the store is their index (`rebuild_index`). `skin_table` turns
skin-analysis results (ZIPs, job folders, results folders) into one row per
(image, concern) for a cohort.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from napari_youcam.errors import InputError
from napari_youcam.features.analysis import RESULT_FIELDS, analysis_columns, analysis_rows
from napari_youcam.imaging.skin import ConcernScore, SkinResult, decode_mask, read_skin_zip, scores_rows
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.jobs import HAS_RESULT, JobRecord
from napari_youcam.workflow.sidecar import SIDECAR_NAME, load_sidecar
from napari_youcam.workflow.store import STORE_NAME, JobStore, RebuildReport, units_of

log = logging.getLogger("napari_youcam.workflow.tables")

INPUTS_NAME = "youcam-inputs.json"  # written by a batch beside the sidecar: which file was the source


# ---------------------------------------------------------------------- the job list
@dataclass(frozen=True)
class JobRow:
    """One past job, as the history commands and the History dock show it."""

    job_id: str
    job_dir: Path
    feature: str
    status: str
    time: str
    api: str = "v2"
    variant: str = "default"
    task_id: str | None = None
    units: float | None = None
    sandbox: bool = False
    source: str | None = None
    source_sha256: str | None = None
    source_shape: tuple[int, ...] | None = None
    kind: str | None = None
    files: tuple[str, ...] = ()
    error: str | None = None
    params: JsonObject = field(default_factory=dict)
    reused_from: str | None = None

    @property
    def source_name(self) -> str:
        return Path(self.source).name if self.source else ""

    @property
    def day(self) -> str:
        return self.time[:10]

    def as_dict(self) -> JsonObject:
        return {
            "job_id": self.job_id,
            "job_dir": str(self.job_dir),
            "feature": self.feature,
            "status": self.status,
            "time": self.time,
            "api": self.api,
            "variant": self.variant,
            "task_id": self.task_id,
            "units": self.units,
            "sandbox": self.sandbox,
            "source": self.source,
            "source_sha256": self.source_sha256,
            "source_shape": list(self.source_shape) if self.source_shape else None,
            "kind": self.kind,
            "files": list(self.files),
            "error": self.error,
            "params": self.params,
            "reused_from": self.reused_from,
        }


def read_json_dict(path: Path) -> JsonObject | None:
    """A JSON object from a file, or None when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def row_from_record(rec: JobRecord, job_dir: Path) -> JobRow:
    """A `JobRow` from a checked record and its folder (plus the batch's note of its source file)."""
    source = (read_json_dict(job_dir / INPUTS_NAME) or {}).get("source")
    shape = rec.source_shape
    return JobRow(
        job_id=job_dir.name,
        job_dir=job_dir,
        feature=rec.feature,
        status=str(rec.status),
        time=str(rec.times.get("started") or rec.times.get("created") or ""),
        api=rec.api,
        variant=rec.variant,
        task_id=rec.task_id,
        units=units_of(rec),
        sandbox=rec.sandbox,
        source=source if isinstance(source, str) and source else rec.source_name,
        source_sha256=rec.source_sha256,
        source_shape=tuple(shape) if shape and all(isinstance(v, int) for v in shape) else None,
        kind=rec.kind,
        files=tuple(rec.files),
        error=rec.error,
        params=dict(rec.params),
        reused_from=rec.reused_from,
    )


def scan_jobs(results_dir: str | Path) -> list[JobRow]:
    """Every job folder directly under ``results_dir``; damaged records are skipped (logged)."""
    base = Path(results_dir).expanduser()
    rows: list[JobRow] = []
    if not base.is_dir():
        return rows
    for side in sorted(base.glob(f"*/{SIDECAR_NAME}")):
        try:
            rec = load_sidecar(side.parent).record
        except (InputError, OSError) as exc:
            log.warning("skipping %s: %s", side.parent, exc)
            continue
        rows.append(row_from_record(rec, side.parent))
    return rows


def _store_rows(results_dir: Path) -> list[JobRow] | None:
    """Rows from the job store when the folder has one (None: read the folders instead)."""
    if not (results_dir / STORE_NAME).is_file():
        return None  # jobs from before the store, or a copied folder: `history --rebuild` indexes them
    try:
        records = JobStore.open(results_dir).find()
    except Exception:  # sqlite3.Error, OSError: an unreadable index; the folders are the truth
        log.warning("job store in %s unreadable; reading the job folders", results_dir, exc_info=True)
        return None
    return [row_from_record(r, results_dir / r.job_id) for r in records]


def rebuild_index(results_dir: str | Path) -> RebuildReport:
    """Rebuild the job store of ``results_dir`` from its job folders."""
    base = Path(results_dir).expanduser()
    return JobStore.open(base).rebuild(base)


def parse_since(text: str | None) -> str | None:
    """``YYYY-MM-DD`` (or a full ISO time) → an ISO prefix to compare with; InputError otherwise."""
    if not text:
        return None
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--since {text!r}: give a date as YYYY-MM-DD (or YYYY-MM-DDTHH:MM)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds")


def list_jobs(
    results_dir: str | Path,
    *,
    feature: str | None = None,
    since: str | None = None,
    status: str | None = None,
    source: str | None = None,
) -> list[JobRow]:
    """Past jobs, oldest first, filtered by feature, start time (ISO), status and source name."""
    base = Path(results_dir).expanduser()
    rows = _store_rows(base)
    if rows is None:
        rows = scan_jobs(base)
    since_iso = parse_since(since)
    out = [
        r
        for r in rows
        if (feature is None or r.feature == feature)
        and (status is None or r.status == status)
        and (since_iso is None or _utc(r.time) >= since_iso)
        and (source is None or source.lower() in r.source_name.lower())
    ]
    return sorted(out, key=lambda r: (r.time, r.job_id))


def _utc(text: str) -> str:
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc).isoformat(timespec="milliseconds")


def find_job(results_dir: str | Path, job: str) -> JobRow:
    """A job by folder path, folder name (its id) or task id; `InputError` when none matches."""
    p = Path(job).expanduser()
    if (p / SIDECAR_NAME).is_file() or (p.is_file() and p.name == SIDECAR_NAME):
        folder = p if p.is_dir() else p.parent
        return row_from_record(load_sidecar(folder).record, folder)
    hits = [r for r in list_jobs(results_dir) if job in (r.job_id, r.task_id)]
    if not hits:
        raise InputError(f"no job {job!r} in {results_dir}: give a job folder, or an id from `youcam history`")
    return hits[-1]


# ---------------------------------------------------------------------- costs
@dataclass(frozen=True)
class CostRow:
    """Units spent on one feature on one day (or on one feature overall), real or sandbox."""

    day: str
    feature: str
    jobs: int
    units: float
    sandbox: bool

    @property
    def label(self) -> str:
        return "sandbox units" if self.sandbox else "units"


def costs(rows: Iterable[JobRow], *, by: str = "day") -> list[CostRow]:
    """Units per (day, feature) — or per feature with ``by="feature"`` — sandbox apart."""
    if by not in ("day", "feature"):
        raise InputError(f"--by {by!r}: use day or feature")
    sums: dict[tuple[str, str, bool], list[float]] = {}
    for r in rows:
        if not r.units:
            continue
        key = (r.day if by == "day" else "", r.feature, r.sandbox)
        sums.setdefault(key, []).append(r.units)
    return [CostRow(day, feat, len(v), sum(v), sb) for (day, feat, sb), v in sorted(sums.items())]


# ---------------------------------------------------------------------- skin cohort table
SKIN_COLUMNS = (
    "job_id",
    "source",
    "mode",
    "concern",
    "raw_score",
    "ui_score",
    "mask_area_pct",
    "mean_mask_intensity",
    "skin_age",
    "overall_score",
)


@dataclass(frozen=True)
class SkinSource:
    """One skin-analysis result (its ZIP, or the job folder of a ``format=json`` run), the job it
    came from and that job's source file (when known).

    A job folder names its source file when a batch made it (``youcam-inputs.json``);
    a job run from a napari layer has no source file, only its hash.
    """

    zip_path: Path
    job_id: str = ""
    source: str = ""


def skin_sources(paths: Sequence[str | Path]) -> list[SkinSource]:
    """Result ZIPs from ZIP files, job folders and results folders (of job folders)."""
    out: list[SkinSource] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_file():
            if p.suffix.lower() != ".zip":
                raise InputError(
                    f"{p}: not a skin-analysis result ZIP (give .zip files, job folders or a results folder)"
                )
            out.append(SkinSource(p, source=str(p)))
        elif (p / SIDECAR_NAME).is_file():
            out.extend(_job_zips(p))
        elif p.is_dir():
            found = [s for d in sorted(p.iterdir()) if (d / SIDECAR_NAME).is_file() for s in _job_zips(d)]
            found += [SkinSource(z, source=str(z)) for z in sorted(p.glob("*.zip"))]
            if not found:
                raise InputError(f"{p}: no skin-analysis job folders or result ZIPs in this folder")
            out.extend(found)
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


def _job_zips(job_dir: Path) -> list[SkinSource]:
    rec = load_sidecar(job_dir).record
    if rec.feature != "skin-analysis":
        return []
    row = row_from_record(rec, job_dir)
    zips = [
        SkinSource(job_dir / f, row.job_id, row.source or "")
        for f in row.files
        if f.lower().endswith(".zip") and (job_dir / f).is_file()
    ]
    if zips or rec.status not in HAS_RESULT or not rec.mask_files:
        return zips
    return [SkinSource(job_dir, row.job_id, row.source or "")]  # a format=json run: JSON + mask files


def read_skin_result(path: str | Path, *, alpha_only: bool = False) -> SkinResult:
    """A skin-analysis result from its ZIP, or from a job folder (of a ZIP or a ``format=json`` run).

    A ``format=json`` job folder holds the JSON result and the masks it downloaded
    (``skin-analysis_mask_<type>_<region>.png``, named in the JSON's ``mask_files``);
    they are read into the same `SkinResult` a ZIP gives: ``concern`` or
    ``concern.region`` names, raw/UI scores, skin age, overall score and masks.
    """
    p = Path(path).expanduser()
    if not p.is_dir():
        return read_skin_zip(p, alpha_only=alpha_only)
    if not (p / SIDECAR_NAME).is_file():
        raise InputError(f"{p}: not a job folder (no {SIDECAR_NAME}): give a result ZIP or a job folder")
    rec = load_sidecar(p).record
    if rec.feature != "skin-analysis":
        raise InputError(f"{p}: a {rec.feature} job, not a skin-analysis one")
    zips = [n for n in rec.files if n.lower().endswith(".zip") and (p / n).is_file()]
    if zips:
        return read_skin_zip(p / zips[0], alpha_only=alpha_only)
    return _skin_from_json(p, _saved_json(p, rec), alpha_only=alpha_only)


def _skin_from_json(job_dir: Path, data: JsonObject, *, alpha_only: bool) -> SkinResult:
    items = data.get("output")
    if not isinstance(items, list):
        raise InputError(f"{job_dir}: the saved skin result has no `output` list: run `youcam resume {job_dir}`")
    result = SkinResult({}, {}, raw=data)
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(kind, str) or kind == "resize_image":
            continue
        if kind == "skin_age":
            result.skin_age = _score(item.get("score"), kind)
            continue
        if kind == "all":
            result.overall = _score(item.get("score"), kind)
            continue
        region = item.get("region")
        name = kind if region in (None, "", "whole") else f"{kind}.{region}"
        files = item.get("mask_files")
        mask_file = Path(files[0]).name if isinstance(files, list) and files and isinstance(files[0], str) else None
        raw = item.get("raw_score", item.get("score"))
        result.scores[name] = ConcernScore(
            name, _score(raw, f"{name}.raw_score"), _score(item.get("ui_score"), f"{name}.ui_score"), mask_file
        )
        if mask_file is None:
            continue
        try:
            blob = (job_dir / mask_file).read_bytes()
        except OSError:
            result.missing_masks.append(name)
            continue
        result.masks[name] = decode_mask(blob, mask_file, alpha_only=alpha_only)
    return result


def _score(value: object, name: str) -> float | None:
    """A score from the saved JSON: a number, a number as text, or absent (None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"skin result: {name} should be a number, got {type(value).__name__}")
    try:
        return float(value)
    except ValueError:
        raise InputError(f"skin result: {name} should be a number, got {value!r}") from None


def _mode(result: SkinResult, name: str) -> str:
    return "HD" if name.startswith("hd_") or str(result.raw.get("mode", "")).upper() == "HD" else "SD"


def skin_rows(sources: Sequence[SkinSource]) -> list[JsonObject]:
    """One dict per (image, concern), columns as `SKIN_COLUMNS`. Unreadable ZIPs raise `InputError`."""
    rows: list[JsonObject] = []
    for s in sources:
        try:
            result = read_skin_result(s.zip_path)
        except InputError as exc:
            raise InputError(f"{s.zip_path}: {exc}") from None
        for r in scores_rows(result):
            area = r["area_fraction"]
            rows.append(
                {
                    "job_id": s.job_id,
                    "source": s.source,
                    "mode": _mode(result, r["name"]),
                    "concern": r["name"],
                    "raw_score": r["raw_score"],
                    "ui_score": r["ui_score"],
                    "mask_area_pct": None if area is None else 100.0 * area,
                    "mean_mask_intensity": r["mean_alpha"],
                    "skin_age": result.skin_age,
                    "overall_score": result.overall,
                }
            )
    return rows


def skin_csv(rows: Sequence[JsonObject]) -> str:
    """The cohort table as CSV text."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SKIN_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(
            {k: "" if r[k] is None else (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k]) for k in SKIN_COLUMNS}
        )
    return buf.getvalue()


def write_skin_table(paths: Sequence[str | Path], out: str | Path) -> tuple[Path, int]:
    """Write the cohort table of ``paths`` to ``out``; returns the path and the number of rows."""
    rows = skin_rows(skin_sources(paths))
    out = Path(out)
    if out.is_dir():
        raise InputError(f"-o {out} is a folder: give a file name, e.g. {out / 'scores.csv'}")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(skin_csv(rows), encoding="utf-8")
    tmp.replace(out)
    return out, len(rows)


# ---------------------------------------------------------------------- analyzer tables
ANALYSIS_FIXED_COLUMNS = ("job_id", "source", "feature")


def analysis_job_dirs(paths: Sequence[str | Path]) -> list[Path]:
    """The analyzer job folders among ``paths`` (job folders, or results folders of job folders)."""
    dirs: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if (p / SIDECAR_NAME).is_file():
            found = [p]
        elif p.is_dir():
            found = sorted(d for d in p.iterdir() if (d / SIDECAR_NAME).is_file())
        else:
            raise InputError(f"{p}: not a job folder nor a results folder (give the folders `youcam run` wrote)")
        dirs += [d for d in found if load_sidecar(d).record.feature in RESULT_FIELDS]
    if not dirs:
        raise InputError(
            f"no analyzer jobs in {', '.join(map(str, paths))}: analyzers with a table are {', '.join(RESULT_FIELDS)}"
        )
    return dirs


def analysis_table(paths: Sequence[str | Path]) -> tuple[list[str], list[dict[str, str]]]:
    """Columns and one row per finished analyzer job: job id, source, feature, then each attribute.

    Jobs of several analyzers share one table (their attribute columns side by
    side, empty where an analyzer has none). Jobs without a result are left out.
    """
    columns = list(ANALYSIS_FIXED_COLUMNS)
    rows: list[dict[str, str]] = []
    for job_dir in analysis_job_dirs(paths):
        rec = load_sidecar(job_dir).record
        if rec.status not in HAS_RESULT:
            continue
        data = _saved_json(job_dir, rec)
        try:
            pairs = analysis_rows(rec.feature, data)
        except InputError as exc:
            raise InputError(f"{job_dir}: {exc}") from None
        columns += [c for c in analysis_columns(rec.feature) if c not in columns]
        row = row_from_record(rec, job_dir)
        rows.append({"job_id": row.job_id, "source": row.source or "", "feature": rec.feature, **dict(pairs)})
    return columns, rows


def _saved_json(job_dir: Path, rec: JobRecord) -> JsonObject:
    """The analyzer's saved JSON result (the last .json among the job's files)."""
    for name in reversed(rec.files):
        if name.lower().endswith(".json"):
            data = read_json_dict(job_dir / name)
            if data is not None:
                return data
    raise InputError(f"{job_dir}: no readable JSON result among its files: run `youcam resume {job_dir}`")


def write_analysis_table(paths: Sequence[str | Path], out: str | Path) -> tuple[Path, int]:
    """Write the analyzer table of ``paths`` to the CSV ``out``; returns the path and the number of rows."""
    columns, rows = analysis_table(paths)
    out = Path(out)
    if out.is_dir():
        raise InputError(f"-o {out} is a folder: give a file name, e.g. {out / 'analysis.csv'}")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, restval="", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(out)
    return out, len(rows)
