"""The settings dialog: profiles, keys, policy."""
