"""The feature dock's "Run on every frame" / "Run on every selected layer", with a real viewer.

Every batch runs against the test's own sandbox; tasks are counted on its ledger.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from napari_youcam._napari import session
from napari_youcam._napari.batch_model import INPUTS_DIR
from napari_youcam.workflow import list_jobs
from napari_youcam.workflow.sidecar import default_results_dir

PLUGIN = "napari-youcam"


def _frames(n: int = 3, h: int = 120, w: int = 160) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack(
        [np.stack([(xx + 50 * i) % 256, yy % 256, (xx * (i + 1) + yy) % 256], -1) for i in range(n)]
    ).astype(np.uint8)


def _tasks(sb) -> int:
    return sum(t.kind == "task" for t in sb.tasks.values())


def _dock(viewer, name="Background", feature="sod"):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, name)
    if feature:
        w.select(feature)
    return w


def _batch(qtbot, w, button):
    """Click a batch button and wait for its check and its run; the finished report."""
    w.batch.last_report = None
    button.click()
    qtbot.waitUntil(lambda: w.batch.last_report is not None or bool(w.problems.text()), timeout=60000)
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=60000)
    assert w.job.last_error is None, w.job.last_error
    return w.batch.last_report


def test_every_frame_runs_once_stacks_the_results_and_reruns_for_free(viewer, qtbot, sandbox):
    clip = viewer.add_image(_frames(), name="clip", rgb=True, translate=(0, 5, 7))
    w = _dock(viewer)
    w.src.value = clip
    assert not w.batch.isHidden()
    assert w.batch.frames_btn.isEnabled() and w.batch.frames_btn.text() == "Run on every frame (3)"
    assert not w.batch.layers_btn.isEnabled()  # one layer selected
    w.prefs.confirm_above = 2  # three frames at 1 unit: asked first, like a single run
    tasks = _tasks(sandbox)
    w.batch.frames_btn.click()
    qtbot.waitUntil(lambda: w.confirm_bar.isVisibleTo(w), timeout=30000)
    assert "3 units" in w.confirm_text.text() and _tasks(sandbox) == tasks  # nothing sent yet
    assert "3 inputs, 0 answered from earlier jobs" in w.batch.counts.text()
    w.confirm_go.click()
    qtbot.waitUntil(lambda: w.batch.last_report is not None, timeout=60000)
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=60000)
    report = w.batch.last_report
    assert report.ok and report.count("done") == 3 and _tasks(sandbox) == tasks + 3
    assert "every frame" in w.job.label
    last = w.batch.last_event  # what the bar showed last: done / reused / failed / in flight
    assert (last.total, last.done, last.reused, last.failed, last.in_flight) == (3, 3, 0, 0, 0)
    assert last.line().startswith("3/3  done 3  reused 0  failed 0  in flight 0")
    assert "3 done; 3 units; added 1 layer(s)" in w.batch.counts.text()  # (the job line moves on to the balance)

    (layer,) = w.batch.results
    assert layer.name == "clip · background removal"
    assert layer.data.shape[:3] == (3, 120, 160)
    assert tuple(layer.translate) == (0, 5, 7)  # over the source
    frames = layer.metadata["youcam"]["frames"]
    assert [f["frame"] for f in frames] == [[0], [1], [2]]
    assert all(Path(f["job_dir"]).is_dir() for f in frames)
    assert all(Path(f["file"]).is_file() for f in frames)
    # every job is in the store (the History dock's list), run on the written input planes
    jobs = list_jobs(default_results_dir())
    assert len(jobs) == 3 and {j.feature for j in jobs} == {"sod"}
    assert all(Path(j.source).parent.name == INPUTS_DIR for j in jobs)
    _dw, history = viewer.window.add_plugin_dock_widget(PLUGIN, "History")
    assert history.table.rowCount() == 3
    history.source.setText("clip-frame-001")
    assert [r.job_dir for r in history.shown] == [Path(frames[1]["job_dir"])]
    qtbot.waitUntil(lambda: session.pending_status_checks() == 0, timeout=20000)  # the balance after the run
    sent = len(sandbox.requests)
    history.open_row(0)  # reopened from its folder, for free
    qtbot.waitUntil(lambda: history.opened is not None or history.last_error is not None, timeout=20000)
    assert history.opened and sandbox.requests[sent:] == []

    # again: answered from the store, nothing asked, sent or paid
    report = _batch(qtbot, w, w.batch.frames_btn)
    assert not w.confirm_bar.isVisibleTo(w)
    assert report.count("reused") == 3 and _tasks(sandbox) == tasks + 3
    assert w.batch.checked.to_pay == 0  # the cost shown before the run: 0 units
    assert "3 reused; 0 units" in w.batch.counts.text()
    (again,) = w.batch.results
    assert np.array_equal(again.data, layer.data)


def test_every_selected_layer_gets_its_result_over_it(viewer, qtbot, sandbox):
    frames = _frames(2)
    a = viewer.add_image(frames[0], name="left", rgb=True)
    b = viewer.add_image(frames[1], name="right", rgb=True, translate=(0, 200))
    w = _dock(viewer)
    viewer.layers.selection = {a}
    assert not w.batch.layers_btn.isEnabled()
    assert not w.batch.frames_btn.isEnabled()  # the chosen source has one plane
    viewer.layers.selection = {a, b}
    assert w.batch.layers_btn.isEnabled()
    tasks = _tasks(sandbox)
    report = _batch(qtbot, w, w.batch.layers_btn)
    assert report.count("done") == 2 and _tasks(sandbox) == tasks + 2
    names = [lay.name for lay in w.batch.results]
    assert names == ["left · background removal", "right · background removal"]
    right = w.batch.results[1]
    assert tuple(right.translate) == (0, 200)
    assert Path(right.metadata["youcam"]["job_dir"]).is_dir()
    assert right.metadata["youcam"]["task_id"]


def test_a_bad_frame_stops_the_batch_before_anything_is_sent(viewer, qtbot, sandbox):
    clip = viewer.add_image(_frames(), name="clip", rgb=True)
    painted = np.zeros((3, 120, 160), np.int32)
    painted[[0, 2], 40:80, 50:100] = 1  # frame 1 has nothing painted
    mask = viewer.add_labels(painted, name="clip mask")
    w = _dock(viewer, "Retouch", "generative-fill")
    w.src.value = clip
    w.mask_picker.value = mask
    sent = len(sandbox.requests)
    w.batch.frames_btn.click()
    qtbot.waitUntil(lambda: bool(w.problems.text()), timeout=30000)
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    text = w.problems.text()
    assert text.startswith("Nothing was sent. Change: 1 of 3 inputs cannot be sent: clip frame 1: ")
    assert "mask" in text
    assert len(sandbox.requests) == sent
    assert w.batch.last_report is None and list_jobs(default_results_dir()) == []


def test_buttons_only_for_features_with_a_source_image(viewer, qtbot):
    w = _dock(viewer, "Video", None)
    shown = {}
    for key in w.specs:
        w.select(key)
        shown[key] = not w.batch.isHidden()
        assert shown[key] == bool(w.uses.get("src")), key
    assert not shown["video-sr"] and shown["image-to-video"]  # a video source: no; a photo: yes
    face = _dock(viewer, "Face", "face-reshape")
    assert not face.batch.isHidden()


def test_cancel_creates_no_new_task_and_the_rerun_pays_only_the_rest(viewer, qtbot, slow_sandbox):
    clip = viewer.add_image(_frames(6, 60, 80), name="clip", rgb=True)
    w = _dock(viewer)
    w.src.value = clip
    tasks = _tasks(slow_sandbox)
    w.batch.frames_btn.click()
    qtbot.waitUntil(lambda: _tasks(slow_sandbox) > tasks, timeout=30000)
    w.job.cancel_btn.click()  # created tasks (1.5 s each) finish and are saved; no new one
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=60000)
    created = _tasks(slow_sandbox) - tasks
    assert 1 <= created < 6
    report = w.job.last_result.report
    assert report.cancelled and report.count("done") == created and report.count("cancelled") == 6 - created
    assert "charged" in w.job.status.text() and w.job.show_btn.isVisibleTo(w.job)
    w.job.show_btn.click()  # the saved results, one layer per finished frame (not all frames: no stack)
    done = [o for o in report.outcomes if o.status == "done"]
    assert len(w.batch.results) == len(done)
    assert all(lay.name.startswith("clip · background removal (frame ") for lay in w.batch.results)

    report = _batch(qtbot, w, w.batch.frames_btn)  # the rest, once: each frame created and charged once
    assert report.count("reused") == created and report.count("done") == 6 - created
    assert _tasks(slow_sandbox) == tasks + 6
    (stacked,) = w.batch.results
    assert stacked.data.shape[:3] == (6, 60, 80)


def test_selected_layers_use_their_painted_masks_and_a_missing_one_is_named(viewer, qtbot, sandbox):
    frames = _frames(2)
    a = viewer.add_image(frames[0], name="left", rgb=True)
    b = viewer.add_image(frames[1], name="right", rgb=True)
    painted = np.zeros((120, 160), np.uint8)
    painted[40:80, 50:100] = 1
    viewer.add_labels(painted, name="left mask", metadata={"youcam_mask_for": "left"})
    w = _dock(viewer, "Retouch", "generative-fill")
    viewer.layers.selection = {a, b}
    sent = len(sandbox.requests)
    w.batch.layers_btn.click()
    qtbot.waitUntil(lambda: bool(w.problems.text()), timeout=30000)
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.problems.text().startswith("Nothing was sent. Change: 1 of 2 inputs cannot be sent: right: ")
    assert len(sandbox.requests) == sent
    viewer.add_labels(painted, name="right mask", metadata={"youcam_mask_for": "right"})
    viewer.layers.selection = {a, b}
    tasks = _tasks(sandbox)
    report = _batch(qtbot, w, w.batch.layers_btn)
    assert report.count("done") == 2 and _tasks(sandbox) == tasks + 2
    assert [lay.name for lay in w.batch.results] == [
        "left · object removal pro (generative fill)",
        "right · object removal pro (generative fill)",
    ]


def test_an_analyzer_over_every_frame_shows_and_saves_one_attribute_table(viewer, qtbot, sandbox):
    clip = viewer.add_image(_frames(3, 400, 360), name="cohort", rgb=True)
    w = _dock(viewer, "Analysis", "hair-length-detection")
    w.src.value = clip
    assert w.cohort.isHidden()  # nothing to show before a batch
    report = _batch(qtbot, w, w.batch.frames_btn)
    assert report.ok and report.count("done") == 3
    table = report.table_path
    assert table is not None and table.name.endswith("-attributes.csv") and table.is_file()
    assert not w.cohort.isHidden() and w.cohort.file == table
    assert w.cohort.table.rowCount() == 3 and "Hair length" in w.cohort.columns
    column = w.cohort.columns.index("Hair length")
    shown = [w.cohort.table.item(r, column).text() for r in range(3)]
    assert all(shown)  # the sandbox answers a length term for every frame
    with open(table, newline="", encoding="utf-8") as fh:
        saved = list(csv.DictReader(fh))
    # the dock shows what was saved: the input's name first, the values, the job id last
    assert w.cohort.columns == ["input", "Hair length", "job_id"]
    assert w.cohort.rows == [[Path(r["source"]).stem, r["Hair length"], r["job_id"]] for r in saved]
    assert all(r[0].startswith(f"cohort-frame-00{i}-") for i, r in enumerate(w.cohort.rows))  # layer, frame
    assert w.cohort.as_tsv().splitlines()[0] == "input\tHair length\tjob_id"
    assert f"summary table: {table.name}" in w.batch.counts.text()


def test_a_feature_without_a_summary_shows_no_table(viewer, qtbot, sandbox):
    clip = viewer.add_image(_frames(2), name="clip", rgb=True)
    w = _dock(viewer)
    w.src.value = clip
    report = _batch(qtbot, w, w.batch.frames_btn)
    assert report.ok and report.table_path is None and w.cohort.isHidden()


def test_skin_analysis_over_selected_layers_shows_the_scores_table(viewer, qtbot, sandbox):
    a = viewer.add_image(_frames(1, 640, 640)[0], name="anna", rgb=True)
    b = viewer.add_image(_frames(2, 640, 640)[1], name="ben", rgb=True)
    w = _dock(viewer, "AI Skin Analysis", None)
    assert w.spec.key == "skin-analysis"
    assert w.form.values()["dst_actions"] == [
        "wrinkle",
        "pore",
        "texture",
        "acne",
    ]  # the form starts like the inspector
    w.src.value = a
    viewer.layers.selection = {a, b}
    report = _batch(qtbot, w, w.batch.layers_btn)
    assert report is not None, w.problems.text()
    assert report.ok and report.count("done") == 2
    table = report.table_path
    assert table is not None and table.name.endswith("-scores.csv")
    cols = w.cohort.columns
    assert cols[0] == "input" and cols[-1] == "job_id" and {"concern", "ui_score"} <= set(cols)
    concerns = {r[cols.index("concern")] for r in w.cohort.rows}
    people = {r[0].split("-")[0] for r in w.cohort.rows}
    assert people == {"anna", "ben"} and len(w.cohort.rows) == 2 * len(concerns)  # one row per (photo, concern)
