"""Parameter forms generated from `features.spec.Param`s.

One rule per parameter kind, so a new feature in the catalogue gets a form without
code here: enums → combo boxes, bounded numbers → sliders (documented bounds and
defaults), unbounded numbers → spin boxes, colours → a colour picker, text → line
edits, lists of choices → multi-selects, structured values → JSON line edits.

Only parameters the user touched (plus required ones) are sent; the documented
defaults are filled in by `features.with_defaults`, so the form never invents
values the service would not have used.
"""

from __future__ import annotations

import json
from typing import Any

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FloatSlider,
    FloatSpinBox,
    LineEdit,
    PushButton,
    Select,
    Slider,
    SpinBox,
    Widget,
)
from magicgui.widgets.bases import BaseValueWidget
from qtpy.QtGui import QColor
from qtpy.QtWidgets import QColorDialog

from napari_youcam.features.spec import Param
from napari_youcam.limits import JsonObject

_UNSET = "(service default)"
_SLIDER_MAX_STEPS = 1000

# What a user reads instead of the raw request name (the name stays in the tooltip).
LABELS = {
    "dst_actions": "concerns",
    "dst_duration": "duration",
    "cfg_scale": "prompt strength",
    "index": "target face",
    "face_mapping": "faces (reference → face)",
    "template_id": "template",
    "style_group_id": "style group",
    "style_ids": "styles",
    "pf_camera_kit": "camera kit",
    "miniserver_args.enable_mask_overlay": "draw masks over the photo",
    "global.skin_smooth_strength": "skin smoothing",
    "global.skin_smooth_color_intensity": "skin smoothing colour",
    "format": "result format",
    "type": "source type",
}


def user_label(p: Param) -> str:
    """The label shown for a parameter: a user-facing name where one exists."""
    return LABELS.get(p.name, p.label)


def is_plumbing(p: Param) -> bool:
    """A field the contract requires with one documented value (the features-spec
    `version` "1.0"): sent as documented by `features.with_defaults`, never asked for."""
    single = p.kind == "str" or (p.kind == "enum" and len(p.choices) == 1)
    return p.send_default and p.default is not None and single


class ColorEdit(Container[Widget]):
    """A "#RRGGBB" line edit with a button opening Qt's colour dialog."""

    def __init__(self, value: str | None = None, *, tooltip: str | None = None) -> None:
        self._edit = LineEdit(value=value or "#ffffff", label="")
        self._btn = PushButton(text="pick…")
        super().__init__(widgets=[self._edit, self._btn], layout="horizontal", labels=False, tooltip=tooltip)
        self.margins = (0, 0, 0, 0)
        self._btn.changed.connect(self._pick)
        self._edit.changed.connect(lambda v: self.changed.emit(v))
        self._swatch()

    def _swatch(self) -> None:
        self._btn.native.setStyleSheet(f"background-color: {self._edit.value};")

    def _pick(self) -> None:
        col = QColorDialog.getColor(QColor(self._edit.value), self.native, "Choose a colour")
        if col.isValid():
            self.value = col.name()

    @property
    def value(self) -> str:
        return str(self._edit.value)

    @value.setter
    def value(self, v: str) -> None:
        self._edit.value = v
        self._swatch()


class JsonEdit(LineEdit):
    """A line edit holding a JSON value (face_mapping, palettes...)."""

    def json_value(self) -> object:
        text = str(self.value).strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"{self.name}: not valid JSON ({e.msg})") from None


class IntEdit(LineEdit):
    """A whole number of any size (style group ids exceed a spin box's 32-bit range)."""

    def int_value(self) -> int | None:
        text = str(self.value).strip()
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{self.name}: {text!r} is not a whole number") from None


def _is_identifier(p: Param) -> bool:
    return p.name.endswith("_id") and p.minimum is None and p.maximum is None


def _num_default(p: Param) -> float:
    """Where a number's widget starts: the documented default, else the neutral 0 when the
    range allows it, else the nearest bound (an untouched value is not sent anyway)."""
    if isinstance(p.default, int | float):  # bool included: a 0/1 default reads as a number
        return float(p.default)
    lo = float(p.minimum) if p.minimum is not None else None
    hi = float(p.maximum) if p.maximum is not None else None
    if lo is not None and lo > 0:
        return lo
    if hi is not None and hi < 0:
        return hi
    return 0.0


#: a form field: a magicgui value widget, or the colour editor (a container with a value)
FormWidget = BaseValueWidget[Any] | ColorEdit


