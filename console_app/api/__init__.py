"""The Responses API: wire models (``types``), the async client and its errors.

Importing this package is cheap on purpose: the local engine imports ``api.types`` only.
"""
