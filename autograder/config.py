"""An assignment's config (``exercise.toml``): its name, notebook, points and tolerances.

The engine reads only these generic tables; what is specific to an assignment (the
exercise network's numbers) is read by the assignment's own module.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KIT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_ASSIGNMENT = KIT_ROOT / "assignments" / "backprop"
CONFIG_NAME = "exercise.toml"


class ConfigError(ValueError):
    """The config file is missing, not TOML, or lacks a field the kit needs."""


@dataclass(frozen=True)
class Assignment:
    """What the engine needs to know about an assignment."""

    folder: Path
    name: str
    title: str
    notebook: Path
    support_files: tuple[str, ...]
    points: dict[str, float]
    rtol: float
    atol: float

    @property
    def total_points(self) -> float:
        return float(sum(self.points.values()))


def read_config(folder: Path | str) -> dict:
    """The parsed ``exercise.toml`` of the assignment in ``folder``."""
    return read_toml(Path(folder) / CONFIG_NAME)


def read_toml(path: Path) -> dict:
    """A parsed TOML file; ConfigError (one line) when missing or invalid."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None


def load_assignment(folder: Path | str = BUNDLED_ASSIGNMENT) -> Assignment:
    """Read the generic tables of ``folder/exercise.toml``."""
    folder = Path(folder).resolve()
    raw = read_config(folder)
    try:
        meta, points, tol = raw["assignment"], raw["points"], raw["tolerance"]
        return Assignment(
            folder=folder,
            name=str(meta["name"]),
            title=str(meta["title"]),
            notebook=folder / str(meta["notebook"]),
            support_files=tuple(str(f) for f in meta.get("support_files", [])),
            points={str(k): float(v) for k, v in points.items()},
            rtol=float(tol["rtol"]),
            atol=float(tol["atol"]),
        )
    except KeyError as err:
        raise ConfigError(f"{folder / CONFIG_NAME}: missing {err.args[0]!r}") from None
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{folder / CONFIG_NAME}: {err}") from None


def read_seed(reference: Path) -> int | None:
    """The hidden default seed, ``[grading] seed`` of ``reference/grading.toml`` (None: no file)."""
    path = Path(reference) / "grading.toml"
    if not path.exists():
        return None
    try:
        return int(read_toml(path)["grading"]["seed"])
    except (KeyError, TypeError, ValueError) as err:
        raise ConfigError(f"{path}: no integer [grading] seed ({err})") from None
