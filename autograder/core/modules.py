"""Load a Python file as a module by its path: how the kit reaches ``reference/``; and make
an assignment's own modules the ones ``import`` finds.

``reference/`` is never a package on anyone's import path (and never on a child's); the
grader, the tests and the instructor's tools load its files by path with ``load_module``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_module(path: Path | str, name: str = "_module", *, register: bool = False) -> ModuleType:
    """Execute the file at ``path`` as module ``name``, outside ``sys.path``.

    With ``register`` the module is kept in ``sys.modules`` under ``name`` (loaded once, as
    ``import`` would; dataclasses defined in it need that); without, it is loaded afresh.
    """
    if register and name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(path))
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if register:
            sys.modules.pop(name, None)
        raise
    return module


def prefer_folders(*folders: Path | str) -> None:
    """Make ``import name`` find the modules of ``folders`` (an assignment's): put them first
    on ``sys.path``, in order, and forget any module of the same name as one of their files
    that was imported from elsewhere. Every assignment names its modules by their roles
    (``cases``, ``feedback``, ``exercise``, ``lecture``, ``checks``), so a process that has
    imported one assignment's must not hand them to another's."""
    resolved = [Path(f).resolve() for f in folders]
    for folder in reversed(resolved):
        while str(folder) in sys.path:
            sys.path.remove(str(folder))
        sys.path.insert(0, str(folder))
    for name in {p.stem for folder in resolved for p in folder.glob("*.py")}:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file is not None and Path(file).resolve().parent not in resolved:
            del sys.modules[name]
