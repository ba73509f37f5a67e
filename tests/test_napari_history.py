"""History dock with a real viewer: jobs listed from real sandbox runs, reopened with zero requests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from napari_youcam import workflow
from napari_youcam._napari import session
from napari_youcam._napari.history_model import ALL, HistoryModel
from napari_youcam._napari.skin_layers import SKIN_KEY
from napari_youcam.connect import sandbox_client
from napari_youcam.errors import YouCamError
from napari_youcam.workflow import batch as B
from napari_youcam.workflow.tables import list_jobs

PLUGIN = "napari-youcam"


@pytest.fixture
def jobs(viewer, sandbox, tmp_path):
    """Four real jobs in the default results folder: from the layer, from a file (batch), one failed."""
    client = sandbox_client(sandbox)
    photo = viewer.layers["astronaut"].data
    sod = workflow.run("sod", photo, client=client)
    skin = workflow.run("skin-analysis", photo, params={"dst_actions": ["wrinkle", "pore"]}, client=client)
    src = tmp_path / "inputs" / "portrait.png"
    src.parent.mkdir()
    yy, xx = np.mgrid[0:240, 0:320]
    Image.fromarray(np.stack([xx % 256, yy % 256, (xx + yy) % 256], -1).astype(np.uint8)).save(src)
    plan = B.check_inputs("sod", [B.BatchItem(src)], face_check=False)
    report = B.Batch(plan, client=client, out_dir=workflow.default_results_dir()).run()
    assert report.ok
    sandbox.fail_next_task("error_unexpected", feature="bg-blur")
    with pytest.raises(YouCamError):
        workflow.run("bg-blur", photo, client=client)
    return {"sod": sod, "skin": skin, "file": report.outcomes[0], "src": src}


def _row_of(panel, job_dir: Path) -> int:
    return next(i for i, r in enumerate(panel.shown) if r.job_dir == job_dir)


def _open(panel, qtbot, index: int) -> list:
    """Reopen a row and wait until all its layers are in (or it failed)."""
    panel.open_row(index)
    qtbot.waitUntil(lambda: panel.opened is not None or panel.last_error is not None, timeout=20000)
    return panel.opened or []


def test_history_lists_filters_and_reopens_for_free(viewer, qtbot, sandbox, jobs):
    _dw, panel = viewer.window.add_plugin_dock_widget(PLUGIN, "History")
    assert panel.table.rowCount() == 4
    features = [panel.feature.itemText(i) for i in range(panel.feature.count())]
    assert features == [ALL, "bg-blur", "skin-analysis", "sod"]
    statuses = sorted(panel.table.item(i, 3).text() for i in range(4))
    assert statuses == ["done", "done", "done", "failed"]
    assert not panel.table.item(_row_of(panel, jobs["sod"].sidecar.parent), 0).icon().isNull()  # thumbnail

    panel.feature.setCurrentText("sod")
    assert panel.table.rowCount() == 2
    panel.source.setText("portr")
    assert panel.table.rowCount() == 1 and panel.table.item(0, 5).text() == "portrait.png"
    panel.source.setText("")
    panel.feature.setCurrentText(ALL)

    # the inspector asks for the balance when it opens (a free status request): open it first
    _dw, inspector = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    qtbot.waitUntil(lambda: session.pending_status_checks() == 0, timeout=20000)
    before = len(sandbox.requests)
    # a job run on the layer: matched by content, result over it, same pixels as when it was made
    added = _open(panel, qtbot, _row_of(panel, jobs["sod"].sidecar.parent))
    assert len(added) == 1
    lay = added[0]
    assert lay.name.startswith("astronaut · ")
    np.testing.assert_array_equal(lay.data, jobs["sod"].arrays[0])
    meta = lay.metadata["youcam"]
    assert meta["reopened"] is True and meta["task_id"] == jobs["sod"].task_id
    assert meta["job_id"] == jobs["sod"].sidecar.parent.name and Path(meta["sidecar"]).is_file()

    # a skin result: masks as layers, and the inspector shows them
    added = _open(panel, qtbot, _row_of(panel, jobs["skin"].sidecar.parent))
    assert {lay.metadata[SKIN_KEY]["concern"] for lay in added} == {"wrinkle", "pore"}
    qtbot.waitUntil(lambda: inspector.group.value == added[0].metadata[SKIN_KEY]["group"], timeout=5000)

    # a batch job on a file no layer matches: the file is opened again, the result over it
    added = _open(panel, qtbot, _row_of(panel, jobs["file"].job_dir))
    assert "portrait" in viewer.layers and added[0].name.startswith("portrait · ")
    assert added[0].data.shape[:2] == (240, 320)

    # a failed job has nothing to open: a warning, no layer
    n = len(viewer.layers)
    failed = next(i for i, r in enumerate(panel.shown) if r.status == "failed")
    assert _open(panel, qtbot, failed) == [] and len(viewer.layers) == n
    assert "no saved result" in panel.last_error and "youcam resume" in panel.last_error

    # a result file damaged on disk: said, not raised
    damaged = jobs["sod"].files[0]
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    assert _open(panel, qtbot, _row_of(panel, jobs["sod"].sidecar.parent)) == []
    assert panel.last_error.startswith(f"{jobs['sod'].sidecar.parent.name}: the saved result cannot be read back")
    assert len(viewer.layers) == n

    assert sandbox.requests[before:] == []  # reopening cost nothing, not even a request


def test_model_matches_by_shape_when_the_pixels_changed(viewer, sandbox, jobs):
    from napari_youcam._napari.history import snapshot

    model = HistoryModel(workflow.default_results_dir())
    model.refresh()
    row = next(r for r in model.rows if r.job_dir == jobs["sod"].sidecar.parent)
    assert model.match_layer(row, snapshot(viewer)).layer is viewer.layers["astronaut"]  # same pixels
    edited = viewer.add_image(viewer.layers["astronaut"].data[::-1].copy(), name="flipped", rgb=True)
    viewer.layers.remove("astronaut")
    assert model.match_layer(row, snapshot(viewer)).layer is edited  # same shape
    viewer.layers.remove("flipped")
    assert model.match_layer(row, snapshot(viewer)) is None


def test_a_running_job_is_followed_to_its_end(viewer, qtbot, sandbox, tmp_path):
    import threading

    from napari_youcam.sandbox import Sandbox

    _dw, panel = viewer.window.add_plugin_dock_widget(PLUGIN, "History")
    assert panel.table.rowCount() == 0 and not panel.follow.isActive()
    with Sandbox(processing_seconds=3.0) as slow:
        job = threading.Thread(
            target=workflow.run, args=("sod", viewer.layers["astronaut"].data), kwargs={"client": sandbox_client(slow)}
        )
        job.start()
        qtbot.waitUntil(
            lambda: [r.status for r in list_jobs(workflow.default_results_dir())] == ["running"], timeout=10000
        )
        panel.refresh_btn.click()  # the user looks once...
        assert panel.follow.isActive()  # ...and nobody presses Refresh from here on
        qtbot.waitUntil(
            lambda: [panel.table.item(i, 3).text() for i in range(panel.table.rowCount())] == ["done"], timeout=20000
        )
        job.join()
    qtbot.waitUntil(lambda: not panel.follow.isActive(), timeout=5000)
