"""Which wire names a run speaks: the Lightcone dialect or the OpenAI one.

The two APIs agree on ``POST /v1/responses`` but not on names:

============================  ===============================  ============================
                              lightcone                        openai
============================  ===============================  ============================
computer tool ``type``        ``computer_use``                 ``computer_use_preview``
                                                               (``computer-use-preview*``
                                                               models) or ``computer`` (GA)
screenshot in the answer      ``input_image``                  ``computer_screenshot``
``display_width/height``      sent                             sent with the preview tool;
                                                               the GA tool has none
``environment``               ``desktop`` / ``browser``        ``linux`` / ``browser``
                                                               (preview tool only)
============================  ===============================  ============================

The choice, in order: ``console-app run --api``; the profile's ``api`` field; the model name
(``computer-use-preview*`` → openai, ``tzafon.*`` → lightcone); a profile whose legacy
``tool_type`` is ``computer_use_preview``; else lightcone. `choose_api` says which rule chose,
so the start of a run can print it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ApiDialect = Literal["openai", "lightcone"]
API_DIALECTS: tuple[ApiDialect, ...] = ("lightcone", "openai")

ToolType = Literal["computer_use", "computer_use_preview", "computer"]
ScreenshotType = Literal["input_image", "computer_screenshot"]


def infer_api(model: str | None) -> ApiDialect | None:
    """The dialect a model name implies, or ``None`` when the name says nothing."""
    name = (model or "").strip().lower()
    if name.startswith("computer-use-preview"):
        return "openai"
    if name.startswith("tzafon."):
        return "lightcone"
    return None


def choose_api(
    *,
    cli: str | None = None,
    profile_api: str | None = None,
    model: str | None = None,
    legacy_tool_type: str | None = None,
) -> tuple[ApiDialect, str]:
    """The dialect and the reason it was chosen (for the start-up line)."""
    if cli in API_DIALECTS:
        return cli, "--api"
    if profile_api in API_DIALECTS:
        return profile_api, "the profile's api field"
    inferred = infer_api(model)
    if inferred is not None:
        return inferred, f"inferred from the model name {model!r}"
    if legacy_tool_type == "computer_use_preview":
        return "openai", "the profile's tool type computer_use_preview"
    return "lightcone", "the default (the model name implies no dialect)"


@dataclass(frozen=True)
class WireNames:
    api: ApiDialect
    tool_type: ToolType
    screenshot_output: ScreenshotType
    send_display: bool
    """Whether the tool carries ``display_width``/``display_height``/``environment``."""
    environment: str

    def describe(self) -> str:
        fields = (
            f", display size and environment {self.environment!r}"
            if self.send_display
            else ", no display fields"
        )
        return (
            f"{self.api} wire names: tool {self.tool_type}, screenshots as "
            f"{self.screenshot_output}{fields}"
        )


def wire_names(api: ApiDialect, model: str | None, environment: str = "desktop") -> WireNames:
    """The names a request of ``api`` uses (see the table in the module docstring)."""
    browser = environment == "browser"
    if api == "openai":
        preview = (model or "").strip().lower().startswith("computer-use-preview")
        return WireNames(
            api="openai",
            tool_type="computer_use_preview" if preview else "computer",
            screenshot_output="computer_screenshot",
            send_display=preview,
            environment="browser" if browser else "linux",
        )
    return WireNames(
        api="lightcone",
        tool_type="computer_use",
        screenshot_output="input_image",
        send_display=True,
        environment="browser" if browser else "desktop",
    )


__all__ = [
    "API_DIALECTS",
    "ApiDialect",
    "ScreenshotType",
    "ToolType",
    "WireNames",
    "choose_api",
    "infer_api",
    "wire_names",
]
