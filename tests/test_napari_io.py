"""Reader, writer and sample data through napari's plugin machinery."""

from __future__ import annotations

import numpy as np
from PIL import Image

from napari_youcam._napari.common import sample_data_dir
from napari_youcam._napari.sample_data import SKIN_ZIP, load_face

PLUGIN = "napari-youcam"


def test_sample_data(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open_sample(PLUGIN, "face")
    assert viewer.layers["astronaut"].data.shape == (512, 512, 3)
    viewer.open_sample(PLUGIN, "skin")
    skin = [lay for lay in viewer.layers if "youcam_skin" in lay.metadata]
    assert len(skin) == 8
    assert all(lay.data.shape == (512, 512) for lay in skin)
    assert "wrinkle" in {lay.metadata["youcam_skin"]["concern"] for lay in skin}


def test_reader_blends_over_open_image(make_napari_viewer):
    viewer = make_napari_viewer()
    # a larger photo: the masks must be scaled onto it
    big = np.repeat(np.repeat(load_face(), 2, axis=0), 2, axis=1)
    viewer.add_image(big, name="photo", rgb=True)
    layers = viewer.open(str(sample_data_dir() / SKIN_ZIP), plugin=PLUGIN)
    assert len(layers) == 8
    names = {lay.name for lay in layers}
    assert "astronaut_skin_analysis_SYNTHETIC · wrinkle" in names
    lay = layers[0]
    np.testing.assert_allclose(lay.scale, (2.0, 2.0))
    assert lay.blending == "translucent"
    sc = lay.metadata["youcam_skin"]["score"]
    assert sc["raw_score"] is not None and sc["ui_score"] is not None


def test_reader_declines_other_zips(tmp_path):
    import zipfile

    from napari_youcam._napari.reader import get_reader

    p = tmp_path / "other.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert get_reader(str(p)) is None
    assert get_reader(str(sample_data_dir() / SKIN_ZIP)) is not None


def test_writer_round_trip(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    labels = np.zeros((64, 80), np.uint8)
    labels[10:20, 30:50] = 1
    labels[40:45, 5:10] = 3
    layer = viewer.add_labels(labels, name="mask")
    out = tmp_path / "mask.png"
    written = layer.save(str(out), plugin=PLUGIN)
    assert written == [str(out)]
    png = np.asarray(Image.open(out))
    assert png.shape == (64, 80) and png.dtype == np.uint8
    assert set(np.unique(png)) == {0, 255}
    np.testing.assert_array_equal(png == 255, labels > 0)
    # and back: opening the PNG gives the same area
    back = viewer.open(str(out))[0]
    np.testing.assert_array_equal(np.asarray(back.data) > 0, labels > 0)


def test_video_reader_opens_an_mp4_as_a_time_series(make_napari_viewer, tmp_path):
    import cv2

    path = tmp_path / "result.mp4"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 8, (64, 48))
    for t in range(6):
        out.write(np.full((48, 64, 3), (0, 0, 40 * t), np.uint8))  # BGR: red ramps up
    out.release()
    viewer = make_napari_viewer()
    layers = viewer.open(str(path), plugin=PLUGIN)
    assert len(layers) == 1
    lay = layers[0]
    assert lay.rgb and lay.data.shape[:3] == (6, 48, 64)
    assert lay.data[5, ..., 0].mean() > lay.data[1, ..., 0].mean() + 100  # RGB order, frames in order
    assert lay.metadata["video"]["frames"] == 6
