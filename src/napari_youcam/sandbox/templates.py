"""Template (v2) and style (v1) lists, generated deterministically per feature.

Template-based features need an id from a list before a task can run; the sandbox
makes one up per feature slug (stable across runs, so a test can hard-code
`sbx_hair-style_00`) and checks task requests against it, which is how a client's
"wrong list / stale id" bug shows up (400 InvalidStyle / InvalidStyleGroup).
"""

from __future__ import annotations

import base64
import hashlib
from typing import TypeVar

from napari_youcam.limits import JsonObject

V2_TEMPLATE_COUNT = 25
V1_GROUPS = ("Female", "Male")
V1_STYLES_PER_GROUP = 6
CATEGORIES = ("Classic", "Trendy", "Bold")


def _int_id(*parts: object) -> int:
    h = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return 10**16 + int.from_bytes(h[:8], "big") % (9 * 10**16)


T = TypeVar("T")


def template_ids(slug: str) -> list[str]:
    return [f"sbx_{slug.replace('/', '_')}_{i:02d}" for i in range(V2_TEMPLATE_COUNT)]


def v2_templates(slug: str, base_url: str) -> list[JsonObject]:
    return [
        {
            "id": tid,
            "thumb": f"{base_url}/_thumb/{tid}.png",
            "title": f"Sandbox {slug} {i}",
            "category_name": CATEGORIES[i % len(CATEGORIES)],
        }
        for i, tid in enumerate(template_ids(slug))
    ]


def v1_groups(slug: str) -> list[JsonObject]:
    return [{"id": _int_id(slug, "group", g), "info": {"title": g}} for g in V1_GROUPS]


def v1_styles(slug: str, group_id: int, base_url: str) -> list[JsonObject] | None:
    """Styles of one group; None when the group id is not one of this feature's."""
    for g in V1_GROUPS:
        if _int_id(slug, "group", g) == group_id:
            thumb = f"{base_url}/_thumb/{slug.replace('/', '_')}"
            return [
                {"id": _int_id(slug, "style", g, i), "info": {"title": f"Sandbox {g} {i}", "thumb": f"{thumb}_{i}.png"}}
                for i in range(V1_STYLES_PER_GROUP)
            ]
    return None


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_token(token: str | None) -> int | None:
    """Offset of a page token; 0 for none; None when the token is not ours."""
    if token in (None, "", "null"):
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        if text.startswith("offset:"):
            return int(text[7:])
    except Exception:  # noqa: BLE001
        pass
    return None


def page(items: list[T], page_size: int, offset: int) -> tuple[list[T], str | None]:
    chunk = items[offset : offset + page_size]
    nxt = offset + page_size
    return chunk, (encode_token(nxt) if nxt < len(items) else None)
