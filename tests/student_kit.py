"""Shared by the student-side tests: notebooks to check, and the installed student release.

``installed_release`` builds the release once per session (``autograder release``) and
installs it into a fresh venv, offline: the venv has no packages of its own, and a ``.pth``
file adds this environment's site-packages for the dependencies only (numpy, rich, pytest,
pytest-json-report; setuptools and wheel to build). The ``.pth`` files *inside* that folder
are not processed, so the kit's editable ``autograder`` is not active in the venv: the
released package, installed with ``pip install --no-deps --no-build-isolation --no-index``,
is what runs (the tests assert where ``autograder`` is imported from).
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import nbformat
from nbformat import NotebookNode

from autograder.cli import main
from autograder.contract.authoring import load_module
from autograder.instructor.answer_key import solve_notebook

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "backprop"
NOTEBOOK = ASSIGNMENT / "backprop.ipynb"
REFERENCE = ROOT / "assignments" / "backprop" / "hidden"

# -- notebooks ---------------------------------------------------------------------------

# ∂C/∂W as a δᵀ (BP4 transposed): the δ's are right, the weight gradients are not
BACKWARD_BP4_TRANSPOSED = '''def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = (params["W3"].T @ delta3) * sigmoid_prime(cache["z2"])
    return {"delta3": delta3, "delta2": delta2,
            "W3": np.outer(cache["a2"], delta3), "b3": delta3,
            "W2": np.outer(cache["a1"], delta2), "b2": delta2}
'''
# δ² with W³ instead of (W³)ᵀ
BACKWARD_BP2_NOT_TRANSPOSED = '''def backward(y, params, cache):
    delta3 = (cache["a3"] - y) * sigmoid_prime(cache["z3"])
    delta2 = (params["W3"] @ delta3) * sigmoid_prime(cache["z2"])
    return {"delta3": delta3, "delta2": delta2,
            "W3": np.outer(delta3, cache["a2"]), "b3": delta3,
            "W2": np.outer(delta2, cache["a1"]), "b2": delta2}
'''
# numerical differentiation of a fresh forward pass: ignores the cache it is given
BACKWARD_NUMERICAL = '''def backward(y, params, cache):
    x, h, grads = cache["a1"], 1e-6, {}
    for name in ("W2", "b2", "W3", "b3"):
        grads[name] = np.zeros_like(params[name])
        for i in np.ndindex(params[name].shape):
            up = {k: v.copy() for k, v in params.items()}
            down = {k: v.copy() for k, v in params.items()}
            up[name][i] += h
            down[name][i] -= h
            grads[name][i] = (cost(forward(x, up)["a3"], y)
                              - cost(forward(x, down)["a3"], y)) / (2 * h)
    fresh = forward(x, params)
    delta3 = (fresh["a3"] - y) * sigmoid_prime(fresh["z3"])
    delta2 = (params["W3"].T @ delta3) * sigmoid_prime(fresh["z2"])
    return {"delta3": delta3, "delta2": delta2, **grads}
'''
# the right values, but the caller's params are changed in place
UPDATE_IN_PLACE = '''def update(params, grads, lr):
    for name in ("W2", "b2", "W3", "b3"):
        params[name] -= lr * grads[name]
    return params
'''
FORWARD_TRANSPOSED = '''def forward(x, params):
    z2 = params["W2"].T @ x + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"].T @ a2 + params["b3"]
    return {"a1": x, "z2": z2, "a2": a2, "z3": z3, "a3": sigmoid(z3)}
'''
COST_WITHOUT_HALF = "def cost(a3, y):\n    return float(np.sum((y - a3) ** 2))\n"
SIGMOID_PLAIN = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"  # overflows, but right

# The half-solved notebook of the classroom tests: σ, σ', forward, cost right; backward
# with BP4 transposed; update right but in place. Points by hand, check by check:
#   sigmoid 0.5 + 0.5, sigmoid_prime 0.5 + 0.5, forward 1 + 1, cost 1;
#   backward: δ³ 1, δ² 1, ∂C/∂W³ 0, ∂C/∂b³ 1, ∂C/∂W² 0, ∂C/∂b² 1 (a W is transposed,
#             the δ's and b's are right), gradient check 0                  -> 4 / 7
#   update: the rule 2/2 (the values are right)                             -> 2 / 2
#   full_step: 0/2 (the gradient is wrong)                                  -> 0 / 2
# (The 0-point "inputs untouched" checks are not published to the reporter.)
HALF_SOLVED = {"backward": BACKWARD_BP4_TRANSPOSED, "update": UPDATE_IN_PLACE}
HALF_SOLVED_SCORES = {
    "sigmoid": [0.5, 0.5], "sigmoid_prime": [0.5, 0.5], "forward": [1, 1], "cost": [1],
    "backward": [1, 1, 0, 1, 0, 1, 0], "update": [2], "full_step": [0],
}
HALF_SOLVED_FAILS = {  # the failing checks, by position (0-point checks pass or fail too)
    "backward": [2, 4, 6], "full_step": [0],
}


def reference_module() -> ModuleType:
    """The hidden reference, loaded by path (never importable by name)."""
    return load_module(REFERENCE / "backprop.py")


def stub_notebook() -> NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def solved_notebook() -> NotebookNode:
    """The assignment's notebook with the reference's functions in its solution cells."""
    return solve_notebook(stub_notebook(), reference_module())


def with_cells(nb: NotebookNode, **sources: str) -> NotebookNode:
    """A copy of ``nb`` whose solution cells named (grade_id) in ``sources`` hold that code."""
    nb = copy.deepcopy(nb)
    found = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source, cell.outputs, cell.execution_count = sources[grade_id], [], None
            found.add(grade_id)
    assert found == set(sources), f"no cells {set(sources) - found}"
    return nb


def hard_coded_notebook() -> NotebookNode:
    """forward and backward return the exercise's numbers whatever they are given."""
    exercise = load_module(ASSIGNMENT / "exercise.py", "backprop_exercise_student_kit",
                           register=True)
    ex = exercise.load_exercise()
    ref = reference_module()
    cache = ref.forward(ex.x, ex.params)
    grads = ref.backward(ex.y, ex.params, cache)

    def literal(values: dict) -> str:
        return "{" + ", ".join(f"{k!r}: np.array({v.tolist()!r})" for k, v in values.items()) + "}"

    return with_cells(
        solved_notebook(),
        forward=f"def forward(x, params):\n    return {literal(cache)}\n",
        backward=f"def backward(y, params, cache):\n    return {literal(grads)}\n",
    )


