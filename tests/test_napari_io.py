"""Reader, writer and sample data through napari's plugin machinery."""

from __future__ import annotations

import contextlib
import warnings

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


def test_reader_places_masks_over_the_matching_photo_only(make_napari_viewer):
    """Defect 3: the masks used to be stretched over whatever image was selected."""
    viewer = make_napari_viewer()
    big = np.repeat(np.repeat(load_face(), 2, axis=0), 2, axis=1)  # not the job's photo
    viewer.add_image(big, name="other photo", rgb=True)
    layers = viewer.open(str(sample_data_dir() / SKIN_ZIP), plugin=PLUGIN)
    assert len(layers) == 8
    np.testing.assert_allclose(layers[0].scale, (1.0, 1.0))  # native size, on its own
    assert layers[0].data.shape == (512, 512)
    assert "astronaut_skin_analysis_SYNTHETIC · wrinkle" in {lay.name for lay in layers}
    sc = layers[0].metadata["youcam_skin"]["score"]
    assert sc["raw_score"] is not None and sc["ui_score"] is not None


def test_reader_overlays_the_photo_of_the_same_size_and_never_doubles(make_napari_viewer):
    viewer = make_napari_viewer()
    face = viewer.add_image(load_face(), name="astronaut", rgb=True, scale=(0.5, 0.5), translate=(10, 20))
    viewer.add_image(np.zeros((300, 200)), name="unrelated")
    viewer.layers.selection.active = viewer.layers["unrelated"]
    layers = viewer.open(str(sample_data_dir() / SKIN_ZIP), plugin=PLUGIN)
    np.testing.assert_allclose(layers[0].scale, face.scale)
    np.testing.assert_allclose(layers[0].translate, face.translate)
    assert layers[0].blending == "translucent"
    n = len(viewer.layers)
    again = viewer.open(str(sample_data_dir() / SKIN_ZIP), plugin=PLUGIN)
    assert again == [] and len(viewer.layers) == n  # opening the same ZIP twice adds nothing


def test_reader_declines_other_zips(tmp_path):
    import zipfile

    from napari_youcam._napari.reader import get_reader

    p = tmp_path / "other.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert get_reader(str(p)) is None
    assert get_reader(str(sample_data_dir() / SKIN_ZIP)) is not None


def test_writer_is_an_explicit_choice_and_names_the_merged_labels(make_napari_viewer, tmp_path):
    """Defect 6: any Labels layer saved as .png went through our writer and every label became 255."""
    from napari.utils.notifications import notification_manager

    viewer = make_napari_viewer()
    labels = np.zeros((64, 80), np.uint8)
    labels[10:20, 30:50] = 1
    labels[40:45, 5:10] = 3
    layer = viewer.add_labels(labels, name="mask")
    plain = tmp_path / "labels.png"
    with warnings.catch_warnings():  # napari warns that no writer takes a Labels .png
        warnings.simplefilter("ignore")
        with contextlib.suppress(ValueError):
            layer.save(str(plain))
    assert not plain.exists()  # a plain .png is not claimed by the YouCam mask writer
    said: list[str] = []
    notification_manager.notification_ready.connect(lambda n: said.append(str(n.message)))
    out = tmp_path / "mask.mask.png"
    written = layer.save(str(out), plugin=PLUGIN)
    assert written == [str(out)]
    assert any("labels 1, 3" in m for m in said), said  # the user hears which labels were merged
    png = np.asarray(Image.open(out))
    assert png.shape == (64, 80) and png.dtype == np.uint8
    assert set(np.unique(png)) == {0, 255}
    np.testing.assert_array_equal(png == 255, labels > 0)
    back = viewer.open(str(out))[0]  # and back: opening the PNG gives the same area
    np.testing.assert_array_equal(np.asarray(back.data) > 0, labels > 0)


def test_writer_saves_the_plane_on_screen(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    stack = np.zeros((3, 40, 50), np.uint8)
    stack[2, 5:15, 5:25] = 1  # painted on frame 2 only
    layer = viewer.add_labels(stack, name="stack mask")
    viewer.dims.set_current_step(0, 2)
    out = tmp_path / "m.mask.png"
    layer.save(str(out), plugin=PLUGIN)
    np.testing.assert_array_equal(np.asarray(Image.open(out)) == 255, stack[2] > 0)


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
