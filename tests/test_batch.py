"""`youcam batch` and `workflow.batch` against a real sandbox: inputs, CSV, interrupts, reruns."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import napari_youcam
from cli_helpers import one_line_error
from napari_youcam.cli import main
from napari_youcam.errors import InputError
from napari_youcam.sandbox import Sandbox
from napari_youcam.workflow import batch as B
from napari_youcam.workflow.sidecar import load_sidecar


def _images(folder: Path, n: int, *, size: tuple[int, int] = (320, 240)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    out = []
    for i in range(n):
        arr = np.stack([(xx + 7 * i) % 256, yy % 256, (xx * i + yy) % 256], -1).astype(np.uint8)
        p = folder / f"img{i}.png"
        Image.fromarray(arr).save(p)
        out.append(p)
    return out


def _tasks(sb: Sandbox) -> list[str]:
    return [tid for tid, t in sb.tasks.items() if t.kind == "task"]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _batch_csv(out: Path) -> Path:
    found = sorted(p for p in out.glob("batch-*.csv") if not p.stem.endswith(("-scores", "-attributes")))
    assert found, list(out.iterdir())
    return found[-1]


# ---------------------------------------------------------------------- inputs
def test_paths_expand_files_folders_and_globs_once_each(tmp_path):
    imgs = _images(tmp_path / "a", 3)
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    found, bad = B.expand_paths(
        [tmp_path / "a", str(tmp_path / "a" / "img1.*"), imgs[0], tmp_path / "missing.png", str(tmp_path / "none*.png")]
    )
    assert found == [p.resolve() for p in imgs]
    assert [b.path.name for b in bad] == ["missing.png", "none*.png"]


def test_masks_pair_by_stem_and_a_missing_mask_is_named(tmp_path):
    imgs = _images(tmp_path / "src", 3)
    masks = tmp_path / "masks"
    masks.mkdir()
    for p in imgs[:2]:
        Image.fromarray(np.zeros((240, 320), np.uint8)).save(masks / p.name)
    items, bad = B.pair_masks(imgs, masks)
    assert [(i.source.name, i.mask.name) for i in items] == [("img0.png", "img0.png"), ("img1.png", "img1.png")]
    assert len(bad) == 1 and bad[0].path == imgs[2] and "no mask named img2" in bad[0].message


def test_check_inputs_lists_every_bad_input_with_what_to_change(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png at all")
    strip = tmp_path / "strip.png"  # no size fits skin analysis: long <= 1920 and short >= 480
    Image.fromarray(np.zeros((60, 3000, 3), np.uint8)).save(strip)
    imgs = _images(tmp_path, 2, size=(640, 640))
    items = [B.BatchItem(p) for p in [*imgs, broken, strip]]
    plan = B.check_inputs("skin-analysis", items, params={"dst_actions": ["wrinkle"]}, face_check=False)
    assert [i.source for i in plan.items] == imgs
    assert {b.path.name for b in plan.bad} == {"broken.png", "strip.png"}
    assert all(b.message and "\n" not in b.message for b in plan.bad)
    with pytest.raises(InputError, match="scale"):
        B.check_inputs("enhance", items[:1], params={"scale": 99}, face_check=False)


# ---------------------------------------------------------------------- the CLI, in process
@pytest.fixture
def out(tmp_path):
    return tmp_path / "results"


def test_bad_input_stops_the_batch_before_anything_is_sent(env, sb, tmp_path, out, capsys):
    imgs = _images(tmp_path / "in", 2)
    (tmp_path / "in" / "bad.png").write_bytes(b"\x89PNG garbage")
    before = len(sb.requests)
    rc = main(["batch", "sod", str(tmp_path / "in"), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    line = one_line_error(err)
    assert "bad.png" in line and "--skip-bad" in line
    assert len(sb.requests) == before  # not even an upload
    assert not list(out.glob("*")) if out.exists() else True
    assert imgs  # the good ones were not run either


def test_skip_bad_runs_the_rest_and_lists_what_it_skipped(env, sb, tmp_path, out, capsys):
    imgs = _images(tmp_path / "in", 3)
    (tmp_path / "in" / "bad.png").write_bytes(b"\x89PNG garbage")
    tasks_before = len(_tasks(sb))
    rc = main(["batch", "sod", str(tmp_path / "in"), "--out", str(out), "--skip-bad", "--jobs", "2"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "skipped: " in err and "bad.png" in err
    assert len(_tasks(sb)) - tasks_before == 3
    rows = _rows(_batch_csv(out))
    assert list(rows[0]) == list(B.CSV_COLUMNS)
    by_input = {Path(r["input"]).name: r for r in rows}
    assert by_input["bad.png"]["status"] == "skipped" and by_input["bad.png"]["error"]
    for p in imgs:
        r = by_input[p.name]
        assert r["status"] == "done" and r["task_id"] in sb.tasks
        assert (Path(r["job_folder"]) / "youcam-job.json").is_file()
        assert float(r["units"]) > 0


def test_rerun_reuses_every_done_input_with_no_request(env, sb, tmp_path, out, capsys):
    _images(tmp_path / "in", 2)
    assert main(["batch", "sod", str(tmp_path / "in"), "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    before = len(sb.requests)
    assert main(["batch", "sod", str(tmp_path / "in"), "--out", str(out), "--json"]) == 0
    assert len(sb.requests) == before
    statuses = [r["status"] for r in _rows(_batch_csv(out))]
    assert statuses == ["reused", "reused"]
    assert "0 units" in capsys.readouterr().err
    # --again pays again, on purpose
    assert main(["batch", "sod", str(tmp_path / "in"), "--out", str(out), "--again"]) == 0
    assert [r["status"] for r in _rows(_batch_csv(out))] == ["done", "done"]


def test_a_failed_task_is_listed_and_the_exit_code_is_1(env, sb, tmp_path, out, capsys):
    _images(tmp_path / "in", 2)
    sb.fail_next_task("error_src_face_too_small", feature="sod")
    rc = main(["batch", "sod", str(tmp_path / "in"), "--out", str(out), "--jobs", "1"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "failed: " in err and "1 failed" in err
    assert sorted(r["status"] for r in _rows(_batch_csv(out))) == ["done", "failed"]


def test_skin_batch_writes_the_cohort_table_beside_its_csv(env, sb, tmp_path, out, capsys):
    _images(tmp_path / "in", 2, size=(640, 640))
    rc = main(
        [
            "batch",
            "skin-analysis",
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--no-face-check",
            "--set",
            'dst_actions=["wrinkle","pore"]',
        ]
    )
    assert rc == 0, capsys.readouterr().err
    table = _batch_csv(out).with_name(_batch_csv(out).stem + "-scores.csv")
    rows = _rows(table)
    assert len(rows) == 4 and {r["concern"] for r in rows} == {"wrinkle", "pore"}
    assert {Path(r["source"]).name for r in rows} == {"img0.png", "img1.png"}


def test_batch_takes_run_s_list_syntax_and_default_concerns(env, sb, tmp_path, out, capsys):
    _images(tmp_path / "in", 1, size=(640, 640))
    assert (
        main(
            [
                "batch",
                "skin-analysis",
                str(tmp_path / "in"),
                "--out",
                str(out / "a"),
                "--no-face-check",
                "--set",
                "dst_actions=wrinkle,pore",
            ]
        )
        == 0
    ), capsys.readouterr().err
    rows = _rows(_batch_csv(out / "a").with_name(_batch_csv(out / "a").stem + "-scores.csv"))
    assert {r["concern"] for r in rows} == {"wrinkle", "pore"}
    assert main(["batch", "skin-analysis", str(tmp_path / "in"), "--out", str(out / "b"), "--no-face-check"]) == 0
    assert "no dst_actions given: using wrinkle, pore, texture, acne" in capsys.readouterr().err


# ---------------------------------------------------------------------- interrupted, then run again
def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "napari_youcam.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _cli_env(sb: Sandbox, out: Path) -> dict[str, str]:
    """The environment of a `youcam` subprocess talking to ``sb`` and writing to ``out``."""
    return {
        **os.environ,
        "YOUCAM_API_KEY": sb.api_key,
        "YOUCAM_BASE_URL": sb.base_url,
        "YOUCAM_RESULTS_DIR": str(out),
        "PYTHONPATH": str(Path(napari_youcam.__file__).parents[1]),
    }


def _wait(cond, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_a_batch_killed_midway_and_run_again_creates_and_charges_each_input_once(tmp_path):
    imgs = _images(tmp_path / "in", 6)
    out = tmp_path / "results"
    with Sandbox(processing_seconds=1.5, units=1e5) as sb:
        env = _cli_env(sb, out)
        args = ["batch", "sod", str(tmp_path / "in"), "--jobs", "2"]
        proc = _cli(args, env)
        _wait(lambda: len(_tasks(sb)) >= 2)  # two tasks in flight
        proc.send_signal(signal.SIGINT)  # once: no new task; the created ones would finish
        time.sleep(0.3)
        proc.kill()  # ...but the process dies before they do
        proc.communicate(timeout=30)
        first = set(_tasks(sb))
        assert 2 <= len(first) < len(imgs)
        assert len(sb.ledger) < len(first)  # killed before at least one paid result was fetched

        again = subprocess.run(
            [sys.executable, "-m", "napari_youcam.cli", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stderr
        created = _tasks(sb)
        assert len(created) == len(imgs)  # each input created once...
        assert first <= set(created)
        charged = [e["task_id"] for e in sb.ledger]
        assert sorted(charged) == sorted(created)  # ...and charged once
        rows = _rows(_batch_csv(out))
        assert {Path(r["input"]).name for r in rows} == {p.name for p in imgs}
        assert {r["status"] for r in rows} <= {"done", "resumed", "reused"}
        assert any(r["status"] == "resumed" for r in rows)
        assert {r["task_id"] for r in rows} == set(created)


def test_ctrl_c_once_finishes_created_tasks_and_names_the_command_that_does_the_rest(tmp_path):
    _images(tmp_path / "in", 5)
    out = tmp_path / "results"
    with Sandbox(processing_seconds=1.0, units=1e5) as sb:
        env = _cli_env(sb, out)
        proc = _cli(["batch", "sod", str(tmp_path / "in"), "--jobs", "2"], env)
        _wait(lambda: len(_tasks(sb)) >= 2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "run the same command again" in err and "youcam batch sod" in err
        created = _tasks(sb)
        assert len(sb.ledger) == len(created) < 5  # every created task finished and was paid once
        rows = _rows(_batch_csv(out))
        assert sum(r["status"] == "done" for r in rows) == len(created)
        assert sum(r["status"] == "cancelled" for r in rows) == 5 - len(created)


def test_events_count_every_input_and_never_more_than_jobs_in_flight(tmp_path):
    imgs = _images(tmp_path / "in", 6)
    events: list[B.BatchEvent] = []
    with Sandbox(processing_seconds=0.3, units=1e5) as sb:
        from napari_youcam.connect import sandbox_client

        plan = B.check_inputs("sod", [B.BatchItem(p) for p in imgs], face_check=False)
        batch = B.Batch(plan, client=sandbox_client(sb), out_dir=tmp_path / "results", jobs=3, on_event=events.append)
        report = batch.run()
        assert report.ok and report.count("done") == 6
        assert max(e.in_flight for e in events) == 3  # three at a time, never more
        last = events[-1]
        assert (last.done, last.reused, last.failed, last.in_flight) == (6, 0, 0, 0)
        assert last.units == sum(e["units"] for e in sb.ledger) == report.units
        assert "6/6" in last.line() and "units 6" in last.line()
        assert any(e.eta_s is not None for e in events[:-1])
        # the same inputs again: answered from the job folders, no request at all
        n = len(sb.requests)
        again = B.Batch(plan, client=sandbox_client(sb), out_dir=tmp_path / "results", jobs=3).run()
        assert again.count("reused") == 6 and len(sb.requests) == n and again.units == 0


def test_ctrl_c_twice_abandons_names_the_resume_command_and_the_rerun_pays_nothing_twice(tmp_path):
    _images(tmp_path / "in", 4)
    out = tmp_path / "results"
    with Sandbox(processing_seconds=2.0, units=1e5) as sb:
        env = _cli_env(sb, out)
        args = ["batch", "sod", str(tmp_path / "in"), "--jobs", "2"]
        proc = _cli(args, env)
        _wait(lambda: len(_tasks(sb)) >= 2)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)  # the first Ctrl-C lands (tasks are 2 s long: both are still running)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert "abandoned" in err and f"resume with: youcam batch sod {tmp_path / 'in'} --jobs 2" in err
        rows = _rows(_batch_csv(out))
        assert {r["status"] for r in rows} <= {"abandoned", "cancelled", "done"}
        assert any(r["status"] == "abandoned" and r["job_folder"] for r in rows)
        first = set(_tasks(sb))

        again = subprocess.run(
            [sys.executable, "-m", "napari_youcam.cli", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0, again.stderr
        created = _tasks(sb)
        assert first <= set(created) and len(created) == 4
        assert sorted(e["task_id"] for e in sb.ledger) == sorted(created)


def test_one_progress_line_on_a_terminal_and_none_in_a_pipe():
    import io

    from napari_youcam.cli.jobs import ProgressLine

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    event = B.BatchEvent(total=5, done=2, reused=1, failed=0, in_flight=2, units=2.0, eta_s=12.4)
    term, pipe = Terminal(), io.StringIO()
    for stream in (term, pipe):
        line = ProgressLine(stream)
        line(event)
        line(B.BatchEvent(total=5, done=3, reused=1, failed=0, in_flight=1, units=3.0, eta_s=4.0))
        line.finish()
    text = term.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1  # one line, rewritten
    assert "3/5  done 2  reused 1  failed 0  in flight 2  units 2  ETA 12 s" in text
    assert "4/5" in text.rsplit("\r", 1)[1]
    assert pipe.getvalue() == ""  # logs and CI get the summary only


def test_identical_inputs_in_one_batch_are_paid_once(env, sb, tmp_path, out, capsys):
    """Two inputs with the same pixels (another name): the first runs, the twin is answered from it."""
    imgs = _images(tmp_path / "in", 2)
    (tmp_path / "in" / "copy.png").write_bytes(imgs[0].read_bytes())
    tasks, charges = len(_tasks(sb)), len(sb.ledger)
    assert main(["batch", "sod", str(tmp_path / "in"), "--out", str(out), "--jobs", "3", "--again"]) == 0
    assert len(_tasks(sb)) - tasks == 2  # --again pays anew for each distinct content, once
    assert len(sb.ledger) - charges == 2
    rows = {Path(r["input"]).name: r for r in _rows(_batch_csv(out))}
    first, twin = rows["copy.png"], rows["img0.png"]  # inputs run in name order
    assert first["status"] == "done" and twin["status"] == "reused" and float(twin["units"]) == 0
    assert twin["task_id"] == first["task_id"] and rows["img1.png"]["status"] == "done"
    assert (Path(twin["job_folder"]) / "youcam-job.json").is_file()


def test_frame_picks_the_same_frame_of_every_source_and_is_recorded(env, sb, tmp_path, out, capsys):
    yy, xx = np.mgrid[0:240, 0:320]
    frames = [
        Image.fromarray(np.stack([(xx + 40 * i) % 256, yy % 256, (xx + yy) % 256], -1).astype(np.uint8))
        for i in range(3)
    ]
    (tmp_path / "in").mkdir()
    frames[0].save(tmp_path / "in" / "anim.tif", save_all=True, append_images=frames[1:])
    assert main(["batch", "sod", str(tmp_path / "in"), "--out", str(out), "--frame", "2"]) == 0
    (row,) = _rows(_batch_csv(out))
    assert row["status"] == "done"
    assert load_sidecar(Path(row["job_folder"])).record.source_frame == 2
