"""Pay again and reused results on every panel that runs jobs, in a real viewer."""

from __future__ import annotations

from napari_youcam._napari import session

PLUGIN = "napari-youcam"


def _task_posts(sb, since: int) -> list[dict]:
    return [r for r in sb.requests[since:] if r["method"] == "POST" and "/task/" in r["path"]]


def _run_and_wait(w, qtbot) -> None:
    assert w.run() is not None, w.problems.text()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    qtbot.waitUntil(lambda: session.pending_status_checks() == 0, timeout=20000)
    assert w.job.last_error is None, w.job.last_error


def test_every_running_panel_has_pay_again_off(viewer):
    for name in ("Retouch", "Mask painting", "Image extender", "Skin analysis inspector"):
        _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, name)
        assert w.pay_again.text() == "Pay again" and not w.pay_again.isChecked()
        assert w.pay_again.isVisibleTo(w)


def test_identical_run_is_reused_unless_pay_again(viewer, qtbot, sandbox):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Retouch")
    w.select("enhance")
    w.src.value = viewer.layers["astronaut"]
    _run_and_wait(w, qtbot)
    first = w.job.last_result.result
    assert first.reused_from is None

    n0 = len(sandbox.requests)
    _run_and_wait(w, qtbot)
    assert len(sandbox.requests) == n0  # not even a balance query
    again = w.job.last_result.result
    assert again.reused_from == first.sidecar.parent.name
    assert f"reused from job {first.sidecar.parent.name}" in w.job.status.text()
    assert "nothing was sent" in w.job.status.text()

    w.pay_again.setChecked(True)
    n1 = len(sandbox.requests)
    _run_and_wait(w, qtbot)
    assert len(_task_posts(sandbox, n1)) >= 1  # a new task was created and paid
    assert w.job.last_result.result.reused_from is None
    assert "reused" not in w.job.status.text()
