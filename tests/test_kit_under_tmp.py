"""The kit and its venv under /tmp, where clean clones, CI checkouts and ``mktemp -d`` live.

The sandbox gives each child a fresh scratch tmpfs on /tmp. That scratch must not hide the
interpreter, its site-packages or the assignment: a submission that imports a module the
zygote did not import before the fork (``numpy.random``, ``matplotlib``, lazily inside a
function) must still find it. Oracle: the correct answers are the reference's, so the
submission earns every point (16/16, exercise.toml's [points]).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from autograder.contract.authoring import load_module, public_functions, split_function

ROOT = Path(__file__).resolve().parents[1]
# copied (hard-linked) into the venv under /tmp: what the submission imports and what they need
CHILD_PACKAGES = ("numpy", "numpy.libs", "matplotlib", "mpl_toolkits", "contourpy", "cycler",
                  "fontTools", "kiwisolver", "PIL", "pillow.libs", "pyparsing", "dateutil",
                  "six.py", "packaging")

LAZY_IMPORTS = '''
import numpy as np

np.random.seed(0)  # numpy.random is a lazy submodule: imported here, after the fork


def draw():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy.random
    fig, ax = plt.subplots()
    ax.plot(numpy.random.default_rng(0).normal(size=3))
    plt.close(fig)
'''


def submission_text() -> str:
    """The reference's functions, with a forward that first draws a plot (lazy imports)."""
    ref = load_module(ROOT / "assignments" / "backprop" / "hidden" / "backprop.py",
                      "_reference_under_tmp")
    cells = [LAZY_IMPORTS]
    for name, func in public_functions(ref).items():
        head, body = split_function(func)
        if name == "forward":
            body = ["    draw()", *body]
        cells.append("\n".join([*head, *body]) + "\n")
    return "".join(f"# %%\n{cell}\n" for cell in cells)


@pytest.fixture(scope="module")
def kit_under_tmp():
    """A copy of the kit in /tmp with a venv in it whose site-packages hold numpy and
    matplotlib (hard links, so it is quick); the rest of the grader's packages are reached
    through a ``.pth`` line, as an editable install would."""
    kit = Path(tempfile.mkdtemp(prefix="kit-", dir="/tmp"))
    try:
        for folder in ("autograder", "assignments"):
            shutil.copytree(ROOT / folder, kit / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", kit / ".venv"], check=True)
        site = Path(subprocess.run(
            [kit / ".venv" / "bin" / "python", "-c",
             "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True).stdout.strip())
        ours = Path(sysconfig.get_path("purelib"))
        for name in CHILD_PACKAGES:
            source = ours / name
            if source.is_dir():
                shutil.copytree(source, site / name, copy_function=os.link)
            elif source.is_file():
                os.link(source, site / name)
        (site / "00-kit.pth").write_text(f"{kit}\n{ours}\n")
        yield kit
    finally:
        shutil.rmtree(kit, ignore_errors=True)


def test_a_correct_submission_with_lazy_imports_gets_every_point(kit_under_tmp):
    kit = kit_under_tmp
    python = kit / ".venv" / "bin" / "python"
    where = subprocess.run([python, "-c", "import autograder, numpy, matplotlib; "
                            "print(autograder.__file__, numpy.__file__, matplotlib.__file__)"],
                           capture_output=True, text=True, check=True, cwd=kit).stdout.split()
    assert all(p.startswith(str(kit)) for p in where), where  # everything really under /tmp
    (kit / "lazy.py").write_text(submission_text())
    out = kit / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER_")}
    run = subprocess.run([python, "-m", "autograder.cli", "grade", "--assignment", "backprop",
                          kit / "lazy.py", "--out", out,
                          "--jobs", "1", "--seed", "5"], capture_output=True, text=True,
                         cwd=kit, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads((out / "lazy" / "results.json").read_text())
    failed = [(t["name"], t["output"]) for t in data["tests"] if t["status"] != "passed"]
    assert failed == []
    assert data["score"] == 16
