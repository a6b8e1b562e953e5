"""The console window ignores key and button events that another program *sent* to it.

Why: approving is a key press (Enter) or a click on the console. X11 lets any client send a
window a fabricated event with ``XSendEvent`` (``xdotool type --window W``, ``xdotool key
--window W``): a program the agent started could approve its own next step. Such events carry
the ``send_event`` bit in the event's ``response_type`` — the one case where X11 tells synthetic
input apart — and this filter drops them before Qt sees them. (Input through XTest is the same
as a keyboard for X; the agent's own XTest input never reaches the console: the focus guard
and the forbidden rectangles keep it out.)
"""

from __future__ import annotations

import ctypes
import logging
from typing import Any

from PySide6.QtCore import QAbstractNativeEventFilter, QCoreApplication

log = logging.getLogger(__name__)

_SENT = 0x80
_INPUT = frozenset({2, 3, 4, 5})  # KeyPress, KeyRelease, ButtonPress, ButtonRelease
_XCB = b"xcb_generic_event_t"


class SyntheticInputFilter(QAbstractNativeEventFilter):
    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def nativeEventFilter(self, eventType: Any, message: int) -> object:
        address = int(message)  # a shiboken VoidPtr, which is falsy even when set
        if not address or bytes(eventType) != _XCB:
            return False, 0
        response_type = ctypes.c_uint8.from_address(address).value
        if response_type & _SENT and (response_type & 0x7F) in _INPUT:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 100 == 0:
                log.warning("ignored %d key/button event(s) sent by another program", self.dropped)
            return True, 0
        return False, 0


_installed: list[SyntheticInputFilter] = []


def install(app: QCoreApplication) -> SyntheticInputFilter:
    """Install the filter once per process (it must stay referenced while installed)."""
    if not _installed:
        _installed.append(SyntheticInputFilter())
        app.installNativeEventFilter(_installed[0])
    return _installed[0]
