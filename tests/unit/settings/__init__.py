"""settings tests."""
