"""Load a Python file as a module by its path: how the kit reaches ``reference/``.

``reference/`` is never a package on anyone's import path (and never on a child's); the
grader, the tests and the instructor's tools load its files by path with this one helper.
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
