"""The untrusted side: a pre-warmed zygote that forks one sandboxed child per submission.

Run as ``python -I child.py FD TIER`` by the grader (Linux), with a clean environment. It
imports numpy once, tries every isolation mechanism the host offers (``confine.probe``),
picks the strongest tier that works (or the one asked for) and says which on the control
socket FD. For each ``spawn`` request it forks a child that locks itself down (own session,
resource limits, then its tier: *namespaces*, private mounts hiding the grader's files and
an unprivileged uid; *unprivileged*, Landlock, seccomp and what else ``confine`` can use),
then serves ``load`` and ``call`` requests on the socket it was handed (and ``preload``,
sent ahead of the cells: the assignment's support modules imported before the job comes).

Run as ``python -I child.py --process`` (the *process only* tier: macOS, Windows, or a host
with none of the above), it is one child, spawned by the grader, speaking the same
protocol on its stdin and stdout. Only JSON crosses: arrays travel as
``{"shape": [...], "data": [...]}`` of floats, never pickles.

This file is standalone on purpose (stdlib, numpy and its sibling ``confine.py``): it is
all the child runs before student code, and it must not import the grader.
"""

import builtins
import ctypes
import importlib
import json
import math
import os
import shutil
import signal
import socket
import struct
import sys
import time
import traceback

import numpy as np

try:
    import resource
except ImportError:  # Windows: the process-only tier, limits by the parent's clock
    resource = None

HEADER = struct.Struct("!I")
MAX_REQUEST = 64 << 20
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE = 1 << 14, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_mount_setattr, AT_RECURSIVE, MOUNT_ATTR_RDONLY = 442, 0x8000, 1
NICE = 10


class CellTimeout(BaseException):
    """Raised by SIGALRM when a cell or a call runs past its own time limit."""


# ---------------------------------------------------------------- framing


def send(sock, obj):
    data = json.dumps(obj, allow_nan=True).encode()
    sock.sendall(HEADER.pack(len(data)) + data)


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def recv(sock):
    (n,) = HEADER.unpack(recv_exact(sock, HEADER.size))
    if n > MAX_REQUEST:
        raise EOFError
    return json.loads(recv_exact(sock, n))


# ---------------------------------------------------------------- values


def decode(value):
    """Grader's plain data -> fresh numpy float64 arrays, floats and dicts."""
    if isinstance(value, dict) and "shape" in value and "data" in value:
        return np.array(value["data"], dtype=np.float64).reshape(value["shape"])
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


def encode(value, depth=0):
    """Whatever student code returned -> plain data, or {"error": why}."""
    if depth > 4:
        return {"error": "nested too deeply"}
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v, depth + 1) for k, v in list(value.items())[:64]}}
    if isinstance(value, (str, bytes)):
        return {"error": f"a {type(value).__name__}, not numbers"}
    if value is None:
        return {"error": "None (did the function return its result?)"}
    try:
        arr = np.asarray(value)
    except Exception as err:  # noqa: BLE001 - anything student objects raise
        return {"error": f"not convertible to numbers ({type(err).__name__})"}
    if arr.dtype.kind == "c":
        return {"error": "complex numbers"}
    if arr.dtype.kind not in "fiub":
        return {"error": f"values of type {type(value).__name__} (dtype {arr.dtype})"}
    if arr.size > 100_000:
        return {"error": f"an array of {arr.size} numbers"}
    arr = arr.astype(np.float64)
    return {"shape": list(arr.shape), "data": arr.ravel().tolist(), "dtype": arr.dtype.str}


def snapshot(value):
    """A deep copy of the decoded arguments, to tell whether a call mutated them."""
    if isinstance(value, list):
        return [snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def mutated(before, after, path=""):
    """Names of the argument entries a call changed in place."""
    if isinstance(before, list):
        changed = []
        for name, old, new in zip(path, before, after):
            changed += mutated(old, new, name)
        return changed
    if isinstance(before, dict):
        changed = []
        for key, old in before.items():
            new = after.get(key) if isinstance(after, dict) else None
            changed += mutated(old, new, f"{path}[{key!r}]" if path else key)
        if isinstance(after, dict) and set(after) != set(before):
            changed.append(path or "the dict")
        return changed
    if isinstance(before, np.ndarray):
        same = isinstance(after, np.ndarray) and after.shape == before.shape
        if not same or not np.array_equal(before, after, equal_nan=True):
            return [path]
    return []


# ---------------------------------------------------------------- sandbox


def _alarm(signum, frame):
    raise CellTimeout()


def arm(seconds):
    """The child's own alarm (0: off). Without SIGALRM (Windows) the parent's clock rules."""
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)


