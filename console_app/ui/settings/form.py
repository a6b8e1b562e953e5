"""The form of one profile: every field of `core.settings.Profile` a person sets, with an error
line under each field. A view only: ``settings_controller.py`` fills it, reads it and shows
the validation messages.

Number inputs deliberately accept more than the model does (the model's messages say what
the limits are; a spin box that silently clamps would not). The API key field is a password
field that is never filled from the keyring: it holds only a key being typed now.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console_app.core.settings import DEFAULT_MODEL
from console_app.ui.settings.policy import PolicyEditor
from console_app.ui.settings.privacy import PrivacyBox

KINDS = (("Local engine", "local"), ("Lightcone", "lightcone"), ("OpenAI-compatible", "openai"))
COORDINATES = (("Pixels of the screenshot", "pixels"), ("0–999 (normalized)", "normalized"))
ENVIRONMENTS = (("Desktop", "desktop"), ("Browser", "browser"))
APIS = (("From the model name", ""), ("Lightcone names", "lightcone"), ("OpenAI names", "openai"))
FORMATS = (("JPEG", "jpeg"), ("PNG", "png"), ("WebP", "webp"))
MODELS = (DEFAULT_MODEL, "tzafon.sm-1")
ERROR_FIELDS = ("name", "kind", "base_url", "model", "api", "api_key", "coordinates", "environment",
                "viewport", "max_viewport_width", "image_format", "image_quality", "monitor",
                "max_steps", "policy", "general")  # fmt: skip


def _combo(name: str, items: tuple[tuple[str, str], ...]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for text, value in items:
        combo.addItem(text, value)
    return combo


def _spin(name: str, maximum: int, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(0, maximum)
    spin.setSuffix(suffix)
    spin.setKeyboardTracking(True)
    return spin


class ProfileForm(QWidget):
    """The fields of one profile, each with an error line; a view only.

    Signals:
        edited: the user changed any field (the controller re-validates).
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._init_fields()
        self._init_layout()
        self._connect_signals()

    def _init_fields(self) -> None:
        """Every input, created once (the controller fills and reads them)."""
        self.name = QLineEdit()
        self.name.setObjectName("profileName")
        self.kind = _combo("profileKind", KINDS)
        self.base_url = QLineEdit()
        self.base_url.setObjectName("profileBaseUrl")
        self.model = QComboBox()
        self.model.setObjectName("profileModel")
        self.model.setEditable(True)
        self.model.addItems(list(MODELS))
        self.api_key = QLineEdit()
        self.api_key.setObjectName("profileApiKey")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("type a key to store it in the system keyring on Save")
        self.key_source = QLabel("")
        self.key_source.setObjectName("keySource")
        self.key_source.setWordWrap(True)
        self.remove_key = QPushButton("Remove key")
        self.remove_key.setObjectName("removeKey")
        self.remove_key.setToolTip("Remove this profile's key from the keyring on Save")
        self.api = _combo("profileApi", APIS)
        self.api.setToolTip(
            "Wire names: OpenAI's (computer_use_preview / computer tool, computer_screenshot) or "
            "Lightcone's (computer_use, input_image); by default computer-use-preview* models get "
            "OpenAI's, everything else Lightcone's"
        )
        self.coordinates = _combo("profileCoordinates", COORDINATES)
        self.environment = _combo("profileEnvironment", ENVIRONMENTS)
        self.viewport_auto = QCheckBox("Auto (from the monitor)")
        self.viewport_auto.setObjectName("viewportAuto")
        self.viewport_width = _spin("viewportWidth", 99_999, " px")
        self.viewport_height = _spin("viewportHeight", 99_999, " px")
        self.max_viewport_width = _spin("maxViewportWidth", 99_999, " px")
        self.max_viewport_width.setToolTip("Auto viewport: scale the monitor down to this width")
        self.image_format = _combo("imageFormat", FORMATS)
        self.image_quality = _spin("imageQuality", 1000)
        self.monitor = _spin("monitor", 99)
        self.monitors = QLabel("")
        self.monitors.setWordWrap(True)
        self.max_steps = _spin("maxSteps", 10_000_000)
        self.policy = PolicyEditor()
        self.privacy = PrivacyBox()
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_result = QLabel("")
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextFormat(Qt.TextFormat.PlainText)
        self.errors: dict[str, QLabel] = {}

    def _init_layout(self) -> None:
        """The backend and screen forms, the policy box and the general error line."""
        backend = QFormLayout()
        self._row(backend, "Name", self.name, "name")
        self._row(backend, "Kind", self.kind, "kind")
        self._row(backend, "Base URL", self.base_url, "base_url")
        self._row(backend, "Model", self.model, "model")
        self._row(backend, "API names", self.api, "api")
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(self.remove_key)
        self._row(backend, "API key", key_row, "api_key")
        backend.addRow("", self.key_source)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        backend.addRow("", test_row)
        screen = QFormLayout()
        self._row(screen, "Coordinates", self.coordinates, "coordinates")
        self._row(screen, "Environment", self.environment, "environment")
        viewport = QHBoxLayout()
        viewport.addWidget(self.viewport_auto)
        viewport.addWidget(self.viewport_width)
        viewport.addWidget(QLabel("×"))
        viewport.addWidget(self.viewport_height)
        viewport.addStretch(1)
        self._row(screen, "Viewport", viewport, "viewport")
        self._row(screen, "Auto: at most", self.max_viewport_width, "max_viewport_width")
        self._row(screen, "Image format", self.image_format, "image_format")
        self._row(screen, "Image quality", self.image_quality, "image_quality")
        self._row(screen, "Monitor", self.monitor, "monitor")
        screen.addRow("", self.monitors)
        self._row(screen, "Step budget", self.max_steps, "max_steps")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for title, inner in (("Backend", backend), ("Screen and run", screen)):
            box = QGroupBox(title)
            box.setLayout(inner)
            layout.addWidget(box)
        layout.addWidget(self.privacy)
        policy_box = QGroupBox("Approval policy")
        policy_layout = QVBoxLayout(policy_box)
        policy_layout.addWidget(self.policy)
        policy_layout.addWidget(self._error("policy"))
        layout.addWidget(policy_box, 1)
        layout.addWidget(self._error("general"))

    def _connect_signals(self) -> None:
        """Any change of any input emits edited."""
        for line in (self.name, self.base_url, self.api_key):
            line.textEdited.connect(lambda _t: self.edited.emit())
        self.model.editTextChanged.connect(lambda _t: self.edited.emit())
        for combo in (self.kind, self.api, self.coordinates, self.environment, self.image_format):
            combo.currentIndexChanged.connect(lambda _n: self.edited.emit())
        spins = (self.viewport_width, self.viewport_height, self.max_viewport_width,
                 self.image_quality, self.monitor, self.max_steps)  # fmt: skip
        for spin in spins:
            spin.valueChanged.connect(lambda _v: self.edited.emit())
        self.viewport_auto.toggled.connect(lambda _c: self.edited.emit())
        self.policy.changed.connect(self.edited.emit)
        self.privacy.changed.connect(self.edited.emit)

    def _error(self, field: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(f"error_{field}")
        label.setStyleSheet("color:#c62828;")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setVisible(False)
        self.errors[field] = label
        return label

    def _row(self, form: QFormLayout, title: str, field: Any, name: str) -> None:
        form.addRow(title, field)
        form.addRow("", self._error(name))

    # ------------------------------------------------------------------ values

    def set_values(self, values: dict[str, Any], chords: str) -> None:
        """Show one profile's values (a `Profile` dump) without emitting ``edited``."""
        widgets = [self, self.name, self.kind, self.base_url, self.model, self.api, self.api_key,
                   self.coordinates, self.environment, self.viewport_auto, self.viewport_width,
                   self.viewport_height, self.max_viewport_width, self.image_format,
                   self.image_quality, self.monitor, self.max_steps]  # fmt: skip
        for widget in widgets:
            widget.blockSignals(True)
        self.name.setText(str(values.get("name") or ""))
        _select(self.kind, values.get("kind"))
        self.base_url.setText(str(values.get("base_url") or ""))
        self.model.setEditText(str(values.get("model") or ""))
        _select(self.api, values.get("api") or "")
        self.api_key.clear()
        _select(self.coordinates, values.get("coordinates"))
        _select(self.environment, values.get("environment"))
        width, height = values.get("viewport_width"), values.get("viewport_height")
        self.viewport_auto.setChecked(width is None and height is None)
        self.viewport_width.setValue(int(width or 1280))
        self.viewport_height.setValue(int(height or 720))
        self.max_viewport_width.setValue(int(values.get("max_viewport_width") or 0))
        _select(self.image_format, values.get("image_format"))
        self.image_quality.setValue(int(values.get("image_quality") or 0))
        self.monitor.setValue(int(values.get("monitor") or 0))
        self.max_steps.setValue(int(values.get("max_steps") or 0))
        for widget in widgets:
            widget.blockSignals(False)
        self.policy.set_policy(values.get("policy") or {}, chords)
        self.privacy.set_values(values)
        self.viewport_width.setEnabled(not self.viewport_auto.isChecked())
        self.viewport_height.setEnabled(not self.viewport_auto.isChecked())

    def values(self) -> dict[str, Any]:
        """The form's values for `Profile.model_validate` (policy chords added by the caller)."""
        auto = self.viewport_auto.isChecked()
        self.viewport_width.setEnabled(not auto)
        self.viewport_height.setEnabled(not auto)
        return {
            "name": self.name.text(),
            "kind": self.kind.currentData(),
            "base_url": self.base_url.text().strip() or None,
            "model": self.model.currentText().strip(),
            "api": self.api.currentData() or None,
            "coordinates": self.coordinates.currentData(),
            "environment": self.environment.currentData(),
            "viewport_width": None if auto else self.viewport_width.value(),
            "viewport_height": None if auto else self.viewport_height.value(),
            "max_viewport_width": self.max_viewport_width.value(),
            "image_format": self.image_format.currentData(),
            "image_quality": self.image_quality.value(),
            "monitor": self.monitor.value(),
            "max_steps": self.max_steps.value(),
            "policy": self.policy.policy_values(),
            **self.privacy.values(),
        }

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for field, label in self.errors.items():
            messages = errors.get(field, [])
            label.setText("\n".join(messages))
            label.setVisible(bool(messages))
        self.policy.show_error(errors.get("blocked_chords", []))


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
