"""The sandbox over real loopback HTTP (httpx, no mocks): auth, files, task flows."""

from __future__ import annotations

import io
import json
import time
import zipfile

import httpx
import numpy as np
import pytest
from PIL import Image

from napari_youcam.sandbox import CANVAS_COLOR, FakeClock, Sandbox, color_of, stamp_box
from sandbox_helpers import (
    clock_now,
    fetch_image,
    gradient,
    id_token,
    jpg_bytes,
    png_bytes,
    run_v2,
    upload,
    v1,
    v2,
    wait_v1,
    wait_v2,
)


@pytest.fixture
def sb():
    with Sandbox(processing_seconds=0.05, clock=clock_now()) as s:
        yield s


# ---------------------------------------------------------------- auth


def test_v1_auth_round_trip_and_rejections(sb: Sandbox) -> None:
    c = v1(sb)
    r = c.get("/s2s/v1.0/client/credit")
    assert r.status_code == 200
    assert r.json()["results"][0]["amount"] == 1000
    auth = sb.base_url + "/s2s/v1.0/client/auth"
    stale = id_token(sb.client_id, sb.client_secret, int((time.time() - 3600) * 1000))
    r = httpx.post(auth, json={"client_id": sb.client_id, "id_token": stale})
    assert r.status_code == 401 and "timestamp" in r.json()["error"]
    wrong = id_token("someone-else", sb.client_secret)
    r = httpx.post(auth, json={"client_id": sb.client_id, "id_token": wrong})
    assert r.status_code == 401
    r = httpx.post(auth, json={"client_id": "someone-else", "id_token": wrong})
    assert r.status_code == 401
    r = httpx.post(auth, json={"client_id": sb.client_id})
    assert r.status_code == 400 and r.json()["error_code"] == "InvalidParameters"
    # A made-up token is refused with the v1 error code.
    r = httpx.get(sb.base_url + "/s2s/v1.0/client/credit", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["error_code"] == "InvalidAccessToken"


def test_v1_token_expires_after_ttl() -> None:
    clock = FakeClock()
    with Sandbox(token_ttl_seconds=0.3, clock=clock) as sb:
        c = v1(sb)
        assert c.get("/s2s/v1.0/client/credit").status_code == 200
        clock.advance(0.2)
        assert c.get("/s2s/v1.0/client/credit").status_code == 200  # still inside its lifetime
        clock.advance(0.2)
        r = c.get("/s2s/v1.0/client/credit")
        assert r.status_code == 401 and r.json()["error_code"] == "InvalidAccessToken"


def test_v2_bad_key_401(sb: Sandbox) -> None:
    r = httpx.post(sb.base_url + "/s2s/v2.0/file", headers={"Authorization": "Bearer wrong"}, json={"files": []})
    assert r.status_code == 401
    assert r.json() == {"status": 401, "error": "This API key is not recognized.", "error_code": "InvalidApiKey"}
    # The key without the "Bearer " prefix is not accepted either.
    r = httpx.get(sb.base_url + "/s2s/v2.0/task/template/headshot", headers={"Authorization": sb.api_key})
    assert r.status_code == 401


# ---------------------------------------------------------------- files


def test_file_register_and_put_checks(sb: Sandbox) -> None:
    c = v2(sb)
    data = png_bytes(gradient(40, 50))
    r = c.post(
        "/s2s/v2.0/file", json={"files": [{"content_type": "image/png", "file_name": "a.png", "file_size": len(data)}]}
    )
    f = r.json()["data"]["files"][0]
    assert set("+/=") <= set(f["file_id"])
    req = f["requests"][0]
    assert req["headers"] == {"Content-Type": "image/png", "Content-Length": str(len(data))}
    assert "X-Amz-Expires=7200" in req["url"]
    # Wrong byte count (headers say N, body has N-1): refused, nothing stored.
    short = data[:-1]
    p = httpx.put(req["url"], headers={"Content-Type": "image/png"}, content=short)
    assert p.status_code in (400, 403)
    assert f["file_id"] not in sb.uploads
    # Our Authorization header must never go to storage.
    p = httpx.put(req["url"], headers={**req["headers"], "Authorization": f"Bearer {sb.api_key}"}, content=data)
    assert p.status_code == 403
    # Wrong content type.
    p = httpx.put(req["url"], headers={**req["headers"], "Content-Type": "image/jpeg"}, content=data)
    assert p.status_code == 403
    assert f["file_id"] not in sb.uploads
    p = httpx.put(req["url"], headers=req["headers"], content=data)
    assert p.status_code == 200
    assert sb.uploads[f["file_id"]] == data
    # The request log redacts the key yet records that it was sent.
    puts = [e for e in sb.requests if e["method"] == "PUT"]
    assert [e["had_authorization"] for e in puts] == [False, True, False, False]
    assert all(sb.api_key not in json.dumps(e) for e in sb.requests)
    # Unsupported content type at registration.
    r = c.post("/s2s/v2.0/file", json={"files": [{"content_type": "image/gif", "file_name": "a.gif", "file_size": 10}]})
    assert r.status_code == 400 and r.json()["error_code"] == "InvalidParameters"


def test_v1_file_endpoint_uses_result_envelope(sb: Sandbox) -> None:
    c = v1(sb)
    data = jpg_bytes(gradient(64, 64))
    fid = upload(c, data, ctype="image/jpeg", path="/s2s/v1.1/file/enhance")
    assert sb.uploads[fid] == data
    # The deprecated v1.0 form has no file_size; the sandbox accepts it without Content-Length.
    r = c.post("/s2s/v1.0/file/enhance", json={"files": [{"content_type": "image/jpeg", "file_name": "a.jpg"}]})
    assert r.status_code == 200
    assert "Content-Length" not in r.json()["result"]["files"][0]["requests"][0]["headers"]


# ---------------------------------------------------------------- flows


def test_generative_fill_fills_only_the_mask(sb: Sandbox) -> None:
    c = v2(sb)
    src = gradient(120, 160)
    mask = np.zeros((120, 160), np.uint8)
    mask[30:70, 40:90] = 255
    sid, mid = upload(c, png_bytes(src)), upload(c, png_bytes(mask))
    d = run_v2(sb, "/s2s/v2.0/task/generative-fill", {"src_file_id": sid, "msk_file_id": mid})
    assert d["task_status"] == "success" and d["results"]["sandbox"] is True
    out = fetch_image(d["results"]["url"])[..., :3]
    assert out.shape == src.shape
    m = mask > 127
    inside = out[m]
    assert (inside == inside[0]).all()  # one flat colour
    # ... the mean colour of the ring just outside the mask (radius 3 for this size).
    ring = np.zeros_like(m)
    ring[27:73, 37:93] = True
    ring &= ~m
    assert np.abs(inside[0].astype(int) - src[ring].mean(0)).max() <= 1
    keep = ~m
    x0, y0, x1, y1 = stamp_box((160, 120))
    keep[y0 : y1 + 1, x0 : x1 + 1] = False
    assert (out[keep] == src[keep]).all()
    assert (out[y0:y1, x0:x1] != src[y0:y1, x0:x1]).any()  # the SANDBOX stamp is there
    assert len(sb.ledger) == 1 and sb.ledger[0]["feature"] == "generative-fill"


def test_obj_replace_v1_uses_msk_ids_and_prompt_colour(sb: Sandbox) -> None:
    c = v1(sb)
    src, mask = gradient(80, 80), np.zeros((80, 80), np.uint8)
    mask[10:30, 10:30] = 255
    sid = upload(c, png_bytes(src), path="/s2s/v1.1/file/obj-replace")
    mid = upload(c, png_bytes(mask), path="/s2s/v1.1/file/obj-replace")
    body = {
        "request_id": 0,
        "payload": {
            "file_sets": {"src_ids": [sid], "mask_ids": [mid]},
            "actions": [{"id": 0, "params": {"prompt": "a cute cat"}}],
        },
    }
    r = c.post("/s2s/v1.0/task/obj-replace", json=body)
    assert r.status_code == 400  # mask_ids is the obj-removal name; replace takes msk_ids
    body["payload"]["file_sets"] = {"src_ids": [sid], "msk_ids": [mid]}
    r = c.post("/s2s/v1.0/task/obj-replace", json=body)
    assert r.status_code == 200, r.text
    res = wait_v1(c, "/s2s/v1.0/task/obj-replace", r.json()["result"]["task_id"])
    assert res["status"] == "success"
    item = res["results"][0]["data"][0]
    assert item["dst_id"] in sb.state.files.files
    out = fetch_image(item["url"])
    assert tuple(out[20, 20][:3]) == color_of("prompt", "a cute cat")
    assert (out[50, 50][:3] == src[50, 50]).all()


def test_extender_geometry(sb: Sandbox) -> None:
    c = v2(sb)
    src = gradient(80, 100)
    sid = upload(c, jpg_bytes(src), ctype="image/jpeg")
    params = {
        "output_width": 300,
        "output_height": 200,
        "input_x": 50,
        "input_y": 20,
        "input_width": 200,
        "input_height": 160,
        "crop_input_x": 0,
        "crop_input_y": 0,
        "crop_input_width": 100,
        "crop_input_height": 80,
    }
    d = run_v2(sb, "/s2s/v2.0/task/out-paint", {"src_file_id": sid, **params})
    assert d["task_status"] == "success", d
    out = fetch_image(d["results"]["url"])
    assert out.shape[:2] == (200, 300)
    assert tuple(out[5, 5]) == CANVAS_COLOR and tuple(out[190, 20]) == CANVAS_COLOR
    assert tuple(out[100, 260]) == CANVAS_COLOR  # right of the placed source
    placed = out[20:180, 50:250].astype(int)
    # The source's gradient runs left->right in red, top->bottom in green, inside the box only.
    assert placed[80, 5, 0] < 40 and placed[80, 195, 0] > 215
    assert placed[3, 100, 1] < 40 and placed[156, 100, 1] > 215


def test_skin_analysis_zip_contents(sb: Sandbox) -> None:
    c = v2(sb)
    src = gradient(640, 480)
    sid = upload(c, jpg_bytes(src), ctype="image/jpeg")
    concerns = ["wrinkle", "pore", "texture", "acne"]
    d = run_v2(sb, "/s2s/v2.0/task/skin-analysis", {"src_file_id": sid, "dst_actions": concerns})
    assert d["task_status"] == "success", d
    z = zipfile.ZipFile(io.BytesIO(httpx.get(d["results"]["url"]).content))
    info = json.loads(z.read("skinanalysisResult/score_info.json"))
    assert set(concerns) <= set(info) and "all" in info and isinstance(info["skin_age"], int)
    for cn in concerns:
        assert 1 <= info[cn]["ui_score"] <= 100
        mask = Image.open(io.BytesIO(z.read("skinanalysisResult/" + info[cn]["output_mask_name"])))
        assert mask.mode == "RGBA" and mask.size == (480, 640)
    assert "skinanalysisResult/eye_bag_output.png" not in z.namelist()
    # HD concerns need a short side >= 1080: an engine error, not a charge.
    d = run_v2(
        sb,
        "/s2s/v2.0/task/skin-analysis",
        {"src_file_id": sid, "dst_actions": ["hd_wrinkle", "hd_pore", "hd_texture", "hd_acne"]},
    )
    assert d["task_status"] == "error" and d["error"] == "error_below_min_image_size"
    assert len(sb.ledger) == 1


def test_skin_analysis_hd_subareas_and_json_format() -> None:
    with Sandbox(processing_seconds=0.05, clock=clock_now()) as sb:
        c = v2(sb)
        sid = upload(c, jpg_bytes(gradient(1200, 1080)), ctype="image/jpeg")
        d = run_v2(
            sb,
            "/s2s/v2.0/task/skin-analysis",
            {"src_file_id": sid, "dst_actions": ["hd_wrinkle", "hd_pore", "hd_texture", "hd_acne"]},
        )
        z = zipfile.ZipFile(io.BytesIO(httpx.get(d["results"]["url"]).content))
        info = json.loads(z.read("skinanalysisResult/score_info.json"))
        assert set(info["hd_pore"]) == {"forehead", "nose", "cheek", "whole"}
        assert "crowfeet" in info["hd_wrinkle"] and "whole" in info["hd_acne"]
        assert "skinanalysisResult/hd_pore_output_all.png" in z.namelist()
        d = run_v2(
            sb,
            "/s2s/v2.0/task/skin-analysis",
            {"src_file_id": sid, "dst_actions": ["wrinkle", "pore", "texture", "acne"], "format": "json"},
        )
        types = {i["type"] for i in d["results"]["output"]}
        assert {"wrinkle", "pore", "skin_age", "all"} <= types
        url = next(i for i in d["results"]["output"] if i["type"] == "pore")["mask_urls"][0]
        assert httpx.get(url).status_code == 200


def test_v1_request_id_dedupe_charges_once(sb: Sandbox) -> None:
    c = v1(sb)
    sid = upload(c, jpg_bytes(gradient(50, 60)), ctype="image/jpeg", path="/s2s/v1.1/file/enhance")
    body = {
        "request_id": 0,
        "payload": {"file_sets": {"src_ids": [sid]}, "actions": [{"id": 0, "params": {"scale": 2}}]},
    }
    t1 = c.post("/s2s/v1.0/task/enhance", json=body).json()["result"]["task_id"]
    t2 = c.post("/s2s/v1.0/task/enhance", json=body).json()["result"]["task_id"]
    assert t1 == t2 and set("+/") & set(t1)
    res = wait_v1(c, "/s2s/v1.0/task/enhance", t1)
    assert res["status"] == "success"
    assert fetch_image(res["results"][0]["data"][0]["url"]).shape[:2] == (100, 120)
    assert c.post("/s2s/v1.0/task/enhance", json=body).json()["result"]["task_id"] == t1
    wait_v1(c, "/s2s/v1.0/task/enhance", t1)
    assert len(sb.ledger) == 1 and sb.ledger[0]["request_id"] == 0
    body["request_id"] = 1
    t3 = c.post("/s2s/v1.0/task/enhance", json=body).json()["result"]["task_id"]
    assert t3 != t1
    wait_v1(c, "/s2s/v1.0/task/enhance", t3)
    assert len(sb.ledger) == 2 and sb.balance == 1000 - sum(e["units"] for e in sb.ledger)
    hist = c.get("/s2s/v1.0/client/credit/history").json()["result"]["history"]
    assert [h["target_id"] for h in hist] == [t3, t1]


def test_charge_only_on_success(sb: Sandbox) -> None:
    c = v2(sb)
    sid = upload(c, png_bytes(gradient(60, 60)))
    sb.fail_next_task("error_no_face")
    d = run_v2(sb, "/s2s/v2.0/task/enhance", {"src_file_id": sid, "scale": 2})
    assert d["task_status"] == "error" and d["error"] == "error_no_face" and d["results"] is None
    # Registered but never PUT: the engine cannot download it.
    ghost = upload(c, png_bytes(gradient(60, 60)), put=False)
    d = run_v2(sb, "/s2s/v2.0/task/enhance", {"src_file_id": ghost, "scale": 2})
    assert d["error"] == "error_download_image"
    # Mask of another size.
    mid = upload(c, png_bytes(np.zeros((30, 30), np.uint8)))
    d = run_v2(sb, "/s2s/v2.0/task/generative-fill", {"src_file_id": sid, "msk_file_id": mid})
    assert d["error"] == "size_mismatch_on_input_image_and_mask"
    # Too large for enhance (long side > 4096).
    big = upload(c, png_bytes(np.zeros((10, 4200, 3), np.uint8)))
    d = run_v2(sb, "/s2s/v2.0/task/enhance", {"src_file_id": big, "scale": 1})
    assert d["error"] == "error_exceed_max_image_size"
    assert sb.ledger == [] and sb.balance == 1000
    d = run_v2(sb, "/s2s/v2.0/task/enhance", {"src_file_id": sid, "scale": 2})
    assert d["task_status"] == "success" and len(sb.ledger) == 1 and sb.balance < 1000


def test_contract_errors_and_credit_insufficiency(sb: Sandbox) -> None:
    c = v2(sb)
    sid = upload(c, png_bytes(gradient(60, 60)))
    r = c.post("/s2s/v2.0/task/enhance", json={"src_file_id": sid, "src_file_url": "https://x/y.png", "scale": 2})
    assert r.status_code == 400 and r.json()["error_code"] == "InvalidParameters"
    r = c.post("/s2s/v2.0/task/enhance", json={"scale": 2})
    assert r.status_code == 400 and "src_file_id" in r.json()["error"]
    r = c.post("/s2s/v2.0/task/enhance", json={"src_file_id": sid, "scale": 3})
    assert r.status_code == 400 and r.json()["error_code"] == "InvalidParameters" and "scale" in r.json()["error"]
    r = c.post("/s2s/v2.0/task/enhance", json={"request_id": 0, "payload": {}})
    assert r.status_code == 400
    c1 = v1(sb)
    two = {
        "request_id": 0,
        "payload": {"file_sets": {"src_ids": [sid]}, "actions": [{"id": 0, "params": {"scale": 2}}, {"id": 1}]},
    }
    r = c1.post("/s2s/v1.0/task/enhance", json=two)
    assert r.status_code == 400 and "one action" in r.json()["error"]
    r = c1.post("/s2s/v1.0/task/enhance", json={"request_id": "0", "payload": two["payload"]})
    assert r.status_code == 400
    sb.balance = 0.5
    r = c.post("/s2s/v2.0/task/enhance", json={"src_file_id": sid, "scale": 2})
    assert r.status_code == 400 and r.json()["error_code"] == "CreditInsufficiency"
    assert not sb.tasks


def test_unpolled_task_expires() -> None:
    clock = FakeClock()
    with Sandbox(processing_seconds=1.0, poll_window_seconds=0.3, clock=clock) as sb:
        c = v2(sb)
        sid = upload(c, png_bytes(gradient(40, 40)))
        tid = c.post("/s2s/v2.0/task/enhance", json={"src_file_id": sid, "scale": 2}).json()["data"]["task_id"]
        assert c.get(f"/s2s/v2.0/task/enhance/{tid}").json()["data"]["task_status"] == "running"
        clock.advance(0.25)
        assert c.get(f"/s2s/v2.0/task/enhance/{tid}").json()["data"]["task_status"] == "running"  # polled in time
        clock.advance(0.45)
        r = c.get(f"/s2s/v2.0/task/enhance/{tid}")
        assert r.status_code == 400 and r.json()["error_code"] == "InvalidTaskId"
        clock.advance(0.7)
        assert c.get(f"/s2s/v2.0/task/enhance/{tid}").status_code == 400  # lost for good
        assert sb.ledger == []


def test_download_url_expires() -> None:
    clock = FakeClock()
    with Sandbox(processing_seconds=0.0, url_ttl_seconds=0.4, clock=clock) as sb:
        c = v2(sb)
        sid = upload(c, png_bytes(gradient(40, 40)))
        d = run_v2(sb, "/s2s/v2.0/task/sod", {"src_file_id": sid})
        url = d["results"]["url"]
        clock.advance(0.3)
        got = fetch_image(url)
        assert got.shape == (40, 40, 4)  # RGBA cut-out, still inside the URL's lifetime
        clock.advance(0.2)
        r = httpx.get(url)
        assert r.status_code == 403
        dl = [e for e in sb.requests if e["path"].startswith("/_download/")]
        assert dl and not any(e["had_authorization"] for e in dl)


def test_multi_output_json_and_preprocess(sb: Sandbox) -> None:
    c = v2(sb)
    sid = upload(c, jpg_bytes(gradient(400, 400)), ctype="image/jpeg")
    d = run_v2(sb, "/s2s/v2.0/task/colorize", {"src_file_id": sid})
    assert len(d["results"]["output"]) == 4
    d = run_v2(sb, "/s2s/v2.0/task/face-attr-analysis", {"src_file_id": sid, "features": ["faceShape", "age"]})
    assert d["results"]["sandbox"] is True and "faceshape" in d["results"] and "overrall" in d["results"]["cheekbone"]
    d = run_v2(sb, "/s2s/v2.0/task/face-lift/pre-process", {"src_file_id": sid})
    (box,) = d["results"]["result"]
    assert box["left"] + box["width"] / 2 == pytest.approx(200, abs=1)
    group = upload(c, jpg_bytes(gradient(200, 600)), ctype="image/jpeg")
    d = run_v2(sb, "/s2s/v2.0/task/face-swap/pre-process", {"src_file_id": group})
    assert len(d["results"]["faces"]) == 3 and len(d["results"]["faces"][0]["bbox"]) == 4
    tpl = c.get("/s2s/v2.0/task/template/headshot").json()["data"]["templates"][0]["id"]
    d = run_v2(sb, "/s2s/v2.0/task/headshot", {"src_file_id": sid, "template_id": tpl, "output_count": 3})
    assert len(d["results"]["output"]) == 3
    r = c.post("/s2s/v2.0/task/headshot", json={"src_file_id": sid, "template_id": "nope", "output_count": 1})
    assert r.status_code == 400 and r.json()["error_code"] == "InvalidStyle"


def test_templates_pagination_and_v1_styles(sb: Sandbox) -> None:
    c = v2(sb)
    p1 = c.get("/s2s/v2.0/task/template/hair-style", params={"page_size": 20}).json()["data"]
    assert len(p1["templates"]) == 20 and p1["next_token"]
    assert set(p1["templates"][0]) == {"id", "thumb", "title", "category_name"}
    p2 = c.get(
        "/s2s/v2.0/task/template/hair-style", params={"page_size": 20, "starting_token": p1["next_token"]}
    ).json()["data"]
    assert len(p2["templates"]) == 5 and p2["next_token"] is None
    assert c.get("/s2s/v2.0/task/template/hair-style", params={"page_size": 21}).status_code == 400
    c1 = v1(sb)
    groups = c1.get("/s2s/v1.0/task/style-group/hair-style").json()["result"]["groups"]
    styles = c1.get("/s2s/v1.0/task/style/hair-style", params={"style_group_id": groups[0]["id"]}).json()["result"][
        "styles"
    ]
    assert styles and isinstance(styles[0]["id"], int)
    r = c1.get("/s2s/v1.0/task/style/hair-style", params={"style_group_id": 1})
    assert r.status_code == 400 and r.json()["error_code"] == "InvalidStyleGroup"


def test_delete_and_feature_cost(sb: Sandbox) -> None:
    c = v2(sb)
    sid = upload(c, png_bytes(gradient(40, 40)))
    r = c.post("/s2s/v2.0/task/enhance", json={"src_file_id": sid, "scale": 1})
    tid = r.json()["data"]["task_id"]
    d = wait_v2(c, "/s2s/v2.0/task/enhance", tid)
    assert c.post("/s2s/v2.0/task/delete", json={"task_id": tid}).json() == {"status": 200}
    assert httpx.get(d["results"]["url"]).status_code == 404
    assert c.get(f"/s2s/v2.0/task/enhance/{tid}").status_code == 400
    assert sid not in sb.uploads
    r = c.post("/s2s/v2.0/task/delete", json={})
    assert r.status_code == 400 and r.json()["error_code"] == "InvalidParameters"
    skus = c.get("/s2s/v2.0/credit/feature-cost").json()["result"]["skus"]
    assert skus and {"description", "amount", "unit", "proc_unit", "run_task_url"} <= set(skus[0])


def test_every_catalogue_feature_has_a_registered_result_generator():
    from napari_youcam import features as F
    from napari_youcam.sandbox.results import GENERATORS

    missing = sorted(set(F.FEATURES) - set(GENERATORS))
    assert missing == []
    assert sorted(set(GENERATORS) - set(F.FEATURES)) == []  # no generator for a feature that is gone


def test_template_and_file_paths_end_in_the_endpoint_slug():
    """The sandbox routes template lists and v1 file registrations by `Endpoint.slug`."""
    from napari_youcam import features as F
    from napari_youcam.sandbox import catalog

    routes = catalog.load()
    for spec in F.FEATURES.values():
        for ep in spec.endpoints:
            if ep.template_path is not None:
                assert ep.template_path.endswith("/" + ep.slug), (spec.key, ep.template_path)
                assert routes.template_slugs[ep.slug].endpoint.slug == ep.slug
            if ep.api == "v1" and ep.file_path is not None:
                assert ep.file_path.endswith("/" + ep.slug), (spec.key, ep.file_path)
                assert routes.file_slugs[ep.slug].endpoint.file_path == ep.file_path
