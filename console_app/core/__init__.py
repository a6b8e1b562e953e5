"""The bottom layer: plain data and helpers every other layer may use.

Nothing here imports another console_app package, Qt, or does I/O at import time.
"""
