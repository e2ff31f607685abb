"""The *unprivileged Linux* tier, applied by a sandbox child to itself, and the probes of
every mechanism a host may offer.

No privilege is needed for any of it: a non-root grader, or root without ``CAP_SYS_ADMIN``
(Docker's default capabilities: Gradescope, most CI containers), confine a child with

- **Landlock** (``landlockpy``): the child may read only the system's folders, Python's own
  folders and its working folder, and write only its working folder; TCP bind/connect are
  denied (ABI 4); signals and abstract unix sockets are scoped to the child's own domain
  (ABI 6), so the grader can be neither signalled nor reached; a Landlocked process cannot
  ptrace, so ``/proc/<grader>/environ`` is out of reach twice over;
- **seccomp** (``pyseccomp``, libseccomp): sockets other than AF_UNIX, connect, bind,
  sendto with an address, sendmsg, ptrace, mount, namespaces, keyrings, bpf, io_uring and
  the like fail with EPERM (no_new_privs is set);
- a **network namespace** in an unprivileged user namespace, where the host allows them;
- an **unused uid**, where the zygote may set one (root with ``CAP_SETUID``).

The *uid* tier is the last of these alone (with seccomp where the host allows a filter): a
container whose seccomp profile refuses Landlock and namespaces (Docker before 20.10.18)
still runs the child as a uid of its own, which file modes keep out of the grader's files.
A host offers each tier in several *configurations* (with or without a user namespace,
with or without the unused uid); ``configurations`` lists them strongest first, and the
grader proves each with a canary until one works.

Standalone (stdlib, landlockpy, pyseccomp): the zygote imports it beside ``child.py``.
"""

import ctypes
import errno
import os
import socket

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWNET = 0x20000, 0x8000000, 0x10000000, 0x40000000
CLONE_THREAD = 0x10000
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 1 << 14, 1 << 18, 2, 4
PROBE_UID = 199_999  # an unused uid, only for the set-uid probe (children use 200_000 + pid)
MIN_SIGNAL_ABI = 6  # Landlock scopes signals from ABI 6
PR_CAPBSET_DROP, CAPABILITY_VERSION_3, PR_SET_DUMPABLE = 24, 0x20080522, 4

SYSTEM = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
          "/sys/devices/system/cpu", "/dev/urandom", "/dev/random", "/dev/zero")
# what Python and its libraries read in /etc (the dynamic loader, locale, time zone, user
# names, MIME types, certificates, Debian's library alternatives): never all of /etc, so a
# child that keeps uid 0 cannot read /etc/shadow, /etc/gshadow, sudoers or host keys
ETC = tuple(f"/etc/{name}" for name in (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "locale.alias",
    "locale.conf", "default/locale", "nsswitch.conf", "passwd", "group", "host.conf",
    "mime.types", "alternatives", "ssl/certs", "ssl/openssl.cnf", "ca-certificates",
    "os-release", "debian_version", "fonts"))
DENIED_CALLS = (
    "connect", "bind", "listen", "accept", "accept4", "sendmsg", "sendmmsg", "ptrace",
    "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
    "unshare", "setns", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load",
    "init_module", "finit_module", "delete_module", "open_by_handle_at", "name_to_handle_at",
    "fanotify_init", "iopl", "ioperm", "swapon", "swapoff", "reboot", "settimeofday",
    "clock_settime", "acct", "quotactl", "mount_setattr", "move_mount", "open_tree", "fsopen",
    "fsmount", "fsconfig",
)


def libc():
    return ctypes.CDLL(None, use_errno=True)


def inside(path, folder):
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def beneath_except(paths, hidden):
    """``paths`` with every ``hidden`` folder cut out: a folder that holds a hidden one is
    replaced by its entries, recursively (Landlock grants whole hierarchies)."""
    found = []
    for path in paths:
        real = os.path.realpath(path)
        if not os.path.exists(real) or any(real == h or inside(real, h) for h in hidden):
            continue
        if any(inside(h, real) for h in hidden) and os.path.isdir(real):
            found += beneath_except([os.path.join(real, n) for n in sorted(os.listdir(real))],
                                    hidden)
        else:
            found.append(real)
    return found


