"""tests/docker_seccomp.py: a command under it sees what it would see as root in a Docker
container with the default profile.

Oracles, written by hand: the profiles' own text (which calls each entry allows, with which
arguments, under which capability), the kernel's documented answers (man 2 of each call,
x86_64 numbers from arch/x86/entry/syscalls/syscall_64.tbl), runc's -ENOSYS stub (a call
numbered above every call the profile names gets ENOSYS) and Docker's capability mask.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import subprocess
import sys

import pytest
from hosts import HAS_SETPRIV, PROFILES, as_docker

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or not HAS_SETPRIV,
                       reason="the container is simulated as root with setpriv"),
    pytest.mark.skipif(platform.machine() != "x86_64", reason="the probes use x86_64 numbers"),
]
pytest.importorskip("pyseccomp", reason="the launcher builds its filter with pyseccomp")

# each probe: a name -> (x86_64 call number, its arguments); the child answers the call's
# return value, or -errno
PROBE = """
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def call(number, *args):
    got = libc.syscall(ctypes.c_long(number), *(ctypes.c_ulong(a) for a in args))
    return got if got >= 0 else -ctypes.get_errno()

answers = {}
for name, (number, args) in json.loads(sys.argv[1]).items():
    answers[name] = got = call(number, *args)
    if name.startswith("clone") and got == 0:  # the child of a clone that worked
        os._exit(0)
    if name.startswith("clone") and got > 0:
        os.waitpid(got, 0)
    if name.startswith("socket") and got >= 0:
        os.close(got)
pid = os.fork()
if pid == 0:
    os._exit(0)
answers["fork"] = os.waitpid(pid, 0)[1]
status = dict(line.split(":\\t") for line in open("/proc/self/status").read().splitlines())
answers.update({key: int(status[key], 16) for key in ("CapInh", "CapPrm", "CapEff", "CapBnd")})
print(json.dumps(answers))
"""
CLONE_NEWNS, CLONE_NEWUSER, SIGCHLD = 0x00020000, 0x10000000, 17
AF_INET, AF_VSOCK, SOCK_STREAM = 2, 40, 1
LANDLOCK_CREATE_RULESET_VERSION = 1
CALLS = {
    "unshare(CLONE_NEWUSER)": (272, [CLONE_NEWUSER]),
    "mount(tmpfs)": (165, [0, 0, 0, 0, 0]),  # NULL pointers: EFAULT if it got to the kernel
    "keyctl(GET_KEYRING_ID)": (250, [0, 0, 0]),
    "socket(AF_INET)": (41, [AF_INET, SOCK_STREAM, 0]),
    "socket(AF_VSOCK)": (41, [AF_VSOCK, SOCK_STREAM, 0]),
    "clone(CLONE_NEWNS)": (56, [CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0]),
    "clone3": (435, [0, 0]),
    "landlock_create_ruleset(VERSION)": (444, [0, 0, LANDLOCK_CREATE_RULESET_VERSION]),
    "personality(0xffffffff)": (135, [0xFFFFFFFF]),  # a query: answers the persona, 0
    "personality(PER_LINUX32)": (135, [0x0008]),  # answers the previous persona, 0
    "personality(PER_LINUX)": (135, [0x0000]),  # back to Linux: answers PER_LINUX32
    "personality(READ_IMPLIES_EXEC)": (135, [0x0400000]),
}
# Docker's default capabilities, bit by bit (linux/capability.h): CHOWN 0, DAC_OVERRIDE 1,
# FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8, NET_BIND_SERVICE 10, NET_RAW 13,
# SYS_CHROOT 18, MKNOD 27, AUDIT_WRITE 29, SETFCAP 31
DOCKER_MASK = 0x00000000A80425FB


def probe(prefix: list[str], calls: dict = CALLS) -> dict[str, int]:
    """Each of ``calls``, a fork and the capability sets, from a child run under ``prefix``."""
    run = subprocess.run([*prefix, sys.executable, "-c", PROBE, json.dumps(calls)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module", params=sorted(PROFILES))
def inside(request) -> tuple[str, dict[str, int]]:
    """The profile's tag and what a child under it answered."""
    return request.param, probe(as_docker([], PROFILES[request.param]))


