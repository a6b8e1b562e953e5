"""history tests."""
