"""The history window: runs, steps, responses, the replay."""
