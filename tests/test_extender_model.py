"""The image extender's canvas plan without Qt or a viewer (`_napari.extender_model`)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_youcam._napari.extender_model import CUSTOM, ExtenderModel, bounds, rectangle


def model(w: int = 512, h: int = 512, **kw: object) -> ExtenderModel:
    m = ExtenderModel(src_size=(w, h))
    for k, v in kw.items():
        setattr(m, k, v)
    return m


def test_rectangle_and_bounds_are_inverse():
    v = rectangle(10.0, 20.0, 30.0, 40.0)
    assert v.shape == (4, 2)
    assert bounds(v) == (10.0, 20.0, 30.0, 40.0)
    assert bounds(v[::-1]) == (10.0, 20.0, 30.0, 40.0)  # any vertex order


def test_a_preset_centres_the_photo_on_a_canvas_of_that_aspect():
    m = model(preset="16:9")
    plan = m.recentre()
    assert plan is not None and m.plan is plan and m.error is None
    W, H = plan.canvas
    assert abs(W / H - 16 / 9) < 0.01 and H >= 512
    x, y, w, h = plan.placement
    assert (w, h) == (512, 512)
    assert abs(x - (W - w) / 2) <= 1 and abs(y - (H - h) / 2) <= 1


def test_a_canvas_smaller_than_the_photo_is_flagged_with_what_to_change():
    m = model(preset=CUSTOM, size=(100, 100))
    assert m.recentre() is None
    assert m.plan is None and m.error
    assert "plan</b>: none" in m.plan_html()
    m.size = (1024, 768)
    assert m.recentre() is not None and m.error is None  # the next valid plan clears it
    assert "output_width=1024" in m.plan_html()


def test_the_canvas_rectangle_round_trips_through_a_drag():
    m = model(preset="4:3", origin=(5.0, 7.0))
    plan = m.recentre()
    assert plan is not None
    canvas = m.rects()[0]
    top, left, height, width = bounds(canvas)
    assert (width, height) == plan.canvas  # prescale 1: canvas pixels are source pixels
    assert left == pytest.approx(7.0 - plan.params["input_x"])
    # the rectangle drawn from the plan gives the same plan back
    assert m.follow(bounds(canvas)).params == plan.params
    # dragged 40 px right: the photo sits 40 px further left on the canvas
    moved = m.follow((top, left + 40, height, width))
    assert moved is not None and moved.params["input_x"] == plan.params["input_x"] - 40
    # dragged off the photo: no plan, and why
    assert m.follow((top, left + 10_000, height, width)) is None and m.error


def test_a_large_photo_is_prescaled_and_the_rectangles_stay_in_source_pixels():
    m = model(8000, 4000, preset="1:1")
    plan = m.recentre()
    assert plan is not None and plan.prescale < 1
    _top, _left, height, width = bounds(m.rects()[0])
    assert width == pytest.approx(plan.canvas[0] / plan.prescale)
    assert height >= 4000 - 1  # the canvas holds the whole photo
    assert m.follow(bounds(m.rects()[0])).params == plan.params


def test_the_crop_rectangle_maps_to_source_pixels_and_is_checked():
    m = model(origin=(10.0, 20.0), crop=(50, 100, 400, 300), preset="16:9")
    plan = m.recentre()
    assert plan is not None and plan.crop_src == (50, 100, 400, 300)
    rects = m.rects()
    assert len(rects) == 2  # canvas + crop
    assert m.crop_of(rects[1]) == (50, 100, 400, 300)
    assert m.crop_of(rectangle(10.0 - 30, 20.0 + 50, 300, 400)) == (50, -30, 400, 300)
    assert "30 px above" in m.crop_problem((50, -30, 400, 300))
    assert "px right" in m.crop_problem((300, 0, 400, 100))
    assert "at least 1 px" in m.crop_problem((0, 0, 0, 5))
    assert m.crop_problem((0, 0, 512, 512)) is None


def test_a_result_is_placed_on_the_canvas_rectangle():
    m = model(8000, 4000, preset="16:9", origin=(100.0, 50.0))
    with pytest.raises(ValueError):
        ExtenderModel().result_placement((1.0, 1.0))
    plan = m.recentre()
    assert plan is not None
    place = m.result_placement((2.0, 2.0))
    top, left, _h, _w = bounds(m.rects()[0])
    assert place["translate"] == pytest.approx((top * 2.0, left * 2.0))
    assert place["scale"] == pytest.approx((2.0 / plan.prescale, 2.0 / plan.prescale))
    # the result's canvas pixels cover exactly the canvas rectangle
    assert np.asarray(place["scale"])[1] * plan.canvas[0] == pytest.approx(2.0 * bounds(m.rects()[0])[3])


def test_the_v1_output_limits_apply():
    m = model(2000, 1500, preset=CUSTOM, size=(3000, 3000), api="v1")
    assert m.recentre() is None and m.error
    m.api = "v2"
    assert m.recentre() is not None
