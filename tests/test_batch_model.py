"""`_napari.batch_model` without a viewer: layer planes → batch input files, checks, cost, stacking.

The batch itself runs against the module's sandbox (`sb`), counted on its ledger.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from napari_youcam._napari import batch_model as M
from napari_youcam._napari.sample_data import load_face
from napari_youcam.errors import InputError
from napari_youcam.imaging import read_image_file
from napari_youcam.workflow import Batch, resume


def _stack(n: int = 3, h: int = 96, w: int = 128) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack(
        [np.stack([(xx + 40 * i) % 256, yy % 256, (xx * (i + 1) + yy) % 256], -1) for i in range(n)]
    ).astype(np.uint8)


def _mask(n: int = 3, h: int = 96, w: int = 128) -> np.ndarray:
    m = np.zeros((n, h, w), np.int32)
    m[:, 30:60, 40:90] = 2  # a Labels layer: any non-zero label is the area
    return m


def _tasks(sb) -> int:
    return sum(t.kind == "task" for t in sb.tasks.values())


def test_the_model_imports_neither_qt_nor_napari():
    code = (
        "import sys, napari_youcam._napari.batch_model; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('qtpy', 'PyQt5', 'PyQt6', 'PySide6', 'napari')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_leading_axes_are_the_frames():
    assert M.lead_shape((3, 96, 128, 3), rgb=True) == (3,)
    assert M.lead_shape((96, 128, 3), rgb=True) == ()
    assert M.lead_shape((2, 4, 96, 128), rgb=False) == (2, 4)


def test_every_frame_becomes_one_lossless_png_named_by_layer_frame_and_content(tmp_path):
    data = _stack()
    items, origins = M.write_inputs([M.LayerInput("my stack!", data, rgb=True)], "frames", tmp_path)
    assert [o.frame for o in origins] == [(0,), (1,), (2,)]
    assert {o.layer for o in origins} == {"my stack!"}
    for i, item in enumerate(items):
        assert item.source.parent == tmp_path / M.INPUTS_DIR
        assert item.source.name.startswith(f"my-stack-frame-{i:03d}-") and item.source.suffix == ".png"
        assert np.array_equal(read_image_file(item.source), data[i])  # lossless, RGB order kept
        assert item.mask is None


def test_file_names_are_stable_and_change_only_with_the_content(tmp_path):
    data = _stack()
    first, _ = M.write_inputs([M.LayerInput("s", data, rgb=True)], "frames", tmp_path)
    again, _ = M.write_inputs([M.LayerInput("s", data.copy(), rgb=True)], "frames", tmp_path)
    assert again == first
    changed = data.copy()
    changed[1, 0, 0] += 1
    third, _ = M.write_inputs([M.LayerInput("s", changed, rgb=True)], "frames", tmp_path)
    assert third[0] == first[0] and third[2] == first[2]
    assert third[1] != first[1]  # the old frame's file stays: its job still names it
    assert first[1].source.is_file() and third[1].source.is_file()


def test_masks_pair_frame_by_frame_or_one_for_all(tmp_path):
    data, mask = _stack(), _mask()
    mask[2, 0:10, 0:10] = 1
    items, _ = M.write_inputs([M.LayerInput("s", data, rgb=True, mask=mask)], "frames", tmp_path)
    for i, item in enumerate(items):
        assert item.mask is not None and item.mask.name.startswith(f"s-frame-{i:03d}-mask-")
        assert np.array_equal(read_image_file(item.mask), (mask[i] != 0).astype(np.uint8) * 255)
    content = [item.mask.name.rsplit("-", 1)[1] for item in items if item.mask]
    assert content[0] == content[1] != content[2]  # named by their pixels
    flat, _ = M.write_inputs([M.LayerInput("s", data, rgb=True, mask=mask[0])], "frames", tmp_path)
    assert len({item.mask for item in flat}) == 1  # one 2-D mask for every frame: one file
    assert flat[0].mask is not None and flat[0].mask.name == f"s-mask-{content[0]}"
    with pytest.raises(InputError, match="paint a 2-D mask or one per frame"):
        M.write_inputs([M.LayerInput("s", data, rgb=True, mask=mask[:2])], "frames", tmp_path)


def test_selected_layers_send_their_frame_on_screen(tmp_path):
    data = _stack()
    flat = data[0, :, :, 0].astype(np.float32) / 255.0  # a float gray layer: sent as 8-bit RGB
    inputs = [M.LayerInput("stack", data, rgb=True, frame=(2,)), M.LayerInput("gray", flat, rgb=False)]
    items, origins = M.write_inputs(inputs, "layers", tmp_path)
    assert origins == [M.Origin("stack", (2,)), M.Origin("gray", ())]
    assert items[0].source.name.startswith("stack-frame-002-")
    assert items[1].source.name.startswith("gray-") and "frame" not in items[1].source.name
    assert np.array_equal(read_image_file(items[0].source), data[2])
    back = read_image_file(items[1].source)
    assert back.shape == (96, 128, 3) and back.dtype == np.uint8
    with pytest.raises(InputError, match="no frames"):
        M.write_inputs([inputs[1]], "frames", tmp_path)


def test_a_bad_frame_refuses_the_batch_in_one_line_and_nothing_is_sent(tmp_path, sb):
    mask = _mask()
    mask[1] = 0  # frame 1 has nothing painted
    before = len(sb.requests)
    with pytest.raises(InputError) as err:
        M.check("generative-fill", [M.LayerInput("clip", _stack(), rgb=True, mask=mask)], "frames", tmp_path)
    text = str(err.value)
    assert text.startswith("1 of 3 inputs cannot be sent: clip frame 1: ") and "\n" not in text
    assert "mask" in text
    assert len(sb.requests) == before


def test_every_frame_runs_once_then_is_answered_from_the_store(tmp_path, sb, sb_client):
    out = tmp_path / "results"
    data = _stack()
    inputs = [M.LayerInput("clip", data, rgb=True)]
    checked = M.check("sod", inputs, "frames", out)
    assert checked.to_pay == 3 and checked.total(1.0) == 3.0
    assert M.to_pay(checked, sb_client, out).to_pay == 3  # no job store yet
    tasks = _tasks(sb)
    report = Batch(checked.plan, client=sb_client, out_dir=out, jobs=2).run()
    assert report.ok and _tasks(sb) == tasks + 3
    results = [resume(o.job_dir) for o in report.outcomes]
    stack = M.stack_results(checked, results)
    assert stack is not None and stack.data.shape[:3] == (3, 96, 128)
    assert [f["frame"] for f in stack.provenance["frames"]] == [[0], [1], [2]]
    assert [f["job_dir"] for f in stack.provenance["frames"]] == [str(o.job_dir) for o in report.outcomes]

    again = M.check("sod", inputs, "frames", out)
    assert M.to_pay(again, sb_client, out).to_pay == 0
    assert M.to_pay(again, sb_client, out, again=True).to_pay == 3  # "Pay again"
    rerun = Batch(again.plan, client=sb_client, out_dir=out).run()
    assert rerun.count("reused") == 3 and _tasks(sb) == tasks + 3


def test_identical_frames_are_paid_once(tmp_path):
    data = _stack()
    data[2] = data[0]
    checked = M.check("sod", [M.LayerInput("clip", data, rgb=True)], "frames", tmp_path)
    assert checked.plan.twins == {0: [2]} and checked.to_pay == 2
    assert checked.total(None) is None  # an undocumented cost stays unknown


def test_results_that_differ_in_size_are_not_stacked(tmp_path, sb, sb_client):
    out = tmp_path / "results"
    checked = M.check("sod", [M.LayerInput("clip", _stack(2), rgb=True)], "frames", out)
    report = Batch(checked.plan, client=sb_client, out_dir=out).run()
    results = [resume(o.job_dir) for o in report.outcomes]
    assert M.stack_results(checked, results) is not None
    assert M.stack_results(checked, [results[0], None]) is None  # a frame without a result
    results[1].arrays = [results[1].arrays[0][:50]]
    assert M.stack_results(checked, results) is None


def test_two_leading_axes_run_every_plane_and_stack_back_in_their_shape(tmp_path, sb, sb_client):
    out = tmp_path / "results"
    gray = (_stack(4)[..., 0].astype(np.float32) / 255.0).reshape(2, 2, 96, 128)  # (t, z, y, x) floats
    checked = M.check("sod", [M.LayerInput("tz", gray, rgb=False)], "frames", out)
    assert [o.frame for o in checked.origins] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert checked.plan.items[1].source.name.startswith("tz-frame-000-001-")
    report = Batch(checked.plan, client=sb_client, out_dir=out).run()
    assert report.ok
    stack = M.stack_results(checked, [resume(o.job_dir) for o in report.outcomes])
    assert stack is not None and stack.data.shape[:4] == (2, 2, 96, 128)
    assert [f["frame"] for f in stack.provenance["frames"]] == [[0, 0], [0, 1], [1, 0], [1, 1]]


def test_a_parameter_wrong_for_every_input_is_one_line_too(tmp_path):
    frames = np.zeros((2, 480, 640, 3), np.uint8)
    with pytest.raises(InputError) as err:
        M.check("face-attr-analysis", [M.LayerInput("clip", frames, rgb=True)], "frames", tmp_path)
    assert "\n" not in str(err.value) and "features is required" in str(err.value)


def test_the_face_check_is_advisory_and_names_the_layer(tmp_path):
    blank = np.full((480, 640, 3), 40, np.uint8)
    face = load_face()
    inputs = [M.LayerInput("astronaut", face, rgb=True), M.LayerInput("blank", blank, rgb=True)]
    checked = M.check("face-attr-analysis", inputs, "layers", tmp_path, params={"features": ["age"]})
    assert len(checked.plan.items) == 2  # nothing refused
    said = checked.face_warnings()
    assert said.startswith("face check (advisory) on 2 input(s): astronaut: ") and "crop to" in said
    assert M.check("sod", inputs, "layers", tmp_path).face_warnings() == ""  # no face rule


def test_a_summary_table_reads_back_input_first_values_then_job_id(tmp_path):
    table = tmp_path / "batch-x-attributes.csv"
    table.write_text(
        "job_id,source,feature,Hair length,Hair type\n"
        "j1,/r/napari-inputs/clip-frame-000-ab12.png,hair-length-detection,long hair,straight\n"
        "j2,/r/napari-inputs/clip-frame-001-cd34.png,hair-length-detection\n",  # a short row
        encoding="utf-8",
    )
    columns, rows = M.read_table(table)
    assert columns == ["input", "Hair length", "Hair type", "job_id"]
    assert rows == [["clip-frame-000-ab12", "long hair", "straight", "j1"], ["clip-frame-001-cd34", "", "", "j2"]]
    assert M.read_table(table, max_rows=1)[1] == rows[:1]