def lock_down(req, workdir):
    """Own session, limits, then the tier: private mounts and an unprivileged uid
    (*namespaces*), or Landlock, seccomp, a network namespace and an unused uid where
    offered (*unprivileged*), or an unused uid with seccomp and a network namespace where
    offered (*uid*).

    Returns the working folder the submission runs in: for *namespaces*, a fresh
    size-limited tmpfs copy of ``workdir`` (the rest of the file system is read-only).
    """
    os.setsid()
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    uid = req.get("uid")
    limits = req["limits"]
    libc = ctypes.CDLL(None, use_errno=True)
    namespaces = req["tier"] == "namespaces"
    if namespaces:
        workdir = private_view(libc, req, workdir, uid, limits)
    os.chdir(workdir)
    quiet()
    set_limits(limits)
    os.setpriority(os.PRIO_PROCESS, 0, NICE)  # bombs yield the CPU to the grader
    processes = limits["processes"]
    if uid is None:  # RLIMIT_NPROC counts the grader's own processes too
        processes += own_processes()
    resource.setrlimit(resource.RLIMIT_NPROC, (processes,) * 2)
    if namespaces:
        CONFINE.drop_uid(uid)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != req["zygote"]:
        os._exit(0)  # the zygote died before PDEATHSIG was armed
    if req["tier"] in ("unprivileged", "uid"):
        python = python_paths(req.get("hide", []))
        config = {**req["config"], "uid": uid, "netns": req.get("netns", False)}
        CONFINE.confine(workdir, python, req.get("hide", []), config, limits["scratch_bytes"])
    os.environ.clear()
    os.environ.update(req["env"])
    enter(workdir)
    return workdir


def quiet():
    """stdin, stdout and stderr on /dev/null: the submission's words are not read."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def enter(workdir):
    """The submission's view of Python: HOME and the import path start at ``workdir``,
    this harness's own folder is off the path, and argv is neutral."""
    os.environ["HOME"] = workdir
    script = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [workdir] + [p for p in sys.path if p and p != script]
    sys.argv = ["submission"]