@pytest.fixture(scope="module")
def outside() -> dict[str, int]:
    """The host's own answers to the calls a profile lets through to the kernel (not the
    others: unshare would move the probe to a new user namespace)."""
    return probe([], {name: CALLS[name] for name in ("socket(AF_VSOCK)",
                                                     "landlock_create_ruleset(VERSION)")})


@pytest.mark.parametrize("call", ["unshare(CLONE_NEWUSER)", "mount(tmpfs)",
                                  "keyctl(GET_KEYRING_ID)", "clone(CLONE_NEWNS)",
                                  "personality(READ_IMPLIES_EXEC)"])
def test_what_only_cap_sys_admin_or_no_entry_allows_is_refused_with_eperm(inside, call):
    assert inside[1][call] == -errno.EPERM


def test_an_inet_socket_a_fork_and_the_allowed_personalities_work(inside):
    answers = inside[1]
    assert answers["socket(AF_INET)"] >= 0
    assert answers["fork"] == 0  # the child's exit status
    assert answers["personality(0xffffffff)"] == 0
    assert answers["personality(PER_LINUX32)"] == 0
    assert answers["personality(PER_LINUX)"] == 0x0008


def test_clone3_answers_enosys_so_libc_falls_back_to_clone(inside):
    assert inside[1]["clone3"] == -errno.ENOSYS  # its entry's errnoRet: 38


def test_vsock_is_refused_only_by_the_newer_profile(inside, outside):
    tag, answers = inside
    if tag == "v28.5.2":  # socket: allowed when argument 0 != 40
        assert answers["socket(AF_VSOCK)"] == -errno.EPERM
    else:  # socket is in the plain allow list: the kernel's own answer
        assert answers["socket(AF_VSOCK)"] == outside["socket(AF_VSOCK)"]


def test_landlock_is_enosys_before_20_10_18_and_allowed_after(inside, outside):
    """v20.10.17 names no landlock call; its newest call is epoll_pwait2 (441), so runc's stub
    answers landlock_create_ruleset (444) with ENOSYS, not the default action's EPERM."""
    tag, answers = inside
    if outside["landlock_create_ruleset(VERSION)"] < 1:
        pytest.skip("this kernel offers no Landlock")
    expected = {"v20.10.17": -errno.ENOSYS,
                "v28.5.2": outside["landlock_create_ruleset(VERSION)"]}[tag]  # the ABI version
    assert answers["landlock_create_ruleset(VERSION)"] == expected


def test_the_capabilities_are_dockers_and_none_is_inheritable(inside):
    answers = inside[1]
    assert answers["CapInh"] == 0
    assert answers["CapPrm"] == answers["CapEff"] == answers["CapBnd"] == DOCKER_MASK


def test_conditions_on_one_argument_become_separate_rules_as_runc_makes_them(tmp_path):
    """runc splits an entry with two conditions on argument 0 into one rule per condition:
    personality(0x0008) and personality(0x0400000) are each refused (ANDed, no value could
    match both and neither would be); an unknown name is skipped, not an error."""
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["personality", "no_such_call"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
         "args": [{"index": 0, "value": 0x0008, "op": "SCMP_CMP_EQ"},
                  {"index": 0, "value": 0x0400000, "op": "SCMP_CMP_EQ"}]}]}))
    answers = probe(as_docker([], profile))
    assert answers["personality(PER_LINUX32)"] == -errno.EINVAL
    assert answers["personality(READ_IMPLIES_EXEC)"] == -errno.EINVAL
    assert answers["personality(0xffffffff)"] == 0
