"""fit / fit_mask / unfit / encode / prepare on real photos and odd arrays."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from napari_youcam.errors import InputError
from napari_youcam.features.spec import Limits
from napari_youcam.imaging import (
    Transform,
    encode,
    fit,
    fit_mask,
    fit_size,
    prepare,
    to_rgb8,
    unfit,
)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0**2 / mse) if mse else np.inf


def area_reference(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Exact float64 area (box-overlap) downscale, separable, as a quality reference."""

    def weights(n_in: int, n_out: int) -> np.ndarray:
        s = n_in / n_out
        m = np.zeros((n_out, n_in))
        for o in range(n_out):
            a, b = o * s, (o + 1) * s
            for i in range(int(np.floor(a)), min(n_in, int(np.ceil(b)))):
                m[o, i] = max(0.0, min(b, i + 1) - max(a, i))
        return m / s

    w, h = size
    f = img.astype(np.float64)
    wy, wx = weights(img.shape[0], h), weights(img.shape[1], w)
    rows = np.tensordot(wy, f, axes=(1, 0))  # (h, W, c)
    return np.clip(np.einsum("pj,ojc->opc", wx, rows, optimize=True), 0, 255)


# ------------------------------------------------------------------ to_rgb8


def test_to_rgb8_dtypes_and_channels():
    g16 = np.array([[0, 65535], [257, 32896]], np.uint16)
    assert to_rgb8(g16)[:, :, 0].tolist() == [[0, 255], [1, 128]]
    f = np.array([[0.0, 1.0], [0.5, 0.25]])
    assert to_rgb8(f)[:, :, 1].tolist() == [[0, 255], [128, 64]]
    wide = np.array([[-10.0, 10.0], [0.0, np.nan]])
    out = to_rgb8(wide)
    assert out[0, 0, 0] == 0 and out[0, 1, 0] == 255 and out[1, 0, 0] == 128 and out[1, 1, 0] == 128
    b = np.array([[True, False]])
    assert to_rgb8(b)[0, :, 2].tolist() == [255, 0]
    rgba = np.zeros((1, 2, 4), np.uint8)
    rgba[0, 0] = (10, 20, 30, 0)  # fully transparent → white
    rgba[0, 1] = (10, 20, 30, 255)  # opaque → as is
    assert to_rgb8(rgba).tolist() == [[[255, 255, 255], [10, 20, 30]]]
    assert to_rgb8(rgba, alpha="drop").tolist() == [[[10, 20, 30], [10, 20, 30]]]
    assert to_rgb8(rgba, alpha="black")[0, 0].tolist() == [0, 0, 0]
    big_int = np.array([[0, 1000]], np.int32)
    assert to_rgb8(big_int)[0, :, 0].tolist() == [0, 255]
    a = data.astronaut()
    assert to_rgb8(a) is a  # no copy for what is already right
    with pytest.raises(InputError, match="channels"):
        to_rgb8(np.zeros((4, 4, 5), np.uint8))
    with pytest.raises(InputError, match="2-D"):
        to_rgb8(np.zeros((2, 4, 4, 3), np.uint8))


# ------------------------------------------------------------------ fit


def test_fit_downscale_quality_and_exact_bound():
    photo = data.astronaut()
    row = np.concatenate([photo, photo[:, ::-1]], axis=1)
    big = np.concatenate([row, row[::-1]], axis=0)  # 1024², mirror copies: no seams
    big = np.concatenate([big, big[:, ::-1][:, :512]], axis=1)  # 1536×1024
    out, tf = fit(big, Limits(long_max=600))
    assert out.shape == (400, 600, 3) and out.dtype == np.uint8
    assert tf.src_size == (1536, 1024) and tf.out_size == (600, 400)
    assert psnr(out, area_reference(big, (600, 400))) >= 38.0
    # exactly at the bound: untouched; strict bound: one pixel less
    same, tf2 = fit(photo, Limits(long_max=512))
    assert same.shape == photo.shape and tf2.identity
    strict, tf3 = fit(photo, Limits(long_max=512, long_strict=True))
    assert strict.shape[:2] == (511, 511) and max(tf3.out_size) < 512


