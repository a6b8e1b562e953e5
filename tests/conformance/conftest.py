"""Fixtures that run the official SDK (each installed version) as an independent client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK_ROOT = ROOT / ".venv" / "sdks"
SDK_VERSIONS = ("2.31.0", "2.44.1")
DRIVER = Path(__file__).with_name("sdk_driver.py")

SdkRunner = Callable[..., list[dict[str, Any]]]


def sdk_path(version: str) -> Path:
    path = SDK_ROOT / f"tzafon-{version}"
    if not (path / "tzafon").is_dir():
        raise RuntimeError(
            f"tzafon {version} is not installed in {path}; run scripts/bootstrap first"
        )
    return path


@pytest.fixture(params=SDK_VERSIONS, ids=lambda v: f"tzafon-{v}")
def sdk_version(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def run_sdk(sdk_version: str) -> SdkRunner:
    """``run_sdk(base_url, api_key, calls)`` → the driver's list of results."""

    def run(base_url: str, api_key: str, calls: list[dict[str, Any]], **options: Any):
        script = {"base_url": base_url, "api_key": api_key, "calls": calls, **options}
        env = {**os.environ, "PYTHONPATH": str(sdk_path(sdk_version))}
        env.pop("TZAFON_API_KEY", None)
        env.pop("LIGHTCONE_BASE_URL", None)
        done = subprocess.run(
            [sys.executable, str(DRIVER)],
            input=json.dumps(script),
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"SDK driver failed:\n{done.stderr}")
        results: list[dict[str, Any]] = json.loads(done.stdout)
        return results

    return run
