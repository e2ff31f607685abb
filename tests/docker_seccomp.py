"""Run a command as root in a Docker container: a moby seccomp profile applied as runc applies
it, then Docker's default capabilities with an empty inheritable set.

    python tests/docker_seccomp.py PROFILE.json CMD [ARG...]   (as real root)

From the profile to the rules, as moby's ``setupSeccomp`` (profiles/seccomp/seccomp_linux.go):
the ``archMap`` row of this machine's architecture with its sub-architectures; an entry is
dropped when it ``excludes`` this architecture, any capability Docker grants or a kernel as
new as this one, or ``includes`` another architecture, a capability Docker does not grant or
a newer kernel. From the rules to the filter, as runc's ``InitSeccomp``
(libcontainer/seccomp/seccomp_linux.go): one rule per name; names this libseccomp does not
know, and rules whose action is the default one, skipped; conditions ANDed, unless two are
on the same argument, then one rule per condition; no ``no_new_privs``. Then runc's -ENOSYS
stub (libcontainer/seccomp/patchbpf): a call numbered above every call the rules name
returns ENOSYS, not the default action, so that libc falls back to an older call.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pyseccomp as sc
from hosts import DOCKER_CAPS

CAPS = {"CAP_" + cap[1:].upper() for cap in DOCKER_CAPS.split(",") if cap.startswith("+")}
GOARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
SCMP_ARCH = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64"}.get(GOARCH)
OPS = {"SCMP_CMP_NE": sc.NE, "SCMP_CMP_LT": sc.LT, "SCMP_CMP_LE": sc.LE, "SCMP_CMP_EQ": sc.EQ,
       "SCMP_CMP_GE": sc.GE, "SCMP_CMP_GT": sc.GT, "SCMP_CMP_MASKED_EQ": sc.MASKED_EQ}
X32_BIT = 0x40000000  # set in the number of an x32 call, which x86_64's audit arch also carries
LD, JEQ, JGT, JSET, JA, RET = 0x20, 0x15, 0x25, 0x45, 0x05, 0x06  # BPF_W|BPF_ABS, BPF_K forms


def kernel_at_least(version: str) -> bool:
    """Whether this kernel is ``version`` ("4.8") or newer, on major.minor as moby compares."""
    have = tuple(int(n) for n in platform.release().split("-")[0].split(".")[:2])
    return have >= tuple(int(n) for n in version.split("."))


def applies(entry: dict) -> bool:
    """Whether moby keeps a profile entry for this architecture, Docker's caps and kernel."""
    excludes, includes = entry.get("excludes") or {}, entry.get("includes") or {}
    if GOARCH in excludes.get("arches", []) or CAPS & set(excludes.get("caps", [])):
        return False
    if "minKernel" in excludes and kernel_at_least(excludes["minKernel"]):
        return False
    if includes.get("arches") and GOARCH not in includes["arches"]:
        return False
    if not set(includes.get("caps", [])) <= CAPS:
        return False
    return "minKernel" not in includes or kernel_at_least(includes["minKernel"])


def architectures(profile: dict) -> list[str]:
    """The profile's architectures, or its ``archMap`` row for this machine with sub-arches."""
    names = list(profile.get("architectures") or [])
    for row in profile.get("archMap") or []:
        if row["architecture"] == SCMP_ARCH:
            names += [row["architecture"], *(row["subArchitectures"] or [])]
    return names


def action(name: str, errno_ret: int | None) -> int:
    """runc's ``getAction``: libseccomp's action for a profile's, EPERM when no errno is given."""
    ret = errno.EPERM if errno_ret is None else errno_ret
    return {"SCMP_ACT_ALLOW": sc.ALLOW, "SCMP_ACT_ERRNO": sc.ERRNO(ret),
            "SCMP_ACT_KILL": sc.KILL_THREAD, "SCMP_ACT_KILL_THREAD": sc.KILL_THREAD,
            "SCMP_ACT_KILL_PROCESS": sc.KILL_PROCESS, "SCMP_ACT_TRAP": sc.TRAP,
            "SCMP_ACT_LOG": sc.LOG, "SCMP_ACT_TRACE": sc.TRACE(ret)}[name]


