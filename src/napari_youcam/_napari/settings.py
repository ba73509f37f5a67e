"""Settings: credentials, base URL, results folder, and the local-sandbox switch.

Stored in the same file `connect.default_client()` reads
(`api.credentials.config_path()`, `~/.config/napari-youcam/config.json`), written
by `api.credentials.save_config` with mode 0600. Environment variables win over
the file, and the panel says so. Secrets are never shown again once saved: the
fields are emptied and only the last four characters are hinted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from magicgui.types import FileDialogMode
from magicgui.widgets import CheckBox, Container, FileEdit, FloatSpinBox, LineEdit, Password, RadioButtons
from qtpy.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QWidget

from napari_youcam._napari import session
from napari_youcam._napari.common import show_info, show_warning
from napari_youcam._napari.panel_base import arrange
from napari_youcam._napari.prefs import Prefs
from napari_youcam.api.credentials import config_path, load_config, save_config
from napari_youcam.connect import find_credentials, sandbox_client
from napari_youcam.errors import InputError
from napari_youcam.limits import JsonObject
from napari_youcam.workflow import default_results_dir

if TYPE_CHECKING:
    import napari

SANDBOX_TEXT = (
    "Local sandbox: a stand-in server on this computer. Free, no account needed, and every "
    "result is SYNTHETIC (stamped 'SANDBOX') — use it to try the flow, not for real work."
)


def hint(secret: str | None) -> str:
    """What may be shown of a saved secret: its kind and last four characters."""
    if not secret:
        return "not set"
    return f"saved (…{secret[-4:]})" if len(secret) >= 12 else "saved"


class SettingsPanel(QWidget):
    """Credentials and options, saved to the user config file (0600)."""

    def __init__(self, napari_viewer: napari.Viewer | None = None) -> None:
        super().__init__()
        self.viewer = napari_viewer
        self.generation = RadioButtons(
            label="API",
            choices=[("v2: API key", "v2"), ("v1: client id + secret", "v1")],
            orientation="vertical",
        )
        self.generation.value = "v2"
        self.api_key = Password(label="API key")
        self.client_id = LineEdit(label="client id")
        self.secret_label = QLabel("client secret (RSA public key)")
        self.client_secret = QPlainTextEdit()
        self.client_secret.setMaximumHeight(70)
        self.base_url = LineEdit(label="base URL", tooltip="leave empty for the documented host")
        self.results_dir = FileEdit(label="results folder", mode=FileDialogMode.EXISTING_DIRECTORY)
        self.sandbox = CheckBox(text="Use local sandbox (free, synthetic results)")
        self.confirm_above = FloatSpinBox(
            label="above (units)", min=0, max=100000, step=1, tooltip="0 = always ask; untick below to never ask"
        )
        self.confirm_on = CheckBox(text="ask before costly runs", value=False)
        self.form = Container(widgets=[self.generation, self.api_key, self.client_id])
        self.form2 = Container(
            widgets=[self.base_url, self.results_dir, self.sandbox, self.confirm_on, self.confirm_above]
        )
        self.env_note = QLabel("")
        self.env_note.setWordWrap(True)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        self.sandbox_note = QLabel(SANDBOX_TEXT)
        self.sandbox_note.setWordWrap(True)
        self.sandbox_note.setStyleSheet("color: #ffd54f;")
        self.save_btn = QPushButton("Save")
        self.save_btn.clicked.connect(self.save)
        self.forget_btn = QPushButton("Forget saved credentials")
        self.forget_btn.clicked.connect(self.forget)
        self.scroll_area = arrange(
            self,
            [
                self.env_note,
                self.form,
                self.secret_label,
                self.client_secret,
                self.form2,
                self.sandbox_note,
                self.forget_btn,
            ],
            [self.state, self.save_btn],
        )
        self.generation.changed.connect(self._on_generation)
        self.sandbox.changed.connect(self._on_sandbox)
        self.load()

    # ------------------------------------------------------------------ state
    def _config(self) -> JsonObject:
        return load_config()

    def has_credentials(self) -> bool:
        """Whether credentials are configured; a malformed saved key counts as configured
        (it must be fixed, not silently replaced by the sandbox) and is reported."""
        try:
            return find_credentials() is not None
        except InputError as exc:
            show_warning(f"YouCam settings: {exc}")
            return True

    def load(self) -> None:
        """Show what is configured (never the secrets themselves)."""
        cfg = self._config()
        env = [
            k
            for k in (
                "YOUCAM_API_KEY",
                "YOUCAM_CLIENT_ID",
                "YOUCAM_CLIENT_SECRET",
                "YOUCAM_BASE_URL",
                "YOUCAM_RESULTS_DIR",
            )
            if os.environ.get(k)
        ]
        self.env_note.setText(
            f"Set in the environment (wins over this file): {', '.join(env)}."
            if env
            else f"Stored in {config_path()} (mode 0600)."
        )
        self.generation.value = "v1" if cfg.get("client_id") and not cfg.get("api_key") else "v2"
        self.api_key.value = ""
        self.client_secret.setPlainText("")
        self.api_key.native.setPlaceholderText(hint(cfg.get("api_key")))
        self.client_secret.setPlaceholderText(hint(cfg.get("client_secret")))
        self.client_id.value = cfg.get("client_id", "")
        self.base_url.value = cfg.get("base_url", "")
        self._show_results_dir(cfg)
        threshold = Prefs.load().confirm_above
        self.confirm_on.value = threshold is not None
        self.confirm_above.value = threshold if threshold is not None else 10
        has = self.has_credentials()
        with self.sandbox.changed.blocked():  # showing the state must not switch clients
            self.sandbox.value = not has or session.uses_sandbox()
        self._on_generation()
        self.state.setText(
            "Credentials found: jobs use the YouCam service."
            if has and not self.sandbox.value
            else "No credentials: jobs run on the LOCAL SANDBOX and results are SYNTHETIC."
            if not has
            else "Local sandbox chosen: results are SYNTHETIC."
        )

    def _show_results_dir(self, cfg: JsonObject) -> None:
        """The folder results really go to: the environment's (locked here), the saved one, or
        the default — never an empty field."""
        env = os.environ.get("YOUCAM_RESULTS_DIR")
        self.results_dir.value = Path(env or cfg.get("results_dir") or default_results_dir())
        self.results_dir.enabled = not env
        self.results_dir.tooltip = (
            "set by YOUCAM_RESULTS_DIR in the environment; unset it to choose here"
            if env
            else "where every job's files and record are saved"
        )

    def _on_generation(self, *_: object) -> None:
        v1 = self.generation.value == "v1"
        self.api_key.visible = not v1
        self.client_id.visible = v1
        self.secret_label.setVisible(v1)
        self.client_secret.setVisible(v1)

    # ------------------------------------------------------------------ actions
    def values(self) -> JsonObject:
        """The config to save: typed values, else the saved ones (an empty field keeps a secret)."""
        cfg = self._config()
        out = dict(cfg)
        if self.generation.value == "v2":
            if self.api_key.value:
                out["api_key"] = str(self.api_key.value).strip()
        else:
            out["client_id"] = str(self.client_id.value).strip()
            sec = self.client_secret.toPlainText().strip()
            if sec:
                out["client_secret"] = sec
        out["base_url"] = str(self.base_url.value).strip()
        if not os.environ.get("YOUCAM_RESULTS_DIR"):  # the environment's folder is not saved
            rd = str(self.results_dir.value or "").strip()
            shown_default = not cfg.get("results_dir") and rd == str(default_results_dir())
            out["results_dir"] = "" if rd in ("", ".") or shown_default else rd
        return out

    def save(self) -> Path:
        path = save_config(self.values())
        Prefs.load().confirm_above = float(self.confirm_above.value) if self.confirm_on.value else None
        session.reset_client()
        self.load()
        show_info(f"YouCam settings saved to {path} (readable only by you).")
        return path

    def forget(self) -> None:
        cfg = self._config()
        for k in ("api_key", "client_id", "client_secret"):
            cfg.pop(k, None)
        save_config(cfg)
        session.reset_client()
        self.load()
        show_info("Saved YouCam credentials removed.")

    def _on_sandbox(self, on: bool) -> None:
        if on:
            if not session.uses_sandbox():
                session.set_client(sandbox_client())
            self.state.setText("Local sandbox chosen: results are SYNTHETIC.")
        else:
            if not self.has_credentials():
                self.state.setText("No credentials saved: add a key and Save, or keep the sandbox.")
                self.sandbox.value = True
                return
            session.reset_client()
            self.state.setText("Credentials found: jobs use the YouCam service.")