def test_fit_quality_on_other_photos():
    for img in (data.coffee(), data.chelsea()):
        out, tf = fit(img, Limits(long_max=img.shape[1] // 3))
        assert psnr(out, area_reference(img, tf.out_size)) >= 38.0


def test_fit_per_axis_and_upscale_and_side_min():
    img = np.zeros((1200, 1800, 3), np.uint8)
    _, tf = fit(img, Limits(long_max=1920, long_strict=True, width_max=1920, height_max=1080))
    w, h = tf.out_size
    assert w < 1920 and h < 1080 and abs(w / h - 1.5) < 0.01
    small = data.camera()[:300, :400]  # gray 400×300
    out, tf = fit(small, Limits(short_min=480, long_max=2560))
    assert out.shape == (480, 640, 3) and tf.scale == pytest.approx(1.6)
    # no upscale when not required
    _, tf = fit(small, Limits(short_min=200))
    assert tf.identity
    _, tf = fit(np.zeros((300, 2, 3), np.uint8), Limits(long_max=4096))
    assert tf.out_size == (2, 300)
    one, tf = fit(np.full((1, 1), 0.5), Limits())
    assert one.shape == (1, 1, 3) and one[0, 0, 0] == 128
    out, tf = fit(np.zeros((100, 50), np.uint16), Limits(side_min=320, long_max=4096))
    assert tf.out_size == (320, 640)


def test_fit_conflict_names_rules_and_crop():
    strip = np.zeros((400, 5000, 3), np.uint8)
    with pytest.raises(InputError) as ei:
        fit(strip, Limits(long_max=1920, short_min=480))
    msg = str(ei.value)
    assert "5000×400" in msg and "long side ≤ 1920" in msg and "short side ≥ 480" in msg
    assert "crop it to at most 1600×400" in msg
    with pytest.raises(InputError, match="too tall"):
        fit(np.zeros((300, 2), np.uint8), Limits(long_max=4096, side_min=320))
    with pytest.raises(InputError, match="aspect ratio"):
        fit(np.zeros((100, 300), np.uint8), Limits(aspect_max=2.5))


def test_fit_mask_geometry_and_unfit_round_trip():
    photo = data.astronaut()
    mask = np.zeros(photo.shape[:2], np.uint8)
    mask[100:300, 50:200] = 255
    for lim in (Limits(long_max=300), Limits(short_min=700, long_max=4096), Limits(long_max=511, long_strict=True)):
        img, tf = fit(photo, lim)
        m = fit_mask(mask, tf)
        assert m.shape == img.shape[:2] and m.dtype == np.uint8
        assert set(np.unique(m)) <= {0, 255}
        frac = (m > 0).mean()
        assert abs(frac - (mask > 0).mean()) < 0.01
        back = unfit(img, tf)
        assert back.shape == photo.shape
        assert psnr(back, photo) > 22  # lossy, but the same picture in the same place
        mback = unfit(m, tf, nearest=True)
        assert mback.shape == mask.shape and (mback != mask).mean() < 0.01
    with pytest.raises(InputError, match="512×512"):
        fit_mask(np.zeros((10, 10), np.uint8), Transform((512, 512), (256, 256), 0.5))


def test_unfit_with_crop_pastes_into_base():
    base = np.zeros((100, 200, 3), np.uint8)
    tf = Transform((200, 100), (20, 10), 0.5, crop=(50, 20, 40, 20))
    res = np.full((10, 20, 3), 200, np.uint8)
    out = unfit(res, tf, base=base)
    assert out.shape == base.shape and (out[20:40, 50:90] == 200).all() and out[:20].sum() == 0
    assert unfit(res, tf).shape == (20, 40, 3)
    assert tf.point_to_source(0, 0) == pytest.approx((50.5, 20.5))


# ------------------------------------------------------------------ encode


def test_encode_formats_and_cap_stepping():
    photo = data.astronaut()
    e = encode(photo, Limits())
    assert e.format == "jpg" and e.quality == 92 and e.data[:2] == b"\xff\xd8"
    assert e.content_type == "image/jpeg"
    p = encode(photo, Limits(), prefer="png")
    assert p.format == "png" and p.data[:4] == b"\x89PNG" and p.quality is None
    dec = cv2.imdecode(np.frombuffer(p.data, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
    assert np.array_equal(dec, photo)
    j = encode(photo, Limits(formats=("jpg", "jpeg")), prefer="png")  # JPEG-only feature
    assert j.format == "jpg"
    q92 = len(encode(photo, Limits()).data)
    stepped = encode(photo, Limits(max_bytes=q92 - 1))
    assert stepped.quality < 92 and stepped.quality >= 70 and len(stepped.data) < q92 - 1
    noise = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="quality 70"):
        encode(noise, Limits(max_bytes=20_000))
    with pytest.raises(InputError, match="PNG only"):
        encode(noise, Limits(formats=("png",), max_bytes=1000), prefer="png")


def test_prepare_bundles_and_notes():
    photo = np.concatenate([data.astronaut()] * 2, axis=1)  # 1024×512
    labels = np.zeros(photo.shape[:2], np.int32)
    labels[100:200, 300:500] = 7
    p = prepare(photo, Limits(long_max=512), mask=labels)
    assert p.info.width == 512 and p.info.height == 256 and p.info.format == "jpg"
    assert p.info.nbytes == len(p.image.data)
    assert p.mask is not None and p.mask.format == "png"
    m = cv2.imdecode(np.frombuffer(p.mask.data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert m.shape == (256, 512) and set(np.unique(m)) == {0, 255}
    assert p.notes[0] == "resized 1024×512 → 512×256" and p.notes[1].startswith("JPEG q92, ")
    rgba = np.dstack([photo, np.full(photo.shape[:2], 128, np.uint8)])
    assert "alpha composited onto white" in prepare(rgba, Limits()).notes
    with pytest.raises(InputError, match="empty"):
        prepare(photo, Limits(), mask=np.zeros(photo.shape[:2], np.uint8))
    with pytest.raises(InputError, match="100×50"):
        prepare(photo, Limits(), mask=np.ones((50, 100), np.uint8))


def test_fit_size_table():
    assert fit_size(6000, 4000, Limits(long_max=1920)) == (1920, 1280, 0.32)
    assert fit_size(4000, 6000, Limits(long_max=1920, long_strict=True))[:2] == (1279, 1919)
    assert fit_size(1000, 800, Limits(long_max=None, short_min=1080))[:2] == (1350, 1080)


def test_long_min_upscales():
    assert fit_size(400, 300, Limits(long_min=512))[:2] == (512, 384)
