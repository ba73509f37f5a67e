"""The ordered catalogue: every feature spec, keyed by the service slug.

Insertion order is the menu order (family by family, as in docs/INTERFACES.md).
Each family module holds its own specs; this module only assembles them, so a
new feature is added in exactly one family module.
"""

from __future__ import annotations

from .analysis import ANALYSIS
from .background import BACKGROUND
from .body_shape import BODY
from .face import FACE
from .face_effects import BEAUTY
from .fashion import FASHION
from .generate import GENERATE
from .hair import HAIR
from .retouch import RETOUCH
from .spec import FeatureSpec
from .style import STYLE
from .tryon import TRYON
from .video import VIDEO
from .video_edit import VIDEO_EDIT

FAMILIES: dict[str, tuple[FeatureSpec, ...]] = {
    "face": FACE,
    "analysis": ANALYSIS,
    "retouch": RETOUCH,
    "background": BACKGROUND,
    "generate": GENERATE,
    "style": STYLE,
    "hair": HAIR,
    "fashion": FASHION,
    "beauty": BEAUTY,
    "try-on": TRYON,
    "body": BODY,
    "video": VIDEO + VIDEO_EDIT,
}

FEATURES: dict[str, FeatureSpec] = {spec.key: spec for family in FAMILIES.values() for spec in family}
