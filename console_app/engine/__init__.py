"""The local engine: a loopback Responses API server whose "model" is a deterministic,
OCR-grounded follower of a small command language (see ``docs/local-engine.md``).

It runs as its own process (``console-app engine``) and shares only ``core`` and the protocol
models in ``api.types`` with the rest of the console (import-linter enforces it).
"""
