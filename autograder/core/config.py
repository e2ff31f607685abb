"""Assignments as plug-ins: where they are, and each one's config (``exercise.toml``).

An assignment is a folder (``assignments/<name>/``) holding its config, notebook, checks,
public oracle and support files; its ``hidden/`` sub-folder (the reference, the hidden
oracle, the seed) is never released; ``examples/submissions/`` are its bundled examples.
The engine knows no assignment by name: it reads only the generic tables of the config.

The engine reads only these generic tables; what is specific to an assignment (the
exercise network's numbers) is read by the assignment's own module.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.core.errors import ConfigError
from autograder.core.tolerance import Tolerance

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PACKAGE = Path(__file__).resolve().parent.parent  # the autograder package's folder
KIT_ROOT = PACKAGE.parent
ASSIGNMENTS = KIT_ROOT / "assignments"
CONFIG_NAME = "exercise.toml"
HIDDEN_NAME = "hidden"  # an assignment's sub-folder that is never released
ORACLE_NAME = "oracle.py"  # the hidden oracle, in the hidden folder
SEED_ENV = "AUTOGRADER_SEED"  # overrides the hidden folder's seed



@dataclass(frozen=True)
class Assignment:
    """What the engine needs to know about an assignment."""

    folder: Path
    name: str
    title: str
    notebook: Path
    support_files: tuple[str, ...]  # relative to the folder; see support_paths
    points: dict[str, float]
    tolerance: Tolerance
    checks: Path  # the one check suite, run by the public checks and the hidden grading
    oracle: Path  # the public oracle (the hidden grading's is the reference folder's oracle.py)
    imports: tuple[str, ...] | None  # importable besides the standard library; None: anything
    driver: Path | None = None  # run in the child after the student's cells (objects -> numbers)
    reference_name: str = ""  # the reference solution's file in the hidden folder

    @property
    def hidden(self) -> Path:
        """The hidden folder: reference, hidden oracle, seed (never released)."""
        return self.folder / HIDDEN_NAME

    @property
    def examples(self) -> Path:
        """The bundled example submissions."""
        return self.folder / "examples" / "submissions"

    @property
    def reference(self) -> Path:
        """The reference solution (the answer key is built from it)."""
        return self.hidden / (self.reference_name or f"{self.name}.py")

    @property
    def total_points(self) -> float:
        return float(sum(self.points.values()))

    @property
    def support_paths(self) -> tuple[Path, ...]:
        """The support files. An entry may lie outside the folder (``../shared/network.py``,
        a module assignments share); wherever the files are copied together (the child's
        folder, a release) it lies beside the config under its own name, and is found there."""
        paths = []
        for entry in self.support_files:
            path = Path(os.path.normpath(self.folder / entry))
            beside = self.folder / Path(entry).name
            paths.append(beside if not path.is_file() and beside.is_file() else path)
        return tuple(paths)

    @property
    def module_folders(self) -> tuple[Path, ...]:
        """Where the checks' ``import`` finds the assignment's modules: its folder, then the
        folders of its support modules that lie outside it."""
        folders = [self.folder, *(p.parent for p in self.support_paths if p.suffix == ".py")]
        return tuple(dict.fromkeys(folders))

    @property
    def importable(self) -> list[str] | None:
        """Top-level modules a submission may import besides the standard library: the
        allowed packages and the support files' modules (None: no restriction)."""
        if self.imports is None:
            return None
        own = [Path(f).stem for f in self.support_files if f.endswith(".py")]
        return sorted({*self.imports, *own})


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


def list_assignments(root: Path = ASSIGNMENTS) -> list[Path]:
    """The assignment folders under ``root`` (each holds an ``exercise.toml``), by name."""
    return sorted(p.parent for p in Path(root).glob(f"*/{CONFIG_NAME}"))


def assignment_folder(name: Path | str | None = None, root: Path = ASSIGNMENTS) -> Path:
    """The folder of assignment ``name`` (a name under ``root`` or a folder's path); with no
    name, the only assignment there is. ConfigError (one line, naming the choices) if none."""
    found = list_assignments(root)
    names = ", ".join(p.name for p in found) or "none"
    if name is None:
        if len(found) == 1:
            return found[0]
        raise ConfigError(f"{len(found)} assignments here ({names}): choose one with "
                          "--assignment NAME")
    path = Path(name)
    if (path / CONFIG_NAME).is_file():
        return path.resolve()
    if (Path(root) / str(name) / CONFIG_NAME).is_file():
        return (Path(root) / str(name)).resolve()
    raise ConfigError(f"no assignment {str(name)!r} (the assignments: {names}; or give the "
                      f"path of a folder with {CONFIG_NAME})")


def load_assignment(folder: Path | str | None = None) -> Assignment:
    """Read the generic tables of ``folder/exercise.toml`` (a folder, an assignment's name,
    or None: the only assignment of the kit)."""
    folder = assignment_folder(folder)
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
            tolerance=Tolerance(float(tol["rtol"]), float(tol["atol"]),
                                str(tol.get("float32", "accept")),
                                float(tol.get("float32_rtol", 1e-3))),
            checks=folder / str(meta.get("checks", "checks.py")),
            oracle=folder / str(meta.get("oracle", "lecture.py")),
            imports=_imports(raw),
            driver=folder / str(meta["driver"]) if "driver" in meta else None,
            reference_name=str(meta.get("reference", "")),
        )
    except KeyError as err:
        raise ConfigError(f"{folder / CONFIG_NAME}: missing {err.args[0]!r}") from None
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{folder / CONFIG_NAME}: {err}") from None


def _imports(raw: dict) -> tuple[str, ...] | None:
    """``[imports] allowed`` as top-level module names (no table: no restriction)."""
    if "imports" not in raw:
        return None
    allowed = raw["imports"]["allowed"]
    if not isinstance(allowed, list) or not all(isinstance(a, str) and a for a in allowed):
        raise ValueError("[imports] allowed must be a list of module names")
    return tuple(a.split(".")[0] for a in allowed)


def default_seed(reference: Path) -> int:
    """The hidden cases' seed: ``$AUTOGRADER_SEED``, else the hidden folder's, else 0."""
    if os.environ.get(SEED_ENV):
        try:
            return int(os.environ[SEED_ENV])
        except ValueError:
            raise ConfigError(f"{SEED_ENV} must be an integer") from None
    seed = read_seed(reference)
    return 0 if seed is None else seed


def read_seed(reference: Path) -> int | None:
    """The hidden default seed, ``[grading] seed`` of ``hidden/grading.toml`` (None: no file)."""
    path = Path(reference) / "grading.toml"
    if not path.exists():
        return None
    try:
        return int(read_toml(path)["grading"]["seed"])
    except (KeyError, TypeError, ValueError) as err:
        raise ConfigError(f"{path}: no integer [grading] seed ({err})") from None
