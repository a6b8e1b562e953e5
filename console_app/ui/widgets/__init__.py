"""Widgets shared by the console and the replay (screenshot, overlay, images)."""