def set_limits(limits):
    """CPU time, address space, file size and open files (per process); no core files."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"],) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)


def own_processes():
    """How many processes (threads count too) run under this uid now."""
    uid, count = os.getuid(), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count


def private_view(libc, req, workdir, uid, limits):
    """The child's own mounts: grader's folders hidden, all read-only but a scratch tmpfs.

    - every ``hide`` folder (the reference, the output folder, the kit, the submissions)
      is covered by an empty read-only tmpfs, with only Python's own files put back;
    - every other mount is made read-only, so the child can write nowhere on disk;
    - /tmp, /var/tmp and /dev/shm are one fresh tmpfs of ``scratch_bytes``, holding the
      working folder (a copy of ``workdir``): gone with the child, and bounded; Python's
      folders under them are put back read-only;
    - /proc is a fresh procfs with hidepid=2: the child sees its own processes only.
    """
    flags = CLONE_NEWNS | CLONE_NEWIPC | (CLONE_NEWNET if req.get("no_network") else 0)
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    mount(libc, b"none", "/", None, MS_REC | MS_PRIVATE)
    files = {}
    for folder in (workdir, os.path.join(workdir, "__pycache__")):
        for name in os.listdir(folder) if os.path.isdir(folder) else ():
            path = os.path.join(folder, name)
            if os.path.isfile(path) and os.path.getsize(path) <= 1 << 20:
                with open(path, "rb") as f:
                    files[os.path.relpath(path, workdir)] = f.read()
    python = python_paths(req.get("hide", []))
    for path in sorted(req.get("hide", []), key=lambda p: p.count(os.sep)):
        cover(libc, path, python)
    expose(libc, python)
    read_only(libc)
    mount(libc, b"proc", "/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, b"hidepid=2")
    mount_scratch(libc, python, limits["scratch_bytes"])
    work = os.path.join("/tmp", os.path.basename(workdir))
    os.mkdir(work, 0o700)
    for name, data in files.items():
        target = os.path.join(work, name)
        if not os.path.isdir(os.path.dirname(target)):
            os.mkdir(os.path.dirname(target), 0o700)
            os.chown(os.path.dirname(target), uid, uid)
        with open(target, "wb") as f:
            f.write(data)
        os.chown(target, uid, uid)
    os.chown(work, uid, uid)
    return work


SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")


def mount_scratch(libc, python, size):
    """/tmp, /var/tmp and /dev/shm: one fresh tmpfs of ``size`` bytes, the child's only
    writable space; Python's own folders inside them (a venv under /tmp, where clean clones
    and CI checkouts live) are put back read-only, so the interpreter and its site-packages
    stay whole wherever they are."""
    keep = [p for p in python if any(inside(p, s) for s in SCRATCH)]
    fds = [(p, os.open(p, os.O_PATH)) for p in keep]
    scratch = f"size={size},nr_inodes=4096,mode=1777".encode()
    mount(libc, b"tmpfs", "/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, scratch)
    for path in SCRATCH[1:]:
        if os.path.isdir(path):
            mount(libc, b"/tmp", path, None, MS_BIND)
    put_back(libc, fds, read_only=True)


def put_back(libc, fds, read_only=False):
    """Bind each (path, O_PATH fd opened before a cover) back at its path, made if needed."""
    for p, fd in fds:
        os.makedirs(p, 0o755, exist_ok=True)
        mount(libc, f"/proc/self/fd/{fd}".encode(), p, None, MS_BIND | MS_REC)
        if read_only:
            mount(libc, None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)


def mount(libc, source, target, fstype, flags, data=None):
    target = target.encode() if isinstance(target, str) else target
    if libc.mount(source, target, fstype, flags, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target.decode()}: {os.strerror(err)}")


def python_paths(hide=()):
    """The folders Python itself needs: its prefixes and import path, without nesting.

    A folder that is, or holds, a hidden one is left out (the kit's root on the import path
    through a ``.pth`` file must not bring the reference back); folders inside it stay.
    """
    hidden = [os.path.realpath(h) for h in hide]
    paths = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path)
             if p and os.path.isdir(p)}
    paths = {p for p in paths if not any(p == h or inside(h, p) for h in hidden)}
    return sorted(p for p in paths if not any(inside(p, q) for q in paths if q != p))


def inside(path, folder):
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def cover(libc, path, python):
    """Hide ``path`` under an empty read-only tmpfs, putting back the Python folders in it."""
    path = os.path.realpath(path)
    if not os.path.isdir(path):
        return
    keep = [p for p in python if inside(p, path)]
    fds = [(p, os.open(p, os.O_PATH)) for p in keep]
    mount(libc, b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV, b"size=16k,mode=0755")
    put_back(libc, fds)
    mount(libc, None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def read_only(libc):
    """Every mount of this namespace read-only (mount_setattr, recursive from /)."""
    attr = struct.pack("QQQQ", MOUNT_ATTR_RDONLY, 0, 0, 0)
    buf = ctypes.create_string_buffer(attr, len(attr))
    if libc.syscall(SYS_mount_setattr, -100, b"/", AT_RECURSIVE, buf, len(attr)) == 0:
        return
    with open("/proc/self/mountinfo") as f:  # kernels before 5.12: one remount per mount
        points = [line.split()[4] for line in f]
    for point in points:
        libc.mount(None, point.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)


def expose(libc, paths):
    """Let an unprivileged uid reach Python's own files below a closed folder such as /root.

    The closed folder is covered (in this child's private mounts only) by an empty tmpfs
    anyone may traverse, and each needed entry of it is bind-mounted back from an fd opened
    before the cover. Everything else in the closed folder stays out of reach.
    """
    needed = {}
    for path in paths:
        parts = path.split(os.sep)[1:]
        for depth in range(1, len(parts)):
            folder = os.sep + os.path.join(*parts[:depth])
            if not os.stat(folder).st_mode & 0o001:
                needed.setdefault(folder, set()).add(parts[depth])
                break
    for folder, names in needed.items():
        fds = {name: os.open(os.path.join(folder, name), os.O_PATH) for name in names}
        mount(libc, b"tmpfs", folder, b"tmpfs", MS_NOSUID | MS_NODEV, b"size=16k,mode=0755")
        for name, fd in fds.items():
            os.mkdir(os.path.join(folder, name))
            mount(libc, f"/proc/self/fd/{fd}".encode(), os.path.join(folder, name), None,
                  MS_BIND | MS_REC)
            os.close(fd)
        mount(libc, None, folder, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


class Shell:
    """What ``get_ipython()`` returns here: a script exported from Jupyter (nbconvert's
    ``get_ipython().run_line_magic('matplotlib', 'inline')``) runs as in the notebook.

    Magics and shell commands do nothing; a cell magic that only times or captures its
    cell (``%%time``, exported as ``run_cell_magic('time', '', code)``) runs that code.
    """

    KEPT = ("time", "timeit", "capture")

    def __init__(self, ns):
        self._ns = ns

    def run_cell_magic(self, name, line, cell):
        if name in self.KEPT:
            exec(compile(cell, "<cell magic>", "exec"), self._ns)

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class Harness:
    """Runs the submission's cells in one namespace and calls its functions."""

    def __init__(self):
        self.allowed = None  # top-level modules importable besides the stdlib (None: any)
        own = dict(vars(builtins), __import__=self._import)
        self.ns = {"__name__": "__main__", "__builtins__": own}
        self.ns["get_ipython"] = lambda: Shell(self.ns)

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        """``import`` in the submission's own code: the standard library and the allowed
        packages only (what imported packages import is their business)."""
        top = name.partition(".")[0]
        if level or self.allowed is None or top in self.allowed:
            try:
                return builtins.__import__(name, globals, locals, fromlist, level)
            except ModuleNotFoundError as err:
                if level or self.allowed is None or err.name != top:
                    raise
                raise ImportError(f"{top} is allowed in this assignment but not installed "
                                  "where it is graded: tell your instructor") from None
        if top in sys.stdlib_module_names:
            return builtins.__import__(name, globals, locals, fromlist, level)
        allowed = ", ".join(sorted(self.allowed)) or "none"
        raise ImportError(f"import {top}: not allowed in this assignment (besides Python's "
                          f"standard library you may import: {allowed})")

    def _timed(self, seconds, fn):
        arm(seconds)
        try:
            return fn()
        finally:
            arm(0)

    def load(self, sock, req):
        imports = req.get("imports")
        self.allowed = None if imports is None else frozenset(imports)
        results = []
        for index, source in enumerate(req["cells"]):
            if index in req["skip"]:
                results.append({"index": index, "ok": False, "error": "skipped"})
                continue
            send(sock, {"event": "cell", "index": index})
            name = "<driver>" if index == req.get("driver") else f"<cell {index + 1}>"
            results.append({"index": index, **self._run_cell(name, source, req["timeout"])})
        send(sock, {"event": "loaded", "cells": results, "names": self._callables()})

    def _run_cell(self, name, source, timeout):
        try:
            code = compile(source, name, "exec")
            self._timed(timeout, lambda: exec(code, self.ns))
            return {"ok": True}
        except CellTimeout:
            return {"ok": False, "error": f"ran past its time limit of {timeout:g} s"}
        except BaseException as err:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
            return {"ok": False, "error": describe(err)}

    def _callables(self):
        try:
            return sorted(k for k, v in self.ns.items() if callable(v) and isinstance(k, str))
        except Exception:  # noqa: BLE001
            return []

    def call(self, sock, req):
        fn = self.ns.get(req["fn"])
        if not callable(fn):
            send(sock, {"event": "result", "error": f"{req['fn']} is not defined"})
            return
        batch = []
        names = req.get("names") or [f"argument {i + 1}" for i in range(len(req["batch"][0]))]
        arm(req["timeout"])
        try:
            for args in req["batch"]:
                args = [decode(a) for a in args]
                before = snapshot(args) if req.get("watch") else None
                try:
                    value = fn(*args)
                    out = {"value": encode(value)}
                    if before is not None:
                        out["mutated"] = mutated(before, args, names)
                except CellTimeout:
                    raise
                except BaseException as err:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
                    out = {"error": describe(err), "context": context(err)}
                batch.append(out)
        except CellTimeout:
            error = {"error": f"ran past its time limit of {req['timeout']:g} s", "timeout": True}
            batch += [error] * (len(req["batch"]) - len(batch))
        finally:
            arm(0)
        send(sock, {"event": "result", "batch": batch})


def describe(err):
    """One line for the feedback: the exception and the student's line that raised it,
    with the function it is in (``(cell 4, line 3, in sigmoid)``)."""
    where = ""
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename.startswith("<cell"):
            inside = f", in {frame.name}" if frame.name != "<module>" else ""
            where = f" ({frame.filename[1:-1]}, line {frame.lineno}{inside})"
    text = str(err)
    return f"{type(err).__name__}: {text[:300]}{where}" if text else f"{type(err).__name__}{where}"


def context(err):
    """Plain facts about a call's exception for the grader's wording, each a short string:
    ``function``, the student's function it was raised in (the innermost of their frames);
    ``notes``, what code around it added (PEP 678 ``__notes__``: the assignment's driver
    says there which operation returned None); for an attribute that is missing,
    ``missing``, ``owner`` (the object's type) and ``attributes``, the object's own
    attributes with their types (``"_children=set, data=float"``). Nothing else of the
    object is read, and whatever fails here leaves the facts out."""
    facts = {}
    try:
        frames = [f for f in traceback.extract_tb(err.__traceback__)
                  if f.filename.startswith("<cell")]
        if frames and frames[-1].name != "<module>":
            facts["function"] = frames[-1].name[:80]
        notes = getattr(err, "__notes__", None)
        if isinstance(notes, list) and notes:
            facts["notes"] = "; ".join(n[:200] for n in notes[:4] if type(n) is str)
        name, obj = getattr(err, "name", None), getattr(err, "obj", None)
        if isinstance(err, AttributeError) and type(name) is str:
            facts["missing"], facts["owner"] = name[:80], type(obj).__name__[:80]
            own = object.__getattribute__(obj, "__dict__")  # AttributeError: slots only
            if type(own) is dict:
                facts["attributes"] = ", ".join(f"{k[:40]}={type(v).__name__[:40]}"
                                                for k, v in list(own.items())[:24]
                                                if type(k) is str)
    except Exception:  # noqa: BLE001 - student objects may raise anywhere; say less
        pass
    return facts


def child_main(sock, req):
    try:
        lock_down(req, req["workdir"])
    except BaseException as err:  # noqa: BLE001 - say why the sandbox could not be made
        send(sock, {"event": "sandbox-error", "error": f"{type(err).__name__}: {err}"[:300]})
        raise
    serve_calls(sock, Harness())


def serve_calls(sock, harness):
    while True:
        try:
            msg = recv(sock)
        except (EOFError, OSError, ValueError):
            os._exit(0)
        if msg["op"] == "preload":
            preload(msg["modules"])
        elif msg["op"] == "load":
            harness.load(sock, msg)
        elif msg["op"] == "call":
            harness.call(sock, msg)


def preload(names):
    """Import the assignment's support modules (beside the cells, in the working folder)
    before the cells come, with no student code run yet: the cells' imports find them. One
    that fails is left to fail again in the cells, with its own error."""
    for name in names:
        try:
            importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - the cells' import says why
            pass


# ---------------------------------------------------------------- zygote


def kill_uid(uid, timeout=2.0):
    """SIGKILL every process of ``uid`` and return once none is left, zombies reaped.

    kill(-1) as that uid reaches exactly its processes, and one call is enough: the kernel
    signals them all under the task list lock, and a fork racing with it fails. The zygote,
    subreaper of every sandbox process, reaps the dead until getpriority(PRIO_USER, uid)
    finds no process of that uid (ESRCH), sending the signal again now and then.
    """
    deadline = time.monotonic() + timeout
    next_kill = 0.0
    while True:
        now = time.monotonic()
        if now >= next_kill:
            signal_uid(uid)
            next_kill = now + 0.05
        reap()
        try:
            os.getpriority(os.PRIO_USER, uid)
        except OSError:
            return  # no process of uid left
        if now > deadline:
            return
        time.sleep(0.0002)


def signal_uid(uid):
    helper = os.fork()
    if helper == 0:
        try:
            CONFINE.drop_uid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(helper, 0)


def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def stop_child(pid, child):
    """Kill a sandbox child, its process group and, when it has its own uid, all of that uid
    (and remove what that uid left in the world-writable scratch folders)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if child.get("uid") is not None:
        kill_uid(child["uid"])
        if not child.get("own_scratch"):  # its /tmp was its own tmpfs, gone with it
            remove_files_of(child["uid"])


def remove_files_of(uid):
    """Delete what ``uid`` created at the top of /tmp, /var/tmp and /dev/shm (a child whose
    tier has no private scratch can write there). Every entry there is looked at: with
    thousands in a busy /tmp, milliseconds per child, spared where the scratch is private."""
    for folder in SCRATCH:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for name in entries:
            path = os.path.join(folder, name)
            try:
                if os.lstat(path).st_uid != uid:
                    continue
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            except OSError:
                pass


def choose_tier(asked, config=None, hide=()):
    """Probe the host and pick a configuration: ``config`` when given (one the grader took
    from an earlier probe's list), else the strongest of ``asked`` (auto: of any tier).
    An unused uid needs to reach Python's folders outside ``hide`` only (the kit's own
    folder is on the import path, and no child reads it).

    Returns what it found: the configurations of ``asked`` strongest first, the chosen one
    (its ``tier`` is "none" when there is none), and why the other tiers are missing.
    """
    found = CONFINE.probe()
    configs, why = CONFINE.configurations(found, CONFINE.open_to_all(python_paths(hide)))
    if asked not in ("auto", None):
        configs = [c for c in configs if c["tier"] == asked]
    if config is None:
        chosen = configs[0] if configs else None
    else:
        chosen = config if config in configs else None
    chosen = chosen or CONFINE.configuration("none", False, False, False, False)
    offered = list(dict.fromkeys(c["tier"] for c in configs))
    return {"tier": chosen["tier"], "asked": asked, "offered": offered, "why_not": why,
            "mechanisms": found, "configurations": configs, "config": chosen,
            "setuid": chosen["setuid"], "netns": chosen["netns"]}


def zygote_main(fd, asked, config=None, hide=()):
    ctrl = socket.socket(fileno=fd)
    children = {}  # pid -> {"uid": ..., "workdir": ...} of each sandbox child not yet stopped
    REAPER.become_subreaper()
    host = choose_tier(asked, config, hide)
    ctrl.send(json.dumps(host).encode())
    null = os.open(os.devnull, os.O_WRONLY)  # the grader reads the zygote's stderr no more
    os.dup2(null, 2)
    os.close(null)
    try:
        serve(ctrl, children, host)
    finally:
        # the grader is gone or done: nothing of a submission may outlive it
        for pid, child in list(children.items()):
            stop_child(pid, child)
        REAPER.sweep(set())
        for child in children.values():
            shutil.rmtree(child["workdir"], ignore_errors=True)


def serve(ctrl, children, host):
    zygote = os.getpid()
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(ctrl, 1 << 16, 1)
        except OSError:
            return
        if not data:
            return
        reap()
        req = json.loads(data)
        if req["op"] == "spawn":
            uid = req["uid_base"] if host["setuid"] else None
            pid = os.fork()
            if pid == 0:
                ctrl.close()
                try:
                    if uid is not None:
                        req["uid"] = uid + os.getpid()
                    req.update(zygote=zygote, tier=host["tier"], config=host["config"],
                               netns=host["netns"] and req.get("no_network", True))
                    child_main(socket.socket(fileno=fds[0]), req)
                finally:
                    os._exit(70)
            os.close(fds[0])
            children[pid] = {"uid": None if uid is None else uid + pid, "workdir": req["workdir"],
                             "own_scratch": host["tier"] == "namespaces"}
            ctrl.send(json.dumps({"pid": pid}).encode())
        elif req["op"] == "kill":
            child = children.pop(req["pid"], None)
            if child is not None:
                stop_child(req["pid"], child)
                reap()
                REAPER.sweep(set(children))
            ctrl.send(b"{}")


def warm() -> None:
    """Import once, in the zygote, what every child would otherwise import again."""
    import dataclasses  # noqa: F401 - the assignment's exercise module
    import pathlib  # noqa: F401

    import numpy.typing  # noqa: F401 - numpy's lazy submodules touched by typical code

    try:
        import tomllib  # noqa: F401 - the exercise config: Python >= 3.11
    except ImportError:
        import tomli  # noqa: F401 - and its backport on 3.10
    math.fsum([])


def load_sibling(name):
    """A module beside this file (``python -I`` puts no script folder on sys.path)."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def process_main():
    """The *process only* tier: one spawned child, the protocol on its stdin and stdout."""
    link = StdioLink(os.dup(0), os.dup(1))
    quiet()
    req = recv(link)
    if resource is not None:
        set_limits(req["limits"])
    enter(os.getcwd())
    serve_calls(link, Harness())


class StdioLink:
    """A socket's sendall and recv over a pair of pipe descriptors."""

    def __init__(self, rfd, wfd):
        self.rfd, self.wfd = rfd, wfd

    def sendall(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self.wfd, view):]

    def recv(self, n):
        return os.read(self.rfd, n)


if __name__ == "__main__":
    try:
        warm()
    except ImportError:
        pass
    if sys.argv[1] == "--process":
        process_main()
    else:
        CONFINE, REAPER = load_sibling("confine"), load_sibling("reaper")
        given = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
        zygote_main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "auto",
                    given.get("config"), given.get("hide", ()))
        os._exit(0)  # children gone, folders removed: not numpy's teardown (25 ms) on top
