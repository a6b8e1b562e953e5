"""Operator Console: supervise a computer-use agent, one approved action at a time."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("operator-console")
except PackageNotFoundError:  # running from a source tree or a frozen bundle without metadata
    __version__ = "0.2.0"

__all__ = ["__version__"]
