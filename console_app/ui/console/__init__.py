"""The console window: the live run, approvals, problems, profiles."""
