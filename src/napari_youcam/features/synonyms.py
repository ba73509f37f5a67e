"""Words people type for a feature, mapped to the service's own keys.

`features.get`, the CLI and the widgets' search box only *suggest* these ("did you
mean sod?"): a feature is never chosen from a guess, because every run is paid.
A synonym may point at several keys (object removal is ``obj-removal`` on v1 and
``generative-fill`` on v2); keys missing from the catalogue are ignored, so the
table can name features that other modules add later.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

SYNONYMS: dict[str, tuple[str, ...]] = {
    "background-removal": ("sod",),
    "remove-background": ("sod",),
    "bg-removal": ("sod",),
    "cutout": ("sod",),
    "matting": ("sod",),
    "upscale": ("enhance",),
    "super-resolution": ("enhance",),
    "sharpen": ("enhance",),
    "object-removal": ("generative-fill", "obj-removal"),
    "inpaint": ("generative-fill", "obj-removal"),
    "erase": ("generative-fill", "obj-removal"),
    "replace": ("obj-replace",),
    "outpaint": ("out-paint",),
    "extend": ("out-paint",),
    "uncrop": ("out-paint",),
    "relight": ("lighting",),
    "colourize": ("colorize",),
    "white-balance": ("color-correct",),
    "portrait-blur": ("bg-blur",),
    "blur-background": ("bg-blur",),
    "background-change": ("bg-replace",),
    "replace-background": ("bg-replace",),
    "txt2img": ("text-to-image",),
    "generate": ("text-to-image",),
    "avatar": ("ai-avatar",),
    "makeup": ("mu-transfer",),
    "faceswap": ("face-swap",),
    "hair-dye": ("hair-color",),
    "hairstyle": ("hair-style",),
    "bangs": ("hair-bang",),
    "fringe": ("hair-bang",),
    "curls": ("hair-curl",),
    "wavy-hair": ("hair-curl",),
    "try-on": ("cloth",),
    "clothes": ("cloth",),
    "video-upscale": ("video-sr",),
    "skin": ("skin-analysis",),
    "face-analysis": ("face-attr-analysis",),
    "img2vid": ("image-to-video",),
}


def normalize(name: str) -> str:
    """``Background_Removal`` / ``background removal`` → ``background-removal``."""
    return "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def suggestions(name: str, keys: Iterable[str], *, n: int = 3) -> list[str]:
    """Up to ``n`` catalogue keys the user may have meant by ``name`` (best first).

    A synonym's keys when ``name`` is one (or is closest to one: "upscal" →
    enhance); else close spellings of the keys.
    """
    known = list(keys)
    word = normalize(name)
    if word in SYNONYMS:
        return [k for k in SYNONYMS[word] if k in known][:n]
    out: list[str] = []
    best = difflib.get_close_matches(word, known + list(SYNONYMS), n=n, cutoff=0.6)
    for rank, close in enumerate(best):  # a synonym counts only as the closest match
        if close not in SYNONYMS or rank == 0:
            out += [k for k in SYNONYMS.get(close, (close,)) if k in known and k not in out]
    return out[:n]


def search(query: str, titles: Mapping[str, str]) -> list[str]:
    """The keys of ``titles`` (key → title) matching a search box's text, in catalogue order.

    Every word of the query must appear in the key, the title or a synonym of the
    feature ("background removal", "upscale", "hair"); an empty query matches all.
    With no match, the `suggestions` for the whole query (typos) are returned.
    """
    words = normalize(query).split("-") if query.strip() else []
    aliases: dict[str, list[str]] = {}
    for alias, keys in SYNONYMS.items():
        for key in keys:
            aliases.setdefault(key, []).append(alias)
    hits = [
        key
        for key, title in titles.items()
        if all(w in " ".join([key, normalize(title), *aliases.get(key, [])]) for w in words)
    ]
    return hits if hits or not words else suggestions(query, titles)


__all__ = ["SYNONYMS", "normalize", "search", "suggestions"]
