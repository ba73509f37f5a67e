"""progress_model: throttled, stage-worded progress without Qt."""

from __future__ import annotations

from napari_youcam._napari.progress_model import ORDER, ProgressModel


def test_text_changes_only_with_the_stage_and_updates_are_throttled():
    m = ProgressModel(label="Enhance", max_rate=4.0)
    m.start(0.0)
    first = m.update("uploading", 0.1, 0.00)
    assert first is not None and first.text == "Enhance: uploading"
    assert m.update("uploading", 0.2, 0.05) is None  # 50 ms later: too soon
    later = m.update("uploading", 0.6, 0.30)
    assert later is not None and later.text is None and later.value > first.value
    nxt = m.update("creating", 0.0, 0.31)  # a new stage always shows, at once
    assert nxt is not None and nxt.text == "Enhance: starting task"
    assert m.stages == ["uploading", "creating"]


def test_waiting_is_a_busy_bar_with_elapsed_time_not_a_percentage():
    m = ProgressModel()
    m.start(100.0)
    up = m.update("waiting", 0.37, 100.5)
    assert up is not None and up.value is None
    assert m.update("waiting", 0.5, 102.0) is None  # nothing to redraw while the service works
    assert m.elapsed_text(112.4) == "12 s"
    assert m.elapsed_text(225.0) == "2 min 05 s"


def test_the_bar_covers_the_whole_job():
    m = ProgressModel(max_rate=1000)
    m.start(0.0)
    values = [m.update(stage, 1.0, i).value for i, stage in enumerate(ORDER) if stage != "waiting"]
    assert values == sorted(values) and values[-1] == 1000


def test_a_thousand_reports_make_a_handful_of_redraws():
    m = ProgressModel(max_rate=4.0)
    m.start(0.0)
    shown = [m.update("downloading", i / 1000, i * 0.002) for i in range(1000)]  # 2 s of chunks
    assert 2 <= sum(u is not None for u in shown) <= 10
