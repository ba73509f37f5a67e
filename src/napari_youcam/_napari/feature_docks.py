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

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari.common import unwrap
from napari_youcam._napari.feature_widget import FAMILY_TITLES, FeatureWidget
from napari_youcam.features import FEATURES
from napari_youcam.features.synonyms import search

if TYPE_CHECKING:
    import napari.viewer

PLUGIN = "napari-youcam"
MENU_PARENT = "napari/layers/filter"
MENU_ROOT = f"{PLUGIN}.features"


class FeatureDock(FeatureWidget):
    """The generated form of exactly one feature; subclasses set `key`."""

    key: ClassVar[str] = ""

    def __init__(self, napari_viewer: napari.viewer.Viewer) -> None:
        super().__init__(napari_viewer, FEATURES[self.key].family, only=self.key)


class FeatureBrowser(QWidget):
    """Every feature in one list with a search box; opening one docks that feature's widget.

    The search (`features.synonyms.search`) matches the key, the title and the
    words people use ("background removal" finds sod, "upscale" finds enhance).
    """

    def __init__(self, napari_viewer: napari.viewer.Viewer) -> None:
        super().__init__()
        self.viewer = unwrap(napari_viewer)
        self.query = QLineEdit()
        self.query.setPlaceholderText("search: background removal, upscale, hair…")
        self.query.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setMinimumHeight(160)  # several rows even when docks share the column
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)  # long titles fit a narrow dock
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.open_btn = QPushButton("Open its dock")
        lay = QVBoxLayout(self)
        for w in (self.query, self.list, self.info, self.open_btn):
            lay.addWidget(w)
        self.query.textChanged.connect(self.refresh)
        self.query.returnPressed.connect(self.open)
        self.list.currentRowChanged.connect(lambda *_: self._show_info())
        self.list.itemActivated.connect(lambda *_: self.open())
        self.open_btn.clicked.connect(self.open)
        self.refresh()

    @property
    def keys(self) -> list[str]:
        """The feature keys listed now, top to bottom."""
        items = (self.list.item(i) for i in range(self.list.count()))
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    def refresh(self, *_: object) -> None:
        self.list.clear()
        for key in search(self.query.text(), {k: s.title for k, s in FEATURES.items()}):
            spec = FEATURES[key]
            item = QListWidgetItem(f"{spec.title} · {family_label(spec.family)}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{key}: {spec.summary}")
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self._show_info()

    def _show_info(self) -> None:
        item = self.list.currentItem()
        self.open_btn.setEnabled(item is not None)
        if item is None:
            self.info.setText("No feature matches; try another word.")
            return
        spec = FEATURES[item.data(Qt.ItemDataRole.UserRole)]
        units = spec.endpoints[0].units or "not documented"
        self.info.setText(f"{spec.summary}\nkey {spec.key} · {'/'.join(spec.apis)} · units: {units}")

    def open(self) -> FeatureDock | None:
        """Dock the selected feature's own widget (or show it again if docked)."""
        item = self.list.currentItem()
        if item is None:
            return None
        title = FEATURES[item.data(Qt.ItemDataRole.UserRole)].title
        dock, widget = self.viewer.window.add_plugin_dock_widget(PLUGIN, title)
        dock.setVisible(True)  # napari returns an existing dock as it is, even when closed
        dock.raise_()
        return widget if isinstance(widget, FeatureDock) else None


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


class DockFitzpatrickScaleAnalyzer(FeatureDock):
    key = "fitzpatrick-scale-analyzer"


class DockSkinToneAnalysis(FeatureDock):
    key = "skin-tone-analysis"


class DockHairTypeDetection(FeatureDock):
    key = "hair-type-detection"


class DockHairLengthDetection(FeatureDock):
    key = "hair-length-detection"


class DockHairDensityDetection(FeatureDock):
    key = "hair-density-detection"


class DockHairFrizzinessDetection(FeatureDock):
    key = "hair-frizziness-detection"


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


class DockAging(FeatureDock):
    key = "aging"


class DockAiSmile(FeatureDock):
    key = "ai-smile"


class DockTeethWhiten(FeatureDock):
    key = "teeth-whiten"


class DockEyeColorVto(FeatureDock):
    key = "eye-color-vto"


class DockBeardStyle(FeatureDock):
    key = "beard-style"


class DockMakeupVto(FeatureDock):
    key = "makeup-vto"


class DockLookVto(FeatureDock):
    key = "look-vto"


class DockRing(FeatureDock):
    key = "ring"


class DockBracelet(FeatureDock):
    key = "bracelet"


class DockWatch(FeatureDock):
    key = "watch"


class DockEarring(FeatureDock):
    key = "earring"


class DockNecklace(FeatureDock):
    key = "necklace"


class DockBag(FeatureDock):
    key = "bag"


class DockHat(FeatureDock):
    key = "hat"


class DockScarf(FeatureDock):
    key = "scarf"


class DockShoes(FeatureDock):
    key = "shoes"


class DockAiNail(FeatureDock):
    key = "ai-nail"


class DockNailVto(FeatureDock):
    key = "nail-vto"


class DockAbsShape(FeatureDock):
    key = "abs-shape"


class DockBodyReshape(FeatureDock):
    key = "body-reshape"


class DockBreastShape(FeatureDock):
    key = "breast-shape"


class DockVideoSr(FeatureDock):
    key = "video-sr"


class DockFaceSwapVid(FeatureDock):
    key = "face-swap-vid"


class DockVideoTrans(FeatureDock):
    key = "video-trans"


class DockImageToVideo(FeatureDock):
    key = "image-to-video"


class DockBgReplaceVid(FeatureDock):
    key = "bg-replace-vid"


class DockObjRemVid(FeatureDock):
    key = "obj-rem-vid"


# <<< gen_manifest: docks
