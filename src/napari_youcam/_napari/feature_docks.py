"""One dock widget per catalogue feature (issue 10 §2).

napari opens a manifest widget by instantiating what its ``python_name`` names,
and passes the viewer only to a widget *class* whose ``__init__`` takes
``napari_viewer`` (a plain factory function would get no viewer). So each feature
has one small class below, all from the same template: a `FeatureDock` with the
feature's ``key``. The classes between the ``gen_manifest`` markers, and the
widget, command and menu entries of ``napari.yaml``, are written by
``scripts/gen_manifest.py`` from the catalogue; run it after adding a feature
(``tests/test_napari_feature_docks.py`` fails until then).

In napari's menus the docks are grouped by family under Layers ▸ Filter ▸ YouCam AI
(the Layers groups are the menus plugins may add to; the Plugins menu lists every
widget of a plugin flat and takes no plugin submenus).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from napari_youcam._napari.feature_widget import FAMILY_TITLES, FeatureWidget

if TYPE_CHECKING:
    import napari.viewer

PLUGIN = "napari-youcam"
MENU_PARENT = "napari/layers/filter"
MENU_ROOT = f"{PLUGIN}.features"


class FeatureDock(FeatureWidget):
    """The generated form of exactly one feature; subclasses set `key`."""

    key: ClassVar[str] = ""

    def __init__(self, napari_viewer: "napari.viewer.Viewer") -> None:
        from napari_youcam.features import FEATURES

        super().__init__(napari_viewer, FEATURES[self.key].family, only=self.key)


def _words(key: str) -> list[str]:
    return [w for w in re.split(r"[^A-Za-z0-9]+", key) if w]


def class_name(key: str) -> str:
    """``face-lift`` → ``DockFaceLift``; ``2d-vto/ring`` → ``Dock2dVtoRing``."""
    return "Dock" + "".join(w[:1].upper() + w[1:] for w in _words(key))


def command_id(key: str) -> str:
    """The manifest command of a feature's dock: ``napari-youcam.feature_face_lift``."""
    return f"{PLUGIN}.feature_" + "_".join(w.lower() for w in _words(key))


def family_menu(family: str) -> str:
    """The submenu id of a family under Layers ▸ Filter ▸ YouCam AI."""
    return f"{MENU_ROOT}.{family}"


def family_label(family: str) -> str:
    return FAMILY_TITLES.get(family, family.replace("-", " ").capitalize())


# >>> gen_manifest: docks (written by scripts/gen_manifest.py; do not edit by hand)
class DockFaceLift(FeatureDock):
    key = "face-lift"


class DockFaceReshape(FeatureDock):
    key = "face-reshape"


class DockFaceAttrAnalysis(FeatureDock):
    key = "face-attr-analysis"


class DockSkinSimulation(FeatureDock):
    key = "skin-simulation"


class DockSkinAnalysis(FeatureDock):
    key = "skin-analysis"


class DockGenerativeFill(FeatureDock):
    key = "generative-fill"


class DockObjRemoval(FeatureDock):
    key = "obj-removal"


class DockObjReplace(FeatureDock):
    key = "obj-replace"


class DockOutPaint(FeatureDock):
    key = "out-paint"


class DockEnhance(FeatureDock):
    key = "enhance"


class DockLighting(FeatureDock):
    key = "lighting"


class DockColorize(FeatureDock):
    key = "colorize"


class DockColorCorrect(FeatureDock):
    key = "color-correct"


class DockSod(FeatureDock):
    key = "sod"


class DockBgBlur(FeatureDock):
    key = "bg-blur"


class DockBgReplace(FeatureDock):
    key = "bg-replace"


class DockTextToImage(FeatureDock):
    key = "text-to-image"


class DockHeadshot(FeatureDock):
    key = "headshot"


class DockAiAvatar(FeatureDock):
    key = "ai-avatar"


class DockAiStudio(FeatureDock):
    key = "ai-studio"


class DockMuTransfer(FeatureDock):
    key = "mu-transfer"


class DockFaceSwap(FeatureDock):
    key = "face-swap"


class DockHairColor(FeatureDock):
    key = "hair-color"


class DockHairStyle(FeatureDock):
    key = "hair-style"


class DockHairExt(FeatureDock):
    key = "hair-ext"


class DockHairBang(FeatureDock):
    key = "hair-bang"


class DockHairVol(FeatureDock):
    key = "hair-vol"


class DockHairCurl(FeatureDock):
    key = "hair-curl"


class DockCloth(FeatureDock):
    key = "cloth"


class DockFabric(FeatureDock):
    key = "fabric"


class DockVideoSr(FeatureDock):
    key = "video-sr"


class DockFaceSwapVid(FeatureDock):
    key = "face-swap-vid"


class DockVideoTrans(FeatureDock):
    key = "video-trans"


class DockImageToVideo(FeatureDock):
    key = "image-to-video"
# <<< gen_manifest: docks
