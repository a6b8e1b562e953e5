"""The settings dialog: the list of profiles on the left, the selected profile's form on the
right, problems and Save at the bottom. A view only; ``settings_controller.py`` drives it.

Layout::

    [banner: problems of the settings file, if any                         ]
    [profiles list  | form of the selected profile (scrolls)               ]
    [Add Duplicate  |                                                      ]
    [Rename Delete  |                                                      ]
    [Set active     |                                                      ]
    [problems summary                                                      ]
    [settings file path · keyring status                  [Cancel] [Save]  ]
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console_app.ui.settings.form import ProfileForm
from console_app.ui.settings.privacy import HistoryPrivacyBox


def _label(name: str, *, error: bool = False) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if error:
        label.setStyleSheet("color:#c62828;")
    return label


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings — Operator Console")
        self.resize(1100, 860)
        self.banner = _label("settingsBanner", error=True)
        self.banner.setVisible(False)
        self.profiles = QListWidget()
        self.profiles.setObjectName("profileList")
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("addProfile")
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setObjectName("duplicateProfile")
        self.rename_button = QPushButton("Rename")
        self.rename_button.setObjectName("renameProfile")
        self.rename_button.setToolTip("Edit the name field of the selected profile")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteProfile")
        self.active_button = QPushButton("Set active")
        self.active_button.setObjectName("activeProfile")
        self.active_button.setToolTip("The profile the console starts with")
        self.form = ProfileForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.history_privacy = HistoryPrivacyBox()
        self.problems = _label("settingsProblems", error=True)
        self.path = _label("settingsPath")
        self.keyring = _label("keyringStatus")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveSettings")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Profiles"))
        left_layout.addWidget(self.profiles, 1)
        grid = QGridLayout()
        grid.addWidget(self.add_button, 0, 0)
        grid.addWidget(self.duplicate_button, 0, 1)
        grid.addWidget(self.rename_button, 1, 0)
        grid.addWidget(self.delete_button, 1, 1)
        grid.addWidget(self.active_button, 2, 0, 1, 2)
        left_layout.addLayout(grid)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 4)
        split.setSizes([230, 870])

        bottom = QHBoxLayout()
        facts = QVBoxLayout()
        facts.addWidget(self.path)
        facts.addWidget(self.keyring)
        bottom.addLayout(facts, 1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        layout.addWidget(self.history_privacy)
        layout.addWidget(self.problems)
        layout.addLayout(bottom)