# ---------------------------------------------------------------- the mechanisms


def landlock_abi():
    try:
        import landlockpy
    except ImportError:
        return 0
    try:
        return landlockpy.abi_version()
    except OSError:
        return 0


def landlock(readable, writable):
    """Restrict this process (and its future children) to reading ``readable`` and writing
    ``writable`` (lists of paths); no TCP; signals and abstract sockets scoped to itself."""
    from landlockpy import AccessFS, AccessNet, Ruleset, Scope

    read = AccessFS.READ_FILE | AccessFS.READ_DIR | AccessFS.EXECUTE
    file_write = AccessFS.READ_FILE | AccessFS.WRITE_FILE | AccessFS.TRUNCATE
    with Ruleset(handled_net=AccessNet.BIND_TCP | AccessNet.CONNECT_TCP | AccessNet.BIND_UDP
                 | AccessNet.CONNECT_SEND_UDP,
                 scoped=Scope.ABSTRACT_UNIX_SOCKET | Scope.SIGNAL) as rules:  # every fs right
        for path in readable:
            rules.allow_path(path, read if os.path.isdir(path) else read & ~AccessFS.READ_DIR)
        for path in writable:
            rules.allow_path(path, rules.handled_fs if os.path.isdir(path) else file_write)
        rules.restrict()


def seccomp(no_fork=False):
    """Load the filter: the system calls a numerical child never needs fail with EPERM.

    ``no_fork``: new processes fail too (threads do not). For a child that keeps uid 0,
    which RLIMIT_NPROC does not bound: no fork bomb then."""
    import pyseccomp as sc

    deny = sc.ERRNO(errno.EPERM)
    rules = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED_CALLS:
        try:
            rules.add_rule(deny, name)
        except (OSError, ValueError, RuntimeError):
            pass  # not a system call on this architecture
    rules.add_rule(deny, "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    rules.add_rule(deny, "sendto", sc.Arg(4, sc.NE, 0))
    if no_fork:
        rules.add_rule(deny, "fork")
        rules.add_rule(deny, "vfork")
        rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
        rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # libc falls back to clone
    rules.load()


def network_namespace():
    """A user namespace with an empty network namespace: no interface, no abstract socket;
    and a mount namespace. Returns whether this uid could be mapped to itself there (uid 0
    cannot be, without CAP_SETFCAP): ``scratch`` needs it."""
    uid, gid = os.getuid(), os.getgid()
    if libc().unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWUSER | CLONE_NEWNET): {os.strerror(err)}")
    if uid == 0:
        return False
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    return True


def scratch(workdir, size):
    """``workdir`` becomes a tmpfs of ``size`` bytes holding what it held: everything the
    child writes is bounded (needs the mount namespace of ``network_namespace``)."""
    files = {}
    for folder, _, names in os.walk(workdir):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, workdir)] = f.read()
    lib = libc()
    options = f"size={size},nr_inodes=4096,mode=0700".encode()
    if (lib.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0 or
            lib.mount(b"tmpfs", workdir.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0):
        err = ctypes.get_errno()
        raise OSError(err, f"mount tmpfs on the working folder: {os.strerror(err)}")
    for name, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(workdir, name)), exist_ok=True)
        with open(os.path.join(workdir, name), "wb") as f:
            f.write(data)


