"""The mask-painting export without Qt or a viewer (`_napari.mask_model`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from napari_youcam._napari.mask_model import MaskModel, labels_note, painted_values
from napari_youcam.errors import InputError


def painted(h: int = 120, w: int = 160, dtype: type = np.uint8, value: int = 1) -> np.ndarray:
    labels = np.zeros((h, w), dtype)
    labels[30:60, 40:100] = value
    return labels


def test_painted_labels_become_a_binary_mask_of_the_image_size():
    got = MaskModel().export(painted(), (120, 160), frame=(2,))
    assert got.mask.shape == (120, 160) and got.mask.dtype == np.uint8
    assert set(np.unique(got.mask)) == {0, 255}
    assert (got.mask == 255).sum() == 30 * 60
    assert got.labels == (1,) and got.frame == (2,)
    assert got.coverage == pytest.approx(30 * 60 / (120 * 160))
    assert got.summary().startswith("exported mask: 160×120, 9.4% of the image")


def test_grow_invert_and_feather_change_what_is_sent():
    base = MaskModel().export(painted(), (120, 160)).mask
    grown = MaskModel(grow=5).export(painted(), (120, 160)).mask
    assert (grown > 0).sum() > (base > 0).sum() and np.all(grown[base > 0] == 255)
    inverted = MaskModel(invert=True).export(painted(), (120, 160)).mask
    np.testing.assert_array_equal(inverted, 255 - base)
    soft = MaskModel(feather=4).export(painted(), (120, 160)).mask
    assert ((soft > 0) & (soft < 255)).any()  # a soft edge outside the painting
    assert np.all(soft[base > 0] == 255)


def test_a_mask_the_wrong_size_or_empty_is_refused_and_the_reason_kept():
    m = MaskModel()
    with pytest.raises(InputError, match="160"):
        m.export(painted(), (100, 100))
    assert m.update(painted(), (100, 100)) is None and m.error
    assert m.update(np.zeros((120, 160), np.uint8), (120, 160)) is None and "empty" in m.error.lower()
    assert m.update(painted(), (120, 160)) is not None and m.error is None
    m.clear()
    assert m.exported is None and m.error is None


def test_several_labels_are_merged_and_the_summary_says_which():
    labels = painted()
    labels[80:100, 10:30] = 3
    got = MaskModel().export(labels, (120, 160))
    assert got.labels == (1, 3)
    assert (got.mask == 255).sum() == 30 * 60 + 20 * 20
    assert "labels 1, 3 were all merged" in got.summary()
    assert labels_note((1,)) is None


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.bool_])
def test_painted_values_for_every_labels_dtype(dtype):
    labels = painted(dtype=dtype, value=1)
    if dtype is not np.bool_:
        labels[0, 0] = 7
    assert painted_values(labels) == ((1,) if dtype is np.bool_ else (1, 7))
    assert painted_values(np.zeros((4, 4), dtype)) == ()


def test_the_png_is_the_mask_losslessly():
    got = MaskModel(grow=2).export(painted(), (120, 160))
    data = got.png()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    back = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(back, got.mask)
