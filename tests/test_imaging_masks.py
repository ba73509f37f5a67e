"""labels_to_mask / check_mask / mask_png_bytes / crop_for_mask / composite_crop."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from napari_youcam.errors import InputError
from napari_youcam.features.spec import Limits
from napari_youcam.imaging import (
    check_mask,
    composite_crop,
    crop_for_mask,
    labels_to_mask,
    mask_png_bytes,
    unfit,
)


def _labels(dtype=np.int32) -> np.ndarray:
    lab = np.zeros((60, 80), dtype)
    lab[10:20, 10:30] = 3
    lab[30:50, 40:70] = 200 if np.iinfo(dtype).max >= 200 else 2
    return lab


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16, np.int32, np.uint32, np.int64])
def test_labels_any_dtype(dtype):
    m = labels_to_mask(_labels(dtype))
    assert m.dtype == np.uint8 and m.shape == (60, 80)
    assert set(np.unique(m)) == {0, 255}
    assert (m > 0).sum() == 10 * 20 + 20 * 30


def test_label_selection_grow_invert_feather():
    lab = _labels()
    only3 = labels_to_mask(lab, labels=[3])
    assert (only3 > 0).sum() == 200 and only3[15, 20] == 255 and only3[40, 50] == 0
    assert (labels_to_mask(lab, labels=3) == only3).all()
    with pytest.raises(InputError, match="holds 0, 3, 200"):
        labels_to_mask(lab, labels=[9])
    grown = labels_to_mask(lab, labels=[3], grow=2)
    assert grown[15, 8] == 255 and grown[15, 7] == 0 and grown[15, 20] == 255
    shrunk = labels_to_mask(lab, labels=[3], grow=-2)
    assert (shrunk > 0).sum() == (20 - 4) * (10 - 4)
    inv = labels_to_mask(lab, labels=[3], invert=True)
    assert inv[15, 20] == 0 and inv[0, 0] == 255
    soft = labels_to_mask(lab, labels=[3], feather=4)
    assert soft[15, 20] == 255 and soft[15, 10] == 255  # painted area stays fully on
    assert 0 < soft[15, 8] < 255 and soft[15, 5] == 0  # ramp outside only
    assert labels_to_mask(lab.astype(bool)).sum() == labels_to_mask(lab).sum()


def test_mask_errors_before_spending():
    with pytest.raises(InputError, match="empty"):
        labels_to_mask(np.zeros((5, 5), np.int32))
    with pytest.raises(InputError, match="whole image"):
        labels_to_mask(np.ones((5, 5), np.int32))
    with pytest.raises(InputError, match="whole image"):
        labels_to_mask(_labels(), grow=100)
    with pytest.raises(InputError) as ei:
        labels_to_mask(_labels(), shape=(61, 80, 3))
    assert "80×60" in str(ei.value) and "80×61" in str(ei.value)
    with pytest.raises(InputError, match="2-D"):
        labels_to_mask(np.zeros((2, 5, 5), np.int32))
    with pytest.raises(InputError, match="integers"):
        labels_to_mask(np.full((5, 5), 0.5))
    photo = data.astronaut()
    check_mask(labels_to_mask(np.pad(np.ones((10, 10), np.uint8), 251)), photo)
    with pytest.raises(InputError, match="512×512"):
        check_mask(np.ones((10, 10), np.uint8), photo)


def test_mask_png_bytes_is_lossless_gray():
    m = labels_to_mask(_labels(), feather=3)
    png = mask_png_bytes(m)
    back = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    assert back.ndim == 2 and np.array_equal(back, m)
    with pytest.raises(InputError):
        mask_png_bytes(np.zeros((4, 4, 3), np.uint8))


def test_crop_for_mask_and_composite():
    photo = np.concatenate([data.astronaut()] * 4, axis=1)  # 2048×512
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[200:260, 1500:1580] = 255
    c = crop_for_mask(photo, mask, padding=40, limits=Limits(long_max=4096))
    assert c.transform.crop == (1460, 160, 160, 140)
    assert c.image.shape == (140, 160, 3) and c.mask.shape == (140, 160)
    assert np.array_equal(c.image, photo[160:300, 1460:1620])
    assert set(np.unique(c.mask)) == {0, 255}
    # service "result": the crop turned black inside; composite must touch only the mask + feather zone
    result = c.image.copy()
    result[:] = 0
    out = composite_crop(photo, result, c.transform, mask, feather=8)
    assert (out[200:260, 1500:1580] == 0).all()
    zone = cv2.dilate(mask, np.ones((19, 19), np.uint8)) > 0
    assert np.array_equal(out[~zone], photo[~zone])
    edge = out[230, 1584]
    assert (edge < photo[230, 1584]).any()  # partially blended just outside
    # with limits forcing a minimum, the crop grows; with a small long side, it is scaled
    c2 = crop_for_mask(photo, mask, padding=10, limits=Limits(long_max=4096, short_min=300))
    assert min(c2.transform.crop[2:]) >= 300
    c3 = crop_for_mask(photo, mask, padding=200, limits=Limits(long_max=256))
    assert max(c3.image.shape[:2]) == 256 and c3.mask.shape == c3.image.shape[:2]
    full = unfit(c3.image, c3.transform, base=photo)
    assert full.shape == photo.shape


def test_composite_requires_crop_transform():
    from napari_youcam.imaging import fit

    photo = data.astronaut()
    _, tf = fit(photo, Limits())
    with pytest.raises(InputError, match="crop"):
        composite_crop(photo, photo, tf, np.ones((512, 512), np.uint8))
