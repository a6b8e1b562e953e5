"""Terminal commands (``console-app run|engine|responses|runs``): the console without a window.

Lives beside ``app.py`` at the top of the layer stack and never imports Qt, so scripting and
the terminal mode work on a machine without a display.
"""
