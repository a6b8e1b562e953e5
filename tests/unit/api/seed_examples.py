"""Find every JSON example in the seed documents, and load the fixtures extracted from them.

A "JSON example" is a maximal piece of a seed's text that parses as JSON and is an object, or
an array holding objects (an enum list such as ``["low", "high"]`` in a type signature is not
an example). The seeds are copied verbatim into ``fixtures/seeds/`` so the test suite does not
depend on the machine it runs on; ``fixtures/seed_examples/`` holds each example as its own
file, byte for byte as it appears in the seed, and ``manifest.json`` says where it came from
and what it is an example of.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).with_name("fixtures")
SEEDS = FIXTURES / "seeds"
EXAMPLES = FIXTURES / "seed_examples"
REALISTIC = FIXTURES / "realistic"


@dataclass(frozen=True)
class SeedExample:
    seed: str  # file name in fixtures/seeds
    offset: int  # character offset of the example in the seed's text
    text: str  # the example, verbatim


def _holds_objects(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and any(isinstance(v, dict) for v in value)


def find_json_examples(text: str, seed: str) -> list[SeedExample]:
    decoder = json.JSONDecoder()
    found: list[SeedExample] = []
    index = 0
    while index < len(text):
        if text[index] in "{[":
            try:
                value, end = decoder.raw_decode(text, index)
            except json.JSONDecodeError:
                index += 1
                continue
            if _holds_objects(value):
                found.append(SeedExample(seed, index, text[index:end]))
            index = end
            continue
        index += 1
    return found


def seed_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}


def all_seed_examples() -> list[SeedExample]:
    examples: list[SeedExample] = []
    for name, text in seed_texts().items():
        examples.extend(find_json_examples(text, name))
    return examples


@dataclass(frozen=True)
class ExampleFixture:
    file: str
    seed: str
    offset: int
    kind: str  # "response" | "content_block" | "tools"
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def load_manifest() -> list[ExampleFixture]:
    entries = json.loads((EXAMPLES / "manifest.json").read_text(encoding="utf-8"))
    return [
        ExampleFixture(
            file=entry["file"],
            seed=entry["seed"],
            offset=entry["offset"],
            kind=entry["kind"],
            text=(EXAMPLES / entry["file"]).read_text(encoding="utf-8"),
        )
        for entry in entries
    ]


def realistic(name: str) -> Any:
    return json.loads((REALISTIC / name).read_text(encoding="utf-8"))
