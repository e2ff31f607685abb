"""Each student's files in an output folder (``OUT/<student>/NAME``), read back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def each(out: Path, name: str, beside: str | None = None) -> Iterator[tuple[str, dict]]:
    """Every ``out/<student>/<name>`` that reads as a JSON object, as (student, data), sorted
    by name and read one at a time (a class's files are never all in memory at once); one
    that does not read (a crash before the folder was synced) is left out, and with
    ``beside`` so is one without that file next to it (a run stopped between the two)."""
    for path in sorted(out.glob(f"*/{name}")):
        if beside is not None and not (path.parent / beside).is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            yield path.parent.name, data