def widget_for(p: Param) -> FormWidget:
    """The magicgui widget for one parameter, with its documented bounds and default."""
    tip = f"{p.help} ({p.name})" if p.help else p.name
    w: FormWidget
    if p.kind == "int" and _is_identifier(p):
        w = IntEdit(value="" if p.default is None else str(p.default), tooltip=tip)
    elif p.kind == "int":
        lo = int(p.minimum) if p.minimum is not None else -(2**31)
        hi = int(p.maximum) if p.maximum is not None else 2**31 - 1
        val = int(_num_default(p))
        if p.minimum is not None and p.maximum is not None and hi - lo <= _SLIDER_MAX_STEPS:
            w = Slider(min=lo, max=hi, value=val, tooltip=tip)
        else:
            w = SpinBox(min=lo, max=hi, value=val, tooltip=tip)
    elif p.kind == "float":
        flo = float(p.minimum) if p.minimum is not None else -1e9
        fhi = float(p.maximum) if p.maximum is not None else 1e9
        fval = _num_default(p)
        if p.minimum is not None and p.maximum is not None:
            step = (fhi - flo) / 100 if fhi > flo else 0.01
            w = FloatSlider(min=flo, max=fhi, value=fval, step=step, tooltip=tip)
        else:
            w = FloatSpinBox(min=flo, max=fhi, value=fval, step=0.1, tooltip=tip)
    elif p.kind == "bool":
        # the text is given when the box is built: a label set afterwards is never drawn
        w = CheckBox(value=bool(p.default), text=user_label(p), tooltip=tip)
    elif p.kind == "enum":
        choices = list(p.choices)
        if not p.required and p.default is None:
            choices = [_UNSET, *choices]
        value = p.default if p.default in p.choices else choices[0]
        w = ComboBox(choices=choices, value=value, tooltip=tip)
    elif p.kind == "enum_list":
        start = p.default if isinstance(p.default, list | tuple) else p.suggested
        default = [v for v in start if v in p.choices]
        w = Select(choices=list(p.choices), value=default, tooltip=tip)
        w.native.setMaximumHeight(110)
    elif p.kind == "color":
        w = ColorEdit(value=p.default if isinstance(p.default, str) else None, tooltip=tip)
    elif p.kind == "json":
        w = JsonEdit(value="" if p.default is None else json.dumps(p.default), tooltip=tip)
    else:  # "str" and anything new: free text
        w = LineEdit(value="" if p.default is None else str(p.default), tooltip=tip)
        if p.max_length:
            w.native.setMaxLength(int(p.max_length))
    w.name = p.name.replace(".", "__")
    w.label = user_label(p) + (" *" if p.required else "")
    if isinstance(w, CheckBox):
        w.text = w.label
    return w


class ParamForm(Container[Widget]):
    """The generated form for one endpoint; `values()` is what gets sent."""

    def __init__(self, params: tuple[Param, ...] | list[Param]) -> None:
        super().__init__(labels=True)
        self.params = {p.name: p for p in params}
        self.touched: set[str] = set()
        self.by_param: dict[str, FormWidget] = {}
        for p in params:
            if is_plumbing(p):
                continue
            w = widget_for(p)
            self.by_param[p.name] = w
            w.changed.connect(lambda *_a, _n=p.name: self.touched.add(_n))
            self.append(w)

    def set(self, name: str, value: object) -> None:
        """Set a parameter from a hand-made panel (face index, template id...)."""
        w = self.by_param[name]
        if isinstance(w, JsonEdit) and not isinstance(value, str):
            value = json.dumps(value)
        elif isinstance(w, (IntEdit, ColorEdit)):
            value = str(value)  # what their line edits hold
        w.value = value
        self.touched.add(name)

    def apply(self, params: JsonObject) -> None:
        """Set remembered or preset parameters; unknown names and unfit values are skipped."""
        for name, value in params.items():
            if name not in self.by_param:
                continue
            try:
                self.set(name, value)
            except (ValueError, TypeError):  # a stale preset (choices changed): keep the default
                continue

    def values(self) -> JsonObject:
        """Touched and required parameters, flat dotted names (raises ValueError on bad JSON)."""
        out: JsonObject = {}
        for name, p in self.params.items():
            if (name not in self.touched and not p.required) or name not in self.by_param:
                continue
            w = self.by_param[name]
            v: object
            if isinstance(w, JsonEdit):
                v = w.json_value()
            elif isinstance(w, IntEdit):
                v = w.int_value()
            elif p.kind == "enum_list":
                v = list(w.value)
            else:
                v = w.value
            if v is None or v == _UNSET or (p.kind in ("str", "color") and v == ""):
                continue
            out[name] = v
        return out
