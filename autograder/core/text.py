"""Text from the untrusted side (a child's message, a file's name) made safe to keep.

Whatever it holds, the result encodes as UTF-8 (a lone surrogate is written as ``\\udcff``)
and is bounded in length, so no writer of the grader's files can fail on it.
"""

from __future__ import annotations

TEXT_LIMIT = 10_000  # characters of any one string from a child


def safe_text(value: object, limit: int = TEXT_LIMIT) -> str:
    """``str(value)``, at most ``limit`` characters (then ``...``), lone surrogates escaped."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def safe_data(value: object) -> object:
    """Decoded JSON with every string (keys too) passed through ``safe_text``."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(k): safe_data(v) for k, v in value.items()}
    if isinstance(value, list) and not all(type(v) in (float, int) for v in value):
        return [safe_data(v) for v in value]
    return value
