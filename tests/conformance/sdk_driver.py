"""Run calls through the official ``tzafon`` SDK in a child process and print the results.

Why a child process: two SDK versions (2.31.0 and the current one) cannot be imported into one
interpreter. The parent runs ``python sdk_driver.py`` with ``PYTHONPATH`` pointing at one
version's folder and a JSON script on stdin::

    {"base_url": "...", "api_key": "...", "max_retries": 0,
     "calls": [{"op": "create", "kwargs": {...}},
               {"op": "retrieve", "id": "$0.id"},      # "$N.field" refers to result N
               {"op": "cancel", "id": "..."}, {"op": "delete", "id": "..."},
               {"op": "create_stream", "kwargs": {...}}]}

It prints one JSON list: per call ``{"ok": true, "result": {...}}`` or
``{"ok": false, "error": "NotFoundError", "status": 404, "message": "..."}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _resolve(value: Any, results: list[dict[str, Any]]) -> Any:
    if isinstance(value, str) and value.startswith("$") and "." in value:
        index, _, field = value[1:].partition(".")
        current: Any = results[int(index)]["result"]
        for part in field.split("."):
            current = current[int(part)] if isinstance(current, list) else current[part]
        return current
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    return value


def _dump(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_unset=True)
    return obj


def main() -> int:
    import tzafon

    script = json.load(sys.stdin)
    client = tzafon.Lightcone(
        api_key=script.get("api_key") or "no-key",
        base_url=script["base_url"],
        max_retries=script.get("max_retries", 0),
        timeout=script.get("timeout", 30),
    )
    results: list[dict[str, Any]] = []
    for call in script["calls"]:
        call = _resolve(call, results)
        op = call["op"]
        try:
            if op == "create":
                result = _dump(client.responses.create(**call.get("kwargs", {})))
            elif op == "create_stream":
                stream = client.responses.create(**call.get("kwargs", {}), stream=True)
                result = {"events": [_dump(event) for event in stream]}
            elif op == "retrieve":
                result = _dump(client.responses.retrieve(call["id"], **call.get("kwargs", {})))
            elif op == "cancel":
                result = _dump(client.responses.cancel(call["id"]))
            elif op == "delete":
                result = _dump(client.responses.delete(call["id"]))
            else:
                raise ValueError(f"unknown op {op}")
            results.append({"ok": True, "result": result})
        except tzafon.APIStatusError as exc:
            results.append(
                {
                    "ok": False,
                    "error": type(exc).__name__,
                    "status": exc.status_code,
                    "message": str(exc),
                    "body": exc.body,
                }
            )
        except Exception as exc:  # report, do not crash: the parent asserts on it
            results.append({"ok": False, "error": type(exc).__name__, "message": str(exc)})
    json.dump(results, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