def copy_public_files(folder: Path) -> list[Path]:
    """The assignment's released files but the notebook (config, support files, checks,
    public oracle and what they import) copied into ``folder``."""
    from autograder.core.config import load_assignment
    from autograder.instructor.release import assignment_files

    config = load_assignment(ASSIGNMENT)
    copied = []
    for path in assignment_files(config):
        if path != config.notebook:
            copied.append(Path(shutil.copy(path, folder / path.name)))
    return copied


def write(nb: NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path



# -- the installed release -----------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    """The built release (pristine), and a venv where it is installed."""

    release: Path
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self) -> dict[str, str]:
        """A plain environment with the venv's ``bin`` first on PATH, as after activation."""
        keep = {k: os.environ[k] for k in ("HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
        return {**keep, "PATH": f"{self.bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
                "VIRTUAL_ENV": str(self.venv)}

    def run(self, args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=cwd, env=self.env(), capture_output=True, text=True,
                              timeout=timeout)


_INSTALLED: dict[str, Installed] = {}


def build_release(out: Path) -> Path:
    """``autograder release --out OUT``, in this process; the release folder."""
    assert main(["release", "--assignment", "backprop", "--out", str(out)]) == 0
    return out


def installed_release(base: Path) -> Installed:
    """The release built and installed once per session (under ``base`` the first time)."""
    if "release" in _INSTALLED:
        return _INSTALLED["release"]
    release = build_release(base / "student")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
         "['purelib'])"], check=True, capture_output=True, text=True).stdout.strip())
    (site / "_dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = base / "install-source"  # pip writes build files beside the sources: a copy
    shutil.copytree(release, source)
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("PIP_") or k in (
        "PIP_CONFIG_FILE", "PIP_DISABLE_PIP_VERSION_CHECK")}
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--no-deps", "--no-build-isolation", "--no-index", str(source)],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    _INSTALLED["release"] = Installed(release, venv)
    return _INSTALLED["release"]