def runc_filter(profile: dict) -> tuple[sc.SyscallFilter, list[int], list[str]]:
    """The filter runc builds from ``profile``, its architectures and every name it kept."""
    default = action(profile["defaultAction"], profile.get("defaultErrnoRet"))
    rules = sc.SyscallFilter(default)
    arches = [getattr(sc.Arch, name.removeprefix("SCMP_ARCH_"))
              for name in architectures(profile)]
    for arch in arches:
        if not rules.exist_arch(arch):  # the native one is there from the start
            rules.add_arch(arch)
    entries = [e for e in profile["syscalls"] if applies(e)]
    if sum(len(e["names"]) for e in entries) > 32:
        rules.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    rules.set_attr(sc.Attr.CTL_NNP, 0)
    for entry in entries:
        act = action(entry["action"], entry.get("errnoRet"))
        conditions = entry.get("args") or []
        args = [sc.Arg(a["index"], OPS[a["op"]], a["value"], a.get("valueTwo", 0))
                for a in conditions]
        shared = any(n > 1 for n in Counter(a["index"] for a in conditions).values())
        for name in entry["names"]:
            number = sc.resolve_syscall(sc.Arch.NATIVE, name)
            if act == default or number == -1:  # -1: __NR_SCMP_ERROR, unknown here
                continue
            for group in ([[arg] for arg in args] if shared else [args]):
                rules.add_rule(act, number, *group)
    return rules, arches, [name for e in entries for name in e["names"]]


def assemble(lines: list) -> list[tuple[int, int, int, int]]:
    """BPF (code, jt, jf, k) from ``lines``: instructions whose jump targets may be labels
    (a ``ja``'s in k), and labels (strings) that name the instruction after them."""
    at, pc = {}, 0
    for line in lines:
        if isinstance(line, str):
            at[line] = pc
        else:
            pc += 1
    program = [line for line in lines if not isinstance(line, str)]

    def offset(pc: int, target: int | str) -> int:
        return at[target] - pc - 1 if isinstance(target, str) else target

    return [(code, offset(pc, jt), offset(pc, jf), offset(pc, k) if code == JA else k)
            for pc, (code, jt, jf, k) in enumerate(program)]


def enosys_stub(arches: list[int], names: list[str]) -> list[tuple[int, int, int, int]]:
    """runc's patchbpf stub, to run before the filter: per audit arch, a call numbered above
    the largest one ``names`` holds on that arch returns ENOSYS."""
    largest: dict[int, dict[int, int]] = {}
    for arch in {*arches, sc.system_arch()}:
        top = max([sc.resolve_syscall(arch, name) for name in names] + [0])
        if top > 0:
            audit = sc.Arch.X86_64 if arch == sc.Arch.X32 else arch
            largest.setdefault(audit, {})[arch] = top
    lines: list = [(LD, 0, 0, 4)]  # the audit arch
    lines += [(JEQ, f"arch {audit}", 0, audit) for audit in largest]
    lines.append((JA, 0, 0, "filter"))
    for audit, tops in largest.items():
        lines += [f"arch {audit}", (LD, 0, 0, 0)]  # the call's number
        if audit == sc.Arch.X86_64:  # x86_64 and x32 share it: bit 30 of the number tells
            lines += [(JSET, "x32", 0, X32_BIT), above(tops.get(sc.Arch.X86_64)),
                      (JA, 0, 0, "filter"), "x32", above(tops.get(sc.Arch.X32))]
        else:
            lines.append(above(tops[audit]))
        lines.append((JA, 0, 0, "filter"))
    return assemble([*lines, "enosys", (RET, 0, 0, sc.ERRNO(errno.ENOSYS)), "filter"])


def above(top: int | None) -> tuple:
    """To ENOSYS when the number is above ``top``; with no ``top``, on to the filter."""
    return (JGT, "enosys", 0, top) if top else (JA, 0, 0, "filter")


def load(rules: sc.SyscallFilter, stub: list[tuple[int, int, int, int]]) -> None:
    """Load ``stub`` then the filter libseccomp generates, as one program (runc's
    ``PatchAndLoad``: prctl(PR_SET_SECCOMP), allowed to root without no_new_privs)."""
    with tempfile.TemporaryFile() as out:
        rules.export_bpf(out)
        out.seek(0)
        generated = out.read()
    head = b"".join(code.to_bytes(2, sys.byteorder) + bytes([jt, jf]) +
                    (k & 0xFFFFFFFF).to_bytes(4, sys.byteorder) for code, jt, jf, k in stub)
    code = head + generated
    buffer = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = Program(len(code) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(22, 2, ctypes.byref(program), 0, 0) != 0:  # PR_SET_SECCOMP, MODE_FILTER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


def main(profile_path: str, *cmd: str) -> None:
    """Load the profile, then become Docker's root: its capabilities, nothing inheritable."""
    profile = json.loads(Path(profile_path).read_text())
    rules, arches, names = runc_filter(profile)
    # runc's generatePatch: no stub when the default action lets calls run
    permissive = profile["defaultAction"] in ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE")
    load(rules, [] if permissive else enosys_stub(arches, names))
    os.execvp("setpriv", ["setpriv", "--bounding-set", DOCKER_CAPS, "--inh-caps=-all", *cmd])


if __name__ == "__main__":
    main(*sys.argv[1:])
