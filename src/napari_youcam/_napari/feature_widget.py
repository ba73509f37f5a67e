"""One generated dock widget per feature family.

The widget is built from the catalogue (`features.FEATURES`): a feature picker, the
API generation / variant, magicgui layer pickers for the endpoint's inputs, the
parameter form (`forms.ParamForm`), the limits and what will happen to the image,
the documented unit cost and the balance, then Run / progress / Cancel. Face
picking and template browsing are embedded where the endpoint has a pre-process or
template list. Nothing here knows a particular feature: adding one to the
catalogue adds it to its family widget.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Optional, TypedDict

import napari.layers
import numpy as np
from magicgui.types import FileDialogMode
from magicgui.widgets import ComboBox, Container, FileEdit, LineEdit, ListEdit, PushButton
from qtpy.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari import session
from napari_youcam._napari.attr_view import AttributesView, CohortTable
from napari_youcam._napari.batch_panel import BatchPanel
from napari_youcam._napari.common import (
    frame_meta,
    geometry,
    image_hw,
    mask_for,
    plane,
    short_title,
    show_warning,
)
from napari_youcam._napari.face_check_note import FaceCheckNote
from napari_youcam._napari.face_picker import FacePicker
from napari_youcam._napari.forms import ParamForm
from napari_youcam._napari.jobs import ProgressFn
from napari_youcam._napari.layer_types import LayerTuple
from napari_youcam._napari.panel_base import (
    PlanInput,
    ServicePanel,
    cost_of,
    fit_narrow,
    layer_picker,
    send,
    units_text,
)
from napari_youcam._napari.results import Prepared, prepare_result, show_prepared
from napari_youcam._napari.templates_panel import TemplatesPanel
from napari_youcam._napari.video import video_layer_data
from napari_youcam.errors import InputError
from napari_youcam.features import FEATURES, limits_for, with_defaults
from napari_youcam.imaging.fit import fit_size
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.inputs import ImageSource

if TYPE_CHECKING:
    import napari
    from napari.layers import Image, Layer
    from napari.qt.threading import WorkerBase

    from napari_youcam.features.spec import Endpoint, FeatureSpec, Limits

FAMILY_TITLES = {
    "face": "Face",
    "retouch": "Retouch",
    "background": "Background",
    "generate": "Generate",
    "style": "Style",
    "hair": "Hair",
    "fashion": "Fashion",
    "video": "Video",
    "analysis": "Analysis",
    "beauty": "Beauty",
    "try-on": "Try-on",
    "body": "Body",
}


def plan_text(w: int, h: int, limits: Limits) -> tuple[str, bool]:
    """What will happen to a w×h image (from `imaging`'s fit), and whether it can be sent."""
    fmt = "JPEG" if limits.jpeg_only else "PNG or JPEG"
    try:
        ow, oh, _s = fit_size(w, h, limits)
    except InputError as e:
        return f"{w}×{h}: cannot be sent — {e}", False
    if (ow, oh) == (w, h):
        return f"will be sent as is: {w}×{h}, {fmt}", True
    return f"will be resized {w}×{h} → {ow}×{oh}, {fmt} (result mapped back to {w}×{h})", True


class RunInputs(TypedDict):
    """What `FeatureWidget.collect` read from the pickers and the form for one run."""

    source: PlanInput  # the plane on screen, or the video file
    mask: ImageSource | None
    refs: list[np.ndarray]
    params: JsonObject  # the form's values with the documented defaults
    src_layer: Image | None
    provenance: JsonObject  # {"frame": [...], "mask_frame": [...]} for planes of a stack
    missing: list[str]  # empty picks and bad form values, in the panel's words


class FeatureWidget(ServicePanel):
    """Generated form for every feature of one family."""

    def __init__(self, napari_viewer: napari.Viewer, family: str, only: str | None = None) -> None:
        super().__init__(napari_viewer)
        self.family = family
        self.specs: dict[str, FeatureSpec] = {
            k: s for k, s in FEATURES.items() if s.family == family and only in (None, k)
        }
        self.results: list[Layer] = []  # layers added by the last finished job
        self.video_layer: Layer | None = None  # the source video, once shown
        self.form: ParamForm | None = None
        self.uses: dict[str, bool] = {}  # which pickers the endpoint takes (see `_on_endpoint`)
        self._build_head(only)
        self._build_pickers()
        self._build_presets()
        self._build_info()
        # the form scrolls (face reshape has 30+ sliders); Run / Cancel / status stay visible
        self.job.guard(self.run_btn)
        self.batch = BatchPanel(self)  # "Run on every frame / every selected layer"
        self.job.guard(self.batch)  # the container: each button keeps its own enabled state
        self.arrange(
            [
                self.banner,
                self.head,
                self.summary,
                self.pickers,
                self.video_btn,
                self.presets_box,
                self.form_holder,
                self.face_picker,
                self.templates,
                self.limits_label,
                self.cost_label,
                self.face_note,
                self.attributes,
                self.cohort,
            ],
            [self.problems, self.run_btn, self.batch, self.job],
        )
        self._connect()
        self.reset_choices()
        self._on_feature()
        self.refresh_status()

    def _build_head(self, only: str | None) -> None:
        """Feature, API generation and variant, and the feature's one-line summary."""
        self.feature = ComboBox(label="feature", choices=[(s.title, k) for k, s in self.specs.items()])
        self.feature.enabled = only is None  # a single-feature dock (feature_docks) shows its title
        self.api = ComboBox(label="API", choices=["v2"])
        self.variant = ComboBox(label="variant", choices=["default"])
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.head = Container(widgets=[self.feature, self.api, self.variant])

    def _build_pickers(self) -> None:
        """The endpoint's inputs (magicgui + napari's layer types) and the parameter form's holder."""
        self.src = layer_picker(napari.layers.Image, "source image", ComboBox)
        # magicgui reads these annotations at runtime and knows typing.Optional
        self.mask_picker = layer_picker(Optional[napari.layers.Labels], "mask (Labels)", ComboBox)  # noqa: UP045
        self.ref = layer_picker(Optional[napari.layers.Image], "reference image", ComboBox)  # noqa: UP045
        self.refs = layer_picker(list[napari.layers.Image], "reference images", ListEdit)
        self.refs.native.setMaximumHeight(90)
        self.video = FileEdit(label="source video", mode=FileDialogMode.EXISTING_FILE, filter="*.mp4 *.mov *.avi")
        self.video_btn = QPushButton("Show the source video in the viewer")
        self.video_btn.clicked.connect(self.show_video)
        self.pickers = Container(widgets=[self.src, self.video, self.mask_picker, self.ref, self.refs])
        self.form_holder = QWidget()
        self._form_layout = QVBoxLayout(self.form_holder)
        self._form_layout.setContentsMargins(0, 0, 0, 0)

    def _build_presets(self) -> None:
        """Named parameter sets per feature (the last run's parameters come back on their own)."""
        self.preset = ComboBox(label="preset", choices=[])
        self.preset_name = LineEdit(label="save as")
        self.preset_save = PushButton(text="Save preset")
        self.preset_save.changed.connect(lambda *_: self.save_preset(str(self.preset_name.value)))
        self.preset.changed.connect(lambda *_: self.apply_preset(self.preset.value))
        self.presets_box = Container(widgets=[self.preset, self.preset_name, self.preset_save])

    def _build_info(self) -> None:
        """Embedded face picker and templates, limits, cost, the face check, Run and the JSON table."""
        self.face_picker = FacePicker(self)
        self.templates = TemplatesPanel(self)
        self.limits_label = QLabel("")
        self.limits_label.setWordWrap(True)
        self.cost_label = QLabel("")
        self.cost_label.setWordWrap(True)
        self.face_note = FaceCheckNote(self.viewer, on_crop=self._use_source)
        self.run_btn = QPushButton("Run")
        self.run_btn.clicked.connect(self.run)
        self.attributes = AttributesView()  # JSON results (face attribute analysis)
        self.cohort = CohortTable()  # a batch's summary table (skin scores, analyzer attributes)

    def _connect(self) -> None:
        self.feature.changed.connect(self._on_feature)
        self.api.changed.connect(self._on_api)
        self.variant.changed.connect(lambda *_: self._on_endpoint())
        self.src.changed.connect(lambda *_: self._on_source())
        self.mask_picker.changed.connect(lambda *_: self._update_info())
        self.refs.changed.connect(lambda *_: self.face_picker.refs_changed())
        session.events.changed.connect(self.refresh_status)

    # ------------------------------------------------------------------ napari hooks
    def reset_choices(self, *_: object) -> None:
        """Called by napari when layers change; keeps every layer combo in sync."""
        self.pickers.reset_choices()
        self._update_info()
        self.batch.refresh()

    # ------------------------------------------------------------------ selection
    @property
    def spec(self) -> FeatureSpec:
        return self.specs[self.feature.value]

    @property
    def endpoint(self) -> Endpoint:
        return self.spec.endpoint(self.api.value, self.variant.value)

    def select(self, key: str, *, api: str | None = None, variant: str | None = None) -> None:
        """Choose a feature programmatically (menus, tests, the demo)."""
        self.feature.value = key
        if api:
            self.api.value = api
        if variant:
            self.variant.value = variant

    def _preferred_api(self) -> str:
        apis = list(self.spec.apis)
        want = self.status.api if self.status and self.status.api in apis else None
        return want or ("v2" if "v2" in apis else apis[0])

    def _on_feature(self, *_: object) -> None:
        spec = self.spec
        self.api.choices = list(spec.apis)
        self.api.value = self._preferred_api()
        self.summary.setText(spec.summary)
        self._on_api()

    def _on_api(self, *_: object) -> None:
        self.variant.choices = list(self.spec.variants(self.api.value))
        self.variant.visible = len(self.variant.choices) > 1
        self._on_endpoint()

    def _on_endpoint(self) -> None:
        ep = self.endpoint
        roles = {i.role: i for i in ep.inputs}
        src_in = roles.get("src") or roles.get("srcs")
        is_video = src_in is not None and src_in.kind == "video"
        # which pickers apply (kept apart from .visible, which is False while docked hidden)
        self.uses = {
            "src": src_in is not None and not is_video,
            "video": is_video,
            "mask": "mask" in roles,
            "ref": "ref" in roles and roles["ref"].kind != "video",
            "refs": "refs" in roles,
        }
        pickers = {"src": self.src, "video": self.video, "mask": self.mask_picker, "ref": self.ref, "refs": self.refs}
        for name, on in self.uses.items():
            pickers[name].visible = on
        self.video_btn.setVisible(is_video)
        if self.form is not None:
            self._form_layout.removeWidget(self.form.native)
            self.form.native.setParent(None)
        self.form = ParamForm(ep.params)
        self.form.apply(self.prefs.last_params(self.spec.key))  # where the user left it last time
        self.form.changed.connect(lambda *_: self._update_info())
        self._form_layout.addWidget(self.form.native)
        fit_narrow(self.form.native)  # a new form: its combo boxes too must fit a narrow dock
        self._load_presets()
        self.face_picker.setVisible(bool(ep.preprocess_path))
        self.face_picker.reset()
        self.templates.set_endpoint(self.spec.key, ep)
        self._update_info()
        self.batch.refresh()

    # ------------------------------------------------------------------ info
    def _update_info(self) -> None:
        if self.form is None:
            return
        ep = self.endpoint
        try:
            limits = limits_for(ep, self.form.values())
        except Exception:  # noqa: BLE001 - a half-filled form: show the endpoint's general limits
            limits = ep.limits
        lines = [f"<b>limits</b>: {html.escape(limits.describe())}"]
        layer = self.src.value if self.uses.get("src") else None
        if layer is not None:
            h, w = image_hw(layer)
            text, ok = plan_text(w, h, limits)
            lines.append(("" if ok else "⚠ ") + html.escape(text))
        self.limits_label.setText("<br>".join(lines))
        self.problems.setText("")  # an input changed: the last refusal no longer applies
        self.face_note.check(layer, self.spec.key)
        self._update_cost()

    def _use_source(self, layer: Image) -> None:
        """Make `layer` (e.g. the suggested face crop) the source of the next run."""
        self.pickers.reset_choices()
        self.src.value = layer

    def _update_cost(self) -> None:
        ep = self.endpoint
        try:
            params = self.form.values() if self.form else {}
        except ValueError:
            params = {}
        cost = cost_of(ep, params)
        self.show_cost(self.run_btn, cost)
        self.cost_label.setText(
            f"<b>cost</b>: {html.escape(units_text(cost))} (documented: {html.escape(ep.units or '—')}) · "
            f"{self.balance_text()}"
        )

    def _on_source(self) -> None:
        """A new source: its painted mask becomes the mask, and stale errors go."""
        src = self.src.value
        if self.uses.get("mask") and src is not None:
            painted = mask_for(self.viewer, src)
            if painted is not None:
                self.mask_picker.value = painted
        self._update_info()

    # ------------------------------------------------------------------ presets
    def _load_presets(self) -> None:
        names = list(self.prefs.presets(self.spec.key))
        with self.preset.changed.blocked():
            self.preset.choices = ["(none)", *names]
            self.preset.value = "(none)"

    def save_preset(self, name: str) -> None:
        """Keep the form's current parameters under `name` for this feature."""
        try:
            self.prefs.save_preset(self.spec.key, name, self.form.values() if self.form else {})
        except ValueError as e:
            self.problems.setText(f"Preset not saved. Change: {e}")
            return
        self._load_presets()
        with self.preset.changed.blocked():
            self.preset.value = name.strip()

    def apply_preset(self, name: str | None) -> None:
        got = self.prefs.presets(self.spec.key).get(str(name)) if name else None
        if got is not None and self.form is not None:
            self.form.apply(got)

    def status_changed(self) -> None:
        self._update_cost()

    # ------------------------------------------------------------------ run
    def collect(self) -> RunInputs:
        """What the pickers and the form hold for `workflow.run`; empty picks listed in ``missing``."""
        ep = self.endpoint
        job = RunInputs(source=None, mask=None, refs=[], params={}, src_layer=None, provenance={}, missing=[])
        try:
            job["params"] = with_defaults(ep, self.form.values() if self.form else {})
        except ValueError as e:
            job["missing"].append(str(e))
        roles = {i.role: i for i in ep.inputs}
        if self.uses.get("video"):
            path = Path(str(self.video.value))
            if not path.is_file():
                job["missing"].append("source video: choose a video file")
            job["source"] = path
        elif self.uses.get("src"):
            self._collect_source(job)
        if self.uses.get("mask"):
            mlayer = self.mask_picker.value
            if mlayer is None and roles["mask"].required:
                job["missing"].append("mask: paint a mask (Mask painting panel) and pick its Labels layer")
            elif mlayer is not None:
                job["mask"] = plane(mlayer, self.viewer)  # the mask plane on screen, like the source
                mframe = frame_meta(mlayer, self.viewer).get("frame")
                if mframe:
                    job["provenance"]["mask_frame"] = mframe
        if self.uses.get("ref") and self.ref.value is not None:
            job["refs"] = [plane(self.ref.value, self.viewer)]
        elif self.uses.get("ref") and roles["ref"].required:
            job["missing"].append("reference image: open one and pick it")
        if self.uses.get("refs"):
            job["refs"] = [plane(lay, self.viewer) for lay in self.refs.value or []]
        return job

    def _collect_source(self, job: RunInputs) -> None:
        src_layer = self.src.value
        if src_layer is None:
            job["missing"].append("source image: open an image (File ▸ Open) and pick it here")
            return
        job["source"] = plane(src_layer, self.viewer)
        job["src_layer"] = src_layer
        job["provenance"].update(frame_meta(src_layer, self.viewer))

    def run(self) -> WorkerBase | None:
        """Plan locally (`plan_or_refuse`: nothing is sent when it fails), then start the job on a worker."""
        spec, ep = self.spec, self.endpoint
        job = self.collect()
        plan = self.plan_or_refuse(
            spec.title,
            spec.key,
            job["source"],
            mask=job["mask"],
            refs=job["refs"],
            params=job["params"],
            api=ep.api,
            variant=ep.variant,
            missing=job["missing"],
        )
        if plan is None:
            return None
        src_layer = job["src_layer"]
        source_meta = {
            "layer": src_layer,
            "name": src_layer.name if src_layer is not None else Path(str(job["source"])).stem,
            "geom": geometry(src_layer),
            "provenance": job["provenance"],
        }
        title = short_title(spec.title)  # layers read "astronaut · face lift"
        chosen = self.form.values() if self.form else {}

        def work(again: bool, progress: ProgressFn, cancel: threading.Event) -> Prepared:
            res = send(plan, again, progress, cancel)
            # layer data, decoded video frames, table rows: built here, not on the Qt thread
            return prepare_result(res, source_meta, title=title)

        return self.start_job(
            work,
            lambda prepared: self._on_result(prepared, source_meta),
            label=spec.title,
            cost=plan.unit_cost,
            on_start=lambda: self.prefs.remember(spec.key, chosen),
        )  # the next session starts here

    def _on_result(self, prepared: Prepared, source: JsonObject) -> None:
        self.results = show_prepared(self.viewer, prepared, source)
        if prepared.attributes is not None:
            res = prepared.result
            files = prepared.files
            tag = " (SANDBOX, synthetic)" if res.sandbox else ""
            self.attributes.show_result(
                res.data,
                title=f"{source.get('name')} · {prepared.title}{tag}",
                file=files[-1] if files else None,
                rows=prepared.attributes,
            )
        faces = self.face_picker.layer
        if faces is not None and faces in self.viewer.layers:  # keep the face boxes visible on top
            self.viewer.layers.move(self.viewer.layers.index(faces), len(self.viewer.layers))

    def show_video(self) -> WorkerBase | None:
        """Decode the chosen source video on a worker and add it as a time series."""
        path = Path(str(self.video.value))
        if not path.is_file():
            show_warning("Choose a video file first.")
            return None

        def fn(progress: ProgressFn, cancel: threading.Event) -> LayerTuple:
            progress("preparing", 0.0)
            return video_layer_data(path)

        def done(layer_data: LayerTuple) -> None:
            data, kw, kind = layer_data
            self.video_layer = getattr(self.viewer, f"add_{kind}")(data, **kw)

        return self.job.start(fn, done, label="Open video")


class FamilyWidget(FeatureWidget):
    """Every feature of one family; napari instantiates a widget class with the viewer."""

    family_key: ClassVar[str] = ""

    def __init__(self, napari_viewer: napari.viewer.Viewer) -> None:
        super().__init__(napari_viewer, self.family_key)


class FaceWidget(FamilyWidget):
    """The face family dock widget."""

    family_key = "face"


class RetouchWidget(FamilyWidget):
    """The retouch family dock widget."""

    family_key = "retouch"


class BackgroundWidget(FamilyWidget):
    """The background family dock widget."""

    family_key = "background"


class GenerateWidget(FamilyWidget):
    """The generate family dock widget."""

    family_key = "generate"


class StyleWidget(FamilyWidget):
    """The style family dock widget."""

    family_key = "style"


class HairWidget(FamilyWidget):
    """The hair family dock widget."""

    family_key = "hair"


class FashionWidget(FamilyWidget):
    """The fashion family dock widget."""

    family_key = "fashion"


class VideoWidget(FamilyWidget):
    """The video family dock widget."""

    family_key = "video"


class AnalysisWidget(FamilyWidget):
    """The analysis family dock widget."""

    family_key = "analysis"


class BeautyWidget(FamilyWidget):
    """The beauty family dock widget."""

    family_key = "beauty"


class TryOnWidget(FamilyWidget):
    """The try-on family dock widget."""

    family_key = "try-on"


class BodyWidget(FamilyWidget):
    """The body family dock widget."""

    family_key = "body"


# the names napari.yaml points at
face_widget = FaceWidget
retouch_widget = RetouchWidget
background_widget = BackgroundWidget
generate_widget = GenerateWidget
style_widget = StyleWidget
hair_widget = HairWidget
fashion_widget = FashionWidget
video_widget = VideoWidget
analysis_widget = AnalysisWidget
beauty_widget = BeautyWidget
tryon_widget = TryOnWidget
body_widget = BodyWidget

__all__ = ["FamilyWidget", "FeatureWidget", "plan_text"]
