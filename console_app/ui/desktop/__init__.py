"""The console's place on the desktop: masking, keyboard focus, the global hotkey."""
