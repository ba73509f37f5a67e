"""End-to-end `workflow.run` for EVERY endpoint of EVERY feature, v2 and v1.

Real loopback HTTP against the bundled sandbox: register → PUT → create → poll →
download → decode → sidecar. Params are derived from the catalogue (required
params get a valid value; templates/styles are fetched from the sandbox's lists)
plus a few hand-picked values where a rule needs them.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from napari_youcam import features as F
from napari_youcam import workflow
from napari_youcam.api import RetryPolicy
from napari_youcam.connect import sandbox_client
from napari_youcam.sandbox import Sandbox

# Values that satisfy feature-specific rules the generic filler cannot guess.
OVERRIDES: dict[tuple[str, str], dict] = {
    ("face-lift", "*"): {"features.eye_bag": 40},
    ("face-reshape", "*"): {"features.nose_size": -30},
    ("face-attr-analysis", "*"): {"features": ["faceShape", "age", "gender"]},
    ("skin-simulation", "*"): {"wrinkle": 0.5, "pores": 0.3},
    ("skin-analysis", "*"): {"dst_actions": ["wrinkle", "pore", "texture", "acne"]},
    ("obj-replace", "*"): {"prompt": "a small red ball"},
    ("out-paint", "*"): {
        "output_width": 560,
        "output_height": 400,
        "input_x": 80,
        "input_y": 50,
        "input_width": 400,
        "input_height": 300,
        "crop_input_x": 0,
        "crop_input_y": 0,
        "crop_input_width": 400,
        "crop_input_height": 300,
    },
    ("enhance", "*"): {"scale": 2},
    ("bg-replace", "v2"): {"prompt": "a sunny beach"},
    ("text-to-image", "*"): {"prompt": "a sitting orange cat"},
    ("hair-color", "*"): {"preset": "Jet Black"},
    ("face-swap", "*"): {"face_mapping": [{"index": 0, "position": 0}]},
    ("cloth", "*"): {"garment_category": "upper_body"},
    ("video-sr", "*"): {"dst_duration": 2},
    ("face-swap-vid", "*"): {"dst_duration": 2},
    ("video-trans", "*"): {"dst_duration": 2},
    ("image-to-video", "*"): {"dst_duration": 5, "prompt": "a slow smile"},
    ("headshot", "*"): {"output_count": 2},
    ("ai-avatar", "*"): {"output_count": 2},
    ("ai-studio", "*"): {"output_count": 2},
    ("teeth-whiten", "*"): {"effect.whitening_intensity": 60},
    ("makeup-vto", "*"): {
        "effects": [
            {
                "category": "lip_color",
                "shape": {"name": "original"},
                "palettes": [{"color": "#B5485D", "texture": "matte", "colorIntensity": 60}],
            }
        ]
    },
    ("nail-vto", "*"): {
        "effect_type": "nail_polish",
        "effects": [
            {
                "sub_type": "color",
                "finger": "index",
                "color": "#C2185B",
                "texture": "cream",
                "transparency": 0,
                "reflection": 40,
                "contrast": 50,
                "roughness": 10,
            }
        ],
    },
    ("body-reshape", "*"): {"features.waist": -20},
}

# Endpoints that take several source photos: how many the test sends.
SOURCE_COUNT: dict[str, int] = {"hair-type-detection": 3, "hair-frizziness-detection": 3}

CASES = [
    pytest.param(key, e.api, e.variant, id=f"{key}-{e.api}-{e.variant}")
    for key, spec in F.FEATURES.items()
    for e in spec.endpoints
]


@pytest.fixture(scope="module")
def sb():
    # ~100 endpoints x 4-6 calls each exceed the documented 250 calls / 5 min; the
    # rate limiter has its own tests, so this module's sandbox lifts the limit.
    with Sandbox(processing_seconds=0.02, units=1e6, rate_limit=(100_000, 300.0)) as s:
        yield s


@pytest.fixture(scope="module")
def clients(sb):
    fast = RetryPolicy(attempts=3, base=0.01, ceiling=0.05)
    cs = {api: sandbox_client(sb, api=api, retry=fast) for api in ("v2", "v1")}
    yield cs
    for c in cs.values():
        c.close()


def image_for(limits, seed: int = 0) -> np.ndarray:
    """A small RGB gradient whose size the limits accept without resizing."""
    w, h = 400, 300
    short_min = max(limits.short_min or 0, limits.side_min or 0, 300)
    h = max(h, short_min)
    w = max(w, math.ceil(h * 4 / 3))
    if limits.long_min:
        w = max(w, limits.long_min)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([(xx * 255 // w), (yy * 255 // h), ((xx + yy + seed * 40) % 256)], axis=-1)
    return img.astype(np.uint8)


def params_for(key: str, ep, client) -> dict:
    params: dict = {}
    for pat in ((key, "*"), (key, ep.api), (key, ep.variant)):
        params.update(OVERRIDES.get(pat, {}))
    names = {p.name for p in ep.params}
    params = {k: v for k, v in params.items() if k in names or k.split(".")[0] in {n.split(".")[0] for n in names}}
    needs_template = any(p.name in ("template_id", "style_group_id") and p.required for p in ep.params)
    template_only = (ep.template_path and not ep.input("ref")) or needs_template
    if (ep.template_path and template_only) or needs_template:
        tpl = client.templates(key, api=ep.api, variant=ep.variant)
        assert tpl, f"{key} {ep.api}:{ep.variant} has an empty template list"
        params.update(tpl[0].params(ep.api))
    for p in ep.params:
        if p.required and p.name not in params:
            if p.default is not None:
                params[p.name] = p.default
            elif p.kind in ("enum",):
                params[p.name] = p.choices[0]
            elif p.kind == "enum_list":
                params[p.name] = list(p.choices[:4])
            elif p.kind == "int":
                params[p.name] = int(p.minimum if p.minimum is not None else 1)
            elif p.kind == "float":
                params[p.name] = float(p.minimum if p.minimum is not None else 0.5)
            elif p.kind == "str":
                params[p.name] = "test"
    return params


@pytest.mark.parametrize("key,api,variant", CASES)
def test_run_every_endpoint(key, api, variant, sb, clients, tmp_path):
    spec = F.get(key)
    ep = spec.endpoint(api, variant)
    client = clients[api]
    params = params_for(key, ep, client)
    limits = F.limits_for(ep, params)
    src_in = ep.input("src") or ep.input("srcs")
    source = None
    if src_in is not None:
        if src_in.kind == "video":
            clip = tmp_path / "clip.mp4"
            clip.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(4000))
            source = clip
        elif key in SOURCE_COUNT:
            source = [image_for(limits, seed=i) for i in range(SOURCE_COUNT[key])]
        else:
            source = image_for(limits)
    mask = None
    if ep.input("mask") is not None:
        h, w = source.shape[:2] if isinstance(source, np.ndarray) else (240, 320)  # a video: one frame's size
        mask = np.zeros((h, w), np.uint8)
        mask[h // 4 : h // 2, w // 4 : w // 2] = 1  # a Labels-layer style mask
    refs = ()
    rin = ep.input("ref") or ep.input("refs")
    if rin is not None and (rin.required or "template_id" not in params):
        refs = (image_for(rin.limits or limits, seed=1),)
    stages: list[str] = []
    before = len(sb.ledger)
    res = workflow.run(
        key,
        source,
        mask=mask,
        refs=refs,
        params=params,
        api=api,
        variant=variant,
        client=client,
        out_dir=tmp_path / "out",
        progress=lambda s, f: stages.append(s),
    )
    # result on disk, sidecar complete, no secrets in it
    assert res.files and all(p.is_file() and p.stat().st_size > 0 for p in res.files)
    side = json.loads(res.sidecar.read_text())
    assert side["status"] == "done" and side["task_id"] == res.task_id
    assert side["feature"] == key and side["api"] == api and side["sandbox"] is True
    text = res.sidecar.read_text()
    for secret in (sb.api_key, sb.client_secret):
        assert secret not in text
    assert stages[0] == "validating" and stages[-1] == "done"
    if mask is not None:  # with an image or a video source, the mask is uploaded as its own PNG
        assert [u for u in side["uploads"] if u["role"] == "mask" and u["name"] == "mask.png"]
    # exactly one charge for this task
    charges = [c for c in sb.ledger[before:] if c["task_id"] == res.task_id]
    assert len(charges) == 1 and len(sb.ledger) - before == 1
    kind = F.output_kind(ep, params)
    assert res.kind == kind
    if kind in ("image", "images"):
        assert res.arrays, "image results are decoded"
        if (
            src_in is not None
            and src_in.kind == "image"
            and not src_in.many
            and res.arrays[0].shape[:2] == tuple(reversed(side["transform"]["out_size"]))
        ):
            assert res.arrays[0].shape[:2] == source.shape[:2]
    elif kind == "zip":
        assert res.data is not None and res.data.scores, "skin ZIP gives scores"
        assert all(m.shape[:2] == source.shape[:2] for m in res.data.masks.values())
    elif kind == "json":
        assert isinstance(res.data, (dict, list)) and res.data
    elif kind == "video":
        assert res.files[0].suffix in (".mp4", ".mov")
