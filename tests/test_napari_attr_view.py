"""Analyzer results as a readable table in a real viewer, and the rows behind it."""

from __future__ import annotations

from napari_youcam._napari.attr_view import flatten_result, result_rows
from napari_youcam.features.analysis import analysis_columns

PLUGIN = "napari-youcam"


def test_analyzer_rows_follow_the_contract_and_a_broken_reply_still_shows():
    data = {"hair_density": {"mapping": "2.16", "term": "thick"}, "sandbox": True}
    assert result_rows("hair-density-detection", data) == [
        ("Hair density (0-3)", "2.16", "2.16"),
        ("Hair density", "thick", "thick"),
    ]
    broken = {"hair_density": {"mapping": "lots", "term": "thick"}}
    rows = result_rows("hair-density-detection", broken)
    assert rows[0][0] == "unexpected reply" and "hair_density.mapping" in rows[0][1]
    assert rows[1:] == flatten_result(broken)  # nothing the service sent is hidden
    other = {"eyelid": {"left": "Round"}}
    assert result_rows("face-attr-analysis", other) == flatten_result(other)


def test_analysis_dock_shows_an_analyzer_table(viewer, qtbot):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Analysis")
    w.select("skin-tone-analysis")
    w.src.value = viewer.layers["astronaut"]
    assert w.run() is not None, w.problems.text()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.job.last_error is None, w.job.last_error
    data = w.job.last_result.result.data
    view = w.attributes
    assert view.isVisibleTo(w)
    assert [key for key, _t, _r in view.rows] == analysis_columns("skin-tone-analysis")
    assert view.value("Eye colour") == data["color"]["eye_color"]
    assert view.value("Face found") == "yes"
    assert view.table.item(0, 0).text() == "Face found"
    assert view.table.rowCount() == len(view.rows)
    eye = [key for key, _t, _r in view.rows].index("Eye colour")
    assert view.table.item(eye, 1).background().color().name() == data["color"]["eye_color"].lower()
    assert "SANDBOX" in view.title.text() and "attributes" in view.title.text()