def drop_uid(uid):
    """Become ``uid`` (and gid) with no supplementary group."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def dumpable():
    """Undo what a change of uid does to /proc/self: a process that changed its uid is not
    dumpable, so its /proc/self files stay root's and it could not write its own user
    namespace's maps. Its own uid alone gains the right to trace it, and seccomp refuses
    ptrace; RLIMIT_CORE is 0."""
    if libc().prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_DUMPABLE): {os.strerror(err)}")


def drop_capabilities():
    """Root that keeps uid 0 (Python lives where no other uid may go): no capability left,
    in the bounding set either; no_new_privs (set by Landlock) keeps exec from restoring any."""
    lib = libc()
    for cap in range(64):
        lib.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    if lib.capset(header, data) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"capset: {os.strerror(err)}")


def open_to_all(paths):
    """Whether a uid of no group could reach every one of ``paths`` (o+x on each folder
    above it, o+rx on it)."""
    for path in paths:
        parts = path.split(os.sep)
        for depth in range(2, len(parts) + 1):
            mode = os.stat(os.sep.join(parts[:depth]) or os.sep).st_mode
            if not mode & 0o001 or (depth == len(parts) and not mode & 0o004):
                return False
    return True


def confine(workdir, readable, hidden, config, scratch_bytes):
    """Apply a configuration of the *unprivileged* or *uid* tier to this (forked) child: its
    uid, network (and, with it, a bounded scratch tmpfs), Landlock, then seccomp.

    ``readable``: Python's folders (outside ``hidden``); ``config``: which mechanisms, and
    ``config["uid"]`` the unused uid (or None: the grader's, less every capability).
    """
    uid = config.get("uid")
    if uid is not None:
        for folder, _, names in os.walk(workdir):
            for path in [folder] + [os.path.join(folder, n) for n in names]:
                os.chown(path, uid, uid)
        drop_uid(uid)
        if config["netns"]:
            dumpable()
    keeps_root = os.geteuid() == 0  # before a user namespace shows it as the overflow uid
    if keeps_root:
        drop_capabilities()
    if config["netns"] and network_namespace():
        scratch(workdir, scratch_bytes)
        os.chdir(workdir)  # the tmpfs, not the folder under it
    if config["landlock"]:
        own = f"/proc/{os.getpid()}"
        landlock(beneath_except(SYSTEM + ETC, hidden) + list(readable) + [own, workdir],
                 [workdir, os.devnull])
    if config["seccomp"]:
        seccomp(no_fork=keeps_root)


# ---------------------------------------------------------------- probes


def try_in_child(fn):
    """Run ``fn`` in a forked child: (True, "") if it returned, else (False, why)."""
    return try_in_children({"": fn})[""]


def try_in_children(fns):
    """Run each of ``fns`` ({name: fn}) in a forked child of its own, all at once: for each
    name (True, "") if it returned, else (False, why)."""
    started = {}
    for name, fn in fns.items():
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            why = b""
            try:
                fn()
            except BaseException as err:  # noqa: BLE001 - report any failure as text
                why = f"{type(err).__name__}: {err}".encode()[:300]
            os.write(write, why)
            os._exit(1 if why else 0)
        os.close(write)
        started[name] = (pid, read)
    found = {}
    for name, (pid, read) in started.items():  # each writes 300 bytes at most: no pipe fills
        with os.fdopen(read, "rb") as f:
            why = f.read().decode(errors="replace")
        _, status = os.waitpid(pid, 0)
        ok = os.waitstatus_to_exitcode(status) == 0
        found[name] = (ok, why if not ok else "")
    return found


def _mount_namespace():
    lib = libc()
    if lib.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare: " + os.strerror(ctypes.get_errno()))
    if lib.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "mount: " + os.strerror(ctypes.get_errno()))
    if lib.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, b"size=16k") != 0:
        raise OSError(ctypes.get_errno(), "mount tmpfs: " + os.strerror(ctypes.get_errno()))


def _landlock_denies():
    landlock([], [])
    try:
        os.listdir("/")
    except PermissionError:
        return
    raise RuntimeError("a Landlocked process could still list /")


def _seccomp_denies():
    seccomp()
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return
    raise RuntimeError("a filtered process could still open an AF_INET socket")


def probe():
    """Each mechanism this host offers, tried for real, each in a child of its own, all at
    once: {name: {"ok": bool, "detail": str}}. The mechanisms' libraries are imported here
    first, so that the probes and every child forked later find them loaded (pyseccomp and
    landlockpy look for their C libraries with ``ldconfig -p``: a process each)."""
    preload()
    abi = landlock_abi()
    tried = try_in_children({
        "mount namespaces": _mount_namespace,
        "set-uid to an unused uid": lambda: drop_uid(PROBE_UID),
        **({"Landlock": _landlock_denies} if abi else {}),
        "seccomp": _seccomp_denies,
        "user namespaces": network_namespace,
    })
    found = {name: {"ok": ok, "detail": why} for name, (ok, why) in tried.items()}
    if abi:
        ok, why = tried["Landlock"]
        found["Landlock"]["detail"] = f"ABI {abi}" if ok else f"ABI {abi}: {why}"
    else:
        found["Landlock"] = {"ok": False, "detail": "not offered (Linux >= 5.13 with Landlock "
                                                    "enabled, and the landlockpy package, are "
                                                    "needed)"}
    found["Landlock"]["abi"] = abi
    return {name: found[name] for name in ("mount namespaces", "set-uid to an unused uid",
                                           "Landlock", "seccomp", "user namespaces")}


def preload():
    """Import the mechanisms' libraries that are installed (the zygote: once)."""
    for name in ("pyseccomp", "landlockpy"):
        try:
            __import__(name)
        except (ImportError, OSError):
            pass


def configuration(tier, setuid, netns, landlock, seccomp):
    """One way to confine a child: its tier and the mechanisms it combines."""
    return {"tier": tier, "setuid": setuid, "netns": netns, "landlock": landlock,
            "seccomp": seccomp}


def describe(config):
    """'unprivileged: Landlock + seccomp + set-uid + user namespace'."""
    used = {"namespaces": ["mount namespaces"]}.get(config["tier"], [])
    used += [name for name, key in (("Landlock", "landlock"), ("seccomp", "seccomp"),
                                    ("set-uid", "setuid"), ("user namespace", "netns"))
             if config[key]]
    return f"{config['tier']}: {' + '.join(used)}"


def configurations(found, python_open):
    """The isolating configurations these mechanisms make, strongest first, and why the
    tiers that have none are missing.

    ``python_open``: whether an unused uid can reach Python's folders (without that, no
    configuration may change the child's uid but *namespaces*, which mounts them back).
    A child that keeps the grader's uid needs Landlock's signal scoping (ABI >= 6), so that
    it cannot signal the grader.
    """
    ok = {name: entry["ok"] for name, entry in found.items()}
    uid_ok = ok["set-uid to an unused uid"] and python_open
    userns = [True, False] if ok["user namespaces"] else [False]
    found_configs, why = [], {}
    if ok["mount namespaces"] and ok["set-uid to an unused uid"]:
        found_configs.append(configuration("namespaces", True, False, False, False))
    else:
        why["namespaces"] = "needs mount namespaces and set-uid (root with CAP_SYS_ADMIN)"
    signals = found["Landlock"]["abi"] >= MIN_SIGNAL_ABI
    if ok["Landlock"] and ok["seccomp"] and (uid_ok or signals):
        for setuid in [True] * uid_ok + [False] * signals:
            found_configs += [configuration("unprivileged", setuid, netns, True, True)
                              for netns in userns]
    elif not (ok["Landlock"] and ok["seccomp"]):
        why["unprivileged"] = "needs Landlock and seccomp"
    else:
        why["unprivileged"] = (f"needs Landlock ABI >= {MIN_SIGNAL_ABI} (signal scoping) or "
                               "set-uid, so that a child cannot signal the grader")
    if uid_ok:
        found_configs += [configuration("uid", True, netns, False, ok["seccomp"])
                          for netns in userns]
    elif not ok["set-uid to an unused uid"]:
        why["uid"] = "needs set-uid to an unused uid (root with CAP_SETUID)"
    else:
        why["uid"] = ("needs Python's folders open to every user (install the kit and its "
                      "Python where any uid may read them, not under /root)")
    return found_configs, why
