# Hostile probes, written as an untrusted build step would. Each prints one JSON line:
#   {"probe": NAME, "succeeded": BOOL, "errno": INT|null, "error": BOOL, "detail": TEXT}
# "succeeded" means the attack reached its goal; the tests assert it did not, and how it was refused.
# "error" means the probe itself crashed (a bug or an unexpected environment, not a refusal): the
# tests fail on it, so a broken probe can never pass as a refused attack.
# Nothing here sends traffic anywhere but loopback, or addresses the tests name on networks they own.
import ctypes, errno, json, os, socket, stat, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
CONTEXT = json.load(open("/workspace/context.json")) if os.path.exists("/workspace/context.json") else {}

def report(name, succeeded, err=None, detail="", error=False):
    if not isinstance(detail, (dict, list)):
        detail = str(detail)[:2000]
    print(json.dumps({"probe": name, "succeeded": bool(succeeded), "errno": err, "error": bool(error), "detail": detail}, default=str), flush=True)

def attempt(name, action):
    """Runs action(); an OSError is a refusal with its errno; a return value is (succeeded, detail);
    any other exception is the probe's own crash, reported as an error, never as a refusal."""
    try:
        succeeded, detail = action()
        report(name, succeeded, None, detail)
    except OSError as e:
        report(name, False, e.errno, f"{type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001 - reported, and the test fails on it
        import traceback
        report(name, False, None, f"PROBE ERROR {type(e).__name__}: {e}\n{traceback.format_exc()[-1500:]}", error=True)

def raw_syscall(name, number, *args):
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
    err = ctypes.get_errno()
    if result == 0 and name.startswith("clone"):
        os._exit(0)  # a child that should never have been created leaves at once
    report(name, result >= 0, None if result >= 0 else err, f"syscall {number} returned {result}, errno {err} ({os.strerror(err) if err else ''})")

def open_for_write(path):
    def action():
        fd = os.open(path, os.O_WRONLY)  # never written to: opening is the breach
        os.close(fd)
        return True, f"{path} opened for writing"
    return action

def read_all(path, limit=4096):
    with open(path, "rb") as f:
        return f.read(limit)

def walk(top, skip=("/proc", "/sys", "/dev"), unreadable=None):
    """os.walk without the kernel's pseudo file systems; directories it cannot read go to unreadable."""
    def failed(e):
        if unreadable is not None:
            unreadable.append(f"{e.filename}: {e.strerror}")
    for root, dirs, files in os.walk(top, onerror=failed):
        if root in skip:
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
        yield root, dirs, files

# ---------------------------------------------------------------- escape
def escape():
    # /dev is searched too (a socket could be bind-mounted there); the directories the search could
    # not read are reported, so a socket hidden in one is not silently missed
    found, unreadable = [], []
    for root, dirs, files in walk("/", skip=("/proc", "/sys"), unreadable=unreadable):
        for name in files + dirs:
            path = os.path.join(root, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue
            if name in ("docker.sock", "containerd.sock", "docker", "containerd") and (stat.S_ISSOCK(mode) or "sock" in name) or stat.S_ISSOCK(mode):
                found.append(path)
    report("docker_socket_anywhere", bool(found), None, {"sockets": found, "unreadable": unreadable})

    def connect_socket():
        errors = []
        for path in ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"):
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(path)
                return True, f"connected to {path}"
            except OSError as e:
                errors.append(e.errno)
            finally:
                s.close()
        raise OSError(errors[0], f"all refused: {errors}")
    attempt("docker_socket_connect", connect_socket)

    attempt("proc_sys_write", open_for_write("/proc/sys/kernel/hostname"))
    attempt("sysrq_trigger_write", open_for_write("/proc/sysrq-trigger"))
    attempt("core_pattern_write", open_for_write("/proc/sys/kernel/core_pattern"))
    attempt("modprobe_path_write", open_for_write("/proc/sys/kernel/modprobe"))
    attempt("uevent_helper_write", open_for_write("/sys/kernel/uevent_helper"))

    def cgroupfs_write():
        for root in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup"):
            if os.path.isdir(root):
                os.mkdir(os.path.join(root, "gadugi-escape"))
                return True, f"created a cgroup under {root}"
        raise OSError(errno.ENOENT, "no cgroup file system visible")
    attempt("cgroupfs_write", cgroupfs_write)

    os.makedirs("/tmp/mnt", exist_ok=True)
    for name, source, fstype, data in (("mount_cgroup", b"cgroup", b"cgroup", b"memory"), ("mount_proc", b"proc", b"proc", None), ("mount_tmpfs", b"tmpfs", b"tmpfs", b"size=1m")):
        ctypes.set_errno(0)
        result = libc.mount(source, b"/tmp/mnt", fstype, 0, data)
        err = ctypes.get_errno()
        report(name, result == 0, None if result == 0 else err, f"mount({source.decode()}) returned {result}, errno {err}")

    def writable_release_agent():
        agents = []
        for root, dirs, files in os.walk("/sys/fs/cgroup", onerror=lambda e: None):
            if "release_agent" in files:
                agents.append(os.path.join(root, "release_agent"))
        for agent in agents:
            try:
                fd = os.open(agent, os.O_WRONLY)
                os.close(fd)
                return True, f"{agent} is writable"
            except OSError as e:
                last = e
        if agents:
            raise last
        return False, "no release_agent visible"
    attempt("release_agent_writable", writable_release_agent)

    # unshare and clone with namespace flags, one flag at a time
    for name, flag in (("unshare_user", 0x10000000), ("unshare_mount", 0x00020000), ("unshare_net", 0x40000000), ("unshare_pid", 0x20000000), ("unshare_ipc", 0x08000000), ("unshare_uts", 0x04000000), ("unshare_cgroup", 0x02000000)):
        pid = os.fork()
        if pid == 0:  # in a child, so a success cannot change the prober itself
            ctypes.set_errno(0)
            r = libc.syscall(ctypes.c_long(272), ctypes.c_long(flag))
            os._exit(0 if r == 0 else min(ctypes.get_errno(), 255) or 255)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        report(name, code == 0, None if code == 0 else code, f"unshare({flag:#x}) exit/errno {code}")

    # after a user namespace, try to mount a cgroup and reach a release_agent (the CVE-2022-0492 path)
    pid = os.fork()
    if pid == 0:
        r = libc.syscall(ctypes.c_long(272), ctypes.c_long(0x10000000 | 0x00020000))
        if r != 0:
            os._exit(min(ctypes.get_errno(), 255) or 255)
        os.makedirs("/tmp/cg", exist_ok=True)
        r = libc.mount(b"cgroup", b"/tmp/cg", b"cgroup", 0, b"rdma")
        if r != 0:
            os._exit(200)
        try:
            fd = os.open("/tmp/cg/release_agent", os.O_WRONLY)
            os.close(fd)
            os._exit(0)
        except OSError:
            os._exit(201)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    report("unshare_then_release_agent", code == 0, code if code < 200 else None, {200: "unshare worked, cgroup mount refused", 201: "mounted, release_agent not writable"}.get(code, f"unshare refused, errno {code}"))

    raw_syscall("clone_newuser", 56, 0x10000000 | 17, 0, 0, 0, 0)
    raw_syscall("clone_newns", 56, 0x00020000 | 17, 0, 0, 0, 0)
    raw_syscall("setns", 308, 0, 0)

    image = b"\x7fELF" + b"\0" * 60
    buf = ctypes.create_string_buffer(image)
    raw_syscall("init_module", 175, ctypes.addressof(buf), len(image), ctypes.addressof(ctypes.create_string_buffer(b"")))
    fd = os.open("/tmp/module.ko", os.O_CREAT | os.O_WRONLY, 0o600); os.write(fd, image); os.close(fd)
    fd = os.open("/tmp/module.ko", os.O_RDONLY)
    raw_syscall("finit_module", 313, fd, ctypes.addressof(ctypes.create_string_buffer(b"")), 0)
    os.close(fd)
    raw_syscall("delete_module", 176, ctypes.addressof(ctypes.create_string_buffer(b"ext4")), 0)
    raw_syscall("add_key", 248, ctypes.addressof(ctypes.create_string_buffer(b"user")), ctypes.addressof(ctypes.create_string_buffer(b"gadugi")), ctypes.addressof(ctypes.create_string_buffer(b"secret")), 6, -2)
    raw_syscall("keyctl", 250, 0, -3, 0)  # KEYCTL_GET_KEYRING_ID of the session keyring
    raw_syscall("request_key", 249, ctypes.addressof(ctypes.create_string_buffer(b"user")), ctypes.addressof(ctypes.create_string_buffer(b"gadugi")), 0, 0)
    attr = ctypes.create_string_buffer(128)
    raw_syscall("bpf", 321, 0, ctypes.addressof(attr), 128)  # BPF_MAP_CREATE
    perf = ctypes.create_string_buffer(128); ctypes.memmove(perf, (ctypes.c_uint32 * 2)(1, 128), 8)  # PERF_TYPE_SOFTWARE, size
    raw_syscall("perf_event_open", 298, ctypes.addressof(perf), 0, -1, -1, 0)
    raw_syscall("userfaultfd", 323, 0)
    params = ctypes.create_string_buffer(120)
    raw_syscall("io_uring_setup", 425, 4, ctypes.addressof(params))
    handle = ctypes.create_string_buffer(128); ctypes.memmove(handle, (ctypes.c_uint32 * 2)(8, 1), 8)
    raw_syscall("open_by_handle_at", 304, os.open("/", os.O_RDONLY), ctypes.addressof(handle), 0)
    raw_syscall("name_to_handle_at", 303, -100, ctypes.addressof(ctypes.create_string_buffer(b"/etc/passwd")), ctypes.addressof(handle), ctypes.addressof(ctypes.create_string_buffer(8)), 0)
    raw_syscall("ptrace_attach_init", 101, 16, 1, 0, 0)  # PTRACE_ATTACH to pid 1
    raw_syscall("kexec_load", 246, 0, 0, 0, 0)
    raw_syscall("pivot_root", 155, ctypes.addressof(ctypes.create_string_buffer(b"/tmp")), ctypes.addressof(ctypes.create_string_buffer(b"/tmp")))
    raw_syscall("chroot", 161, ctypes.addressof(ctypes.create_string_buffer(b"/tmp")))
    raw_syscall("personality_no_aslr", 135, 0x0040000)
    # the kernel reads the personality as 32 bits: high bits must not get ADDR_NO_RANDOMIZE past the filter
    raw_syscall("personality_high_bits", 135, 0x100040000)

    # clone3 keeps its flags in memory, where no filter can read them: CLONE_NEWUSER | CLONE_NEWNS, exit signal SIGCHLD
    clone_args = ctypes.create_string_buffer(88)
    ctypes.memmove(clone_args, (ctypes.c_uint64 * 5)(0x10000000 | 0x00020000, 0, 0, 0, 17), 40)
    raw_syscall("clone3_newuser", 435, ctypes.addressof(clone_args), 88)

    # the new mount API: every call that could make, attach or change a mount
    raw_syscall("fsopen", 430, ctypes.addressof(ctypes.create_string_buffer(b"tmpfs")), 0)
    raw_syscall("open_tree", 428, -100, ctypes.addressof(ctypes.create_string_buffer(b"/")), 1)  # OPEN_TREE_CLONE
    raw_syscall("move_mount", 429, -100, ctypes.addressof(ctypes.create_string_buffer(b"/tmp")), -100, ctypes.addressof(ctypes.create_string_buffer(b"/mnt")), 0)
    raw_syscall("fspick", 433, -100, ctypes.addressof(ctypes.create_string_buffer(b"/")), 0)
    raw_syscall("mount_setattr", 442, -100, ctypes.addressof(ctypes.create_string_buffer(b"/")), 0, ctypes.addressof(ctypes.create_string_buffer(32)), 32)

    def inject_keystrokes():
        # TIOCSTI pushes input into a terminal (a host shell's, if the sandbox held one); TIOCLINUX drives a VT
        outcomes = {}
        for name, fd_source in (("stdin", 0), ("stdout", 1), ("stderr", 2), ("/dev/tty", "/dev/tty"), ("/dev/console", "/dev/console"), ("/dev/tty0", "/dev/tty0")):
            try:
                fd = os.open(fd_source, os.O_RDWR | os.O_NOCTTY) if isinstance(fd_source, str) else fd_source
            except OSError as e:
                outcomes[name] = f"open errno {e.errno}"
                continue
            for request, label in ((0x5412, "TIOCSTI"), (0x541C, "TIOCLINUX")):
                ctypes.set_errno(0)
                result = libc.ioctl(fd, request, ctypes.byref(ctypes.c_char(b"x")))
                outcomes[f"{name} {label}"] = "done" if result == 0 else ctypes.get_errno()
            if isinstance(fd_source, str):
                os.close(fd)
        return any(v == "done" for v in outcomes.values()), outcomes
    attempt("terminal_injection", inject_keystrokes)

    def make_device(path, kind, major, minor):
        def action():
            os.mknod(path, kind | 0o666, os.makedev(major, minor))
            try:  # a node is only a breach if it opens onto a device
                os.close(os.open(path, os.O_RDONLY))
                return True, f"created and opened {path} ({major}:{minor})"
            except OSError as e:
                raise OSError(e.errno, f"node created but unusable: {e.strerror}") from e
        return action
    attempt("mknod_char_device", make_device("/tmp/mem", stat.S_IFCHR, 1, 1))
    attempt("mknod_block_device", make_device("/tmp/sda", stat.S_IFBLK, 8, 0))

    def dev_nodes():
        opened = []
        # /dev/userfaultfd hands out what the userfaultfd call (denied) would; /dev/vsock, the hypervisor's sockets
        for path in ("/dev/mem", "/dev/kmem", "/dev/port", "/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/kmsg", "/dev/fuse", "/dev/net/tun", "/dev/userfaultfd", "/dev/vsock", "/dev/vhost-vsock", "/dev/kvm"):
            try:
                os.close(os.open(path, os.O_RDONLY))
                opened.append(path)
            except OSError:
                pass
        blocks = [os.path.join(r, n) for r, d, f in os.walk("/dev") for n in f if stat.S_ISBLK(os.lstat(os.path.join(r, n)).st_mode)]
        return bool(opened or blocks), {"opened": opened, "block_devices": blocks, "dev": sorted(os.listdir("/dev"))}
    # the result is judged by the test: gVisor serves /dev/fuse and /dev/net/tun from its own kernel
    attempt("device_nodes", dev_nodes)

    def masked():
        leaked = {}
        for path in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats", "/proc/acpi", "/proc/scsi", "/sys/firmware"):
            try:
                if os.path.isdir(path):
                    if os.listdir(path):
                        leaked[path] = os.listdir(path)[:5]
                elif read_all(path, 64):
                    leaked[path] = "readable"
            except OSError:
                pass
        return bool(leaked), leaked or "all empty or unreadable"
    attempt("masked_proc_sys_entries", masked)

    def kallsyms():
        lines = [line.split() for line in read_all("/proc/kallsyms", 1 << 16).decode().splitlines()]
        nonzero = [" ".join(f) for f in lines if len(f) >= 3 and f[0].strip("0")]
        return bool(nonzero), nonzero[:3] or "addresses hidden"
    attempt("kallsyms_addresses", kallsyms)

    def leaked_fds():
        leaks = {}
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        for pid in pids:
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except OSError:
                continue
            for fd in fds:
                link = f"/proc/{pid}/fd/{fd}"
                try:
                    target = os.readlink(link)
                except OSError:
                    continue
                if not target.startswith("/"):
                    continue  # pipe:, socket:, anon_inode:
                try:
                    theirs, ours = os.stat(link), os.stat(target) if os.path.exists(target) else None
                    # the same file, or the same character device (the engine hands exec'd processes
                    # its own /dev/null: a null device, not a way into the host's file tree)
                    visible = ours is not None and (theirs.st_ino == ours.st_ino and theirs.st_dev == ours.st_dev
                                                    or stat.S_ISCHR(theirs.st_mode) and stat.S_ISCHR(ours.st_mode) and theirs.st_rdev == ours.st_rdev)
                    if stat.S_ISDIR(theirs.st_mode) and not visible:
                        target = "DIRECTORY " + target  # the dangerous kind (CVE-2024-21626)
                except OSError:
                    visible = False
                if not visible:
                    leaks[f"{pid}:{fd}"] = target
            # a working directory or root left on a host directory is the same escape (CVE-2024-21626)
            for kind, expected in (("cwd", None), ("root", "/")):
                link = f"/proc/{pid}/{kind}"
                try:
                    target = os.readlink(link)
                    theirs = os.stat(link)
                except OSError:
                    continue
                ours = os.stat(target) if os.path.isabs(target) and os.path.exists(target) else None
                inside = ours is not None and theirs.st_ino == ours.st_ino and theirs.st_dev == ours.st_dev
                if not inside or (expected is not None and target != expected):
                    leaks[f"{pid}:{kind}"] = target
        return bool(leaks), leaks or f"all descriptors, working directories and roots of {len(pids)} processes are inside the sandbox"
    attempt("leaked_host_descriptors", leaked_fds)

    attempt("overwrite_proc_self_exe", open_for_write("/proc/self/exe"))

    def any_exe():
        # the engine's own helpers (runc init during an exec, docker-init) must not be writable either
        opened, errors = [], set()
        for pid in (p for p in os.listdir("/proc") if p.isdigit()):
            try:
                os.close(os.open(f"/proc/{pid}/exe", os.O_WRONLY))
                opened.append(pid)
            except OSError as e:
                errors.add(e.errno)
        if opened:
            return True, f"opened the executables of {opened} for writing"
        raise OSError(min(errors) if errors else errno.ENOENT, f"refused: {sorted(errors)}")
    attempt("overwrite_any_exe", any_exe)
    attempt("overwrite_init_exe", open_for_write("/proc/1/exe"))
    init = next((p for p in ("/sbin/docker-init", "/usr/sbin/docker-init", "/dev/init") if os.path.exists(p)), "/sbin/docker-init")
    attempt("overwrite_docker_init", open_for_write(init))

    def writable_binaries():
        writable = []
        for top in ("/usr", "/bin", "/sbin", "/lib", "/etc"):
            for root, dirs, files in walk(top):
                for name in files:
                    path = os.path.join(root, name)
                    if not os.path.islink(path) and os.access(path, os.W_OK):
                        writable.append(path)
        return bool(writable), writable[:10] or "no writable file under /usr /bin /sbin /lib /etc"
    attempt("writable_system_files", writable_binaries)

    def kernel_identity():
        buffer = ctypes.create_string_buffer(4096)
        ctypes.set_errno(0)
        n = libc.klogctl(3, buffer, 4096)  # SYSLOG_ACTION_READ_ALL
        log = buffer.raw[:n].decode(errors="replace") if n > 0 else f"klogctl refused: errno {ctypes.get_errno()}"
        return False, {"release": os.uname().release, "version": read_all("/proc/version").decode(errors="replace").strip(), "log": log[:300], "log_errno": ctypes.get_errno() if n < 0 else 0}
    attempt("kernel_identity", kernel_identity)

# ---------------------------------------------------------------- privilege
def privilege():
    ids = {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "egid": os.getegid(), "groups": os.getgroups()}
    report("uid_gid_not_root", 0 in (ids["uid"], ids["euid"], ids["gid"], ids["egid"]) or 0 in ids["groups"], None, ids)

    status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
    caps = {k: status.get(k, "?").strip() for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    report("capabilities_empty", any(v.strip("0") != "" for v in caps.values() if v != "?"), None, caps)

    libc.prctl.restype = ctypes.c_int
    nnp = libc.prctl(39, 0, 0, 0, 0)  # PR_GET_NO_NEW_PRIVS
    report("no_new_privs", nnp != 1, None, {"prctl": nnp, "status": status.get("NoNewPrivs", "absent")})
    seccomp = libc.prctl(21, 0, 0, 0, 0)  # PR_GET_SECCOMP: 2 = filter
    report("seccomp_filter", seccomp != 2, None, {"prctl": seccomp, "status": status.get("Seccomp", "absent"), "filters": status.get("Seccomp_filters", "absent")})

    def setuid_files():
        found = []
        for root, dirs, files in walk("/"):
            for name in files:
                path = os.path.join(root, name)
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    continue
                if stat.S_ISREG(mode) and mode & (stat.S_ISUID | stat.S_ISGID):
                    found.append(path)
        return bool(found), found or "no setuid/setgid file"
    attempt("setuid_binaries", setuid_files)

    def raise_capabilities():
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)(0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        ctypes.set_errno(0)
        if libc.capset(header, data) == 0:
            return True, "capset raised capabilities"
        raise OSError(ctypes.get_errno(), "capset refused")
    attempt("capset_raise", raise_capabilities)

    def become_root():
        os.setuid(0)
        return True, "setuid(0) worked"
    attempt("setuid_root", become_root)

    def su():
        import subprocess
        for tool in ("su", "sudo", "newgrp", "passwd", "mount", "ping"):
            path = next((os.path.join(d, tool) for d in os.environ.get("PATH", "/usr/bin:/bin").split(":") if os.path.exists(os.path.join(d, tool))), None)
            if path and os.stat(path).st_mode & stat.S_ISUID:
                return True, f"{path} is setuid"
        out = subprocess.run(["su", "-c", "id -u"], capture_output=True, text=True, input="") if any(os.path.exists(os.path.join(d, "su")) for d in ("/bin", "/usr/bin")) else None
        if out is not None and out.stdout.strip() == "0":
            return True, "su gave root"
        return False, "no setuid helper, su " + ("absent" if out is None else f"failed: {out.stderr.strip()[:200]}")
    attempt("setuid_helpers_powerless", su)

    # /var/tmp and /run/lock are world-writable folders of the image's read-only root; the test
    # opens the workspace and input folders to everyone: only a read-only mount can refuse those
    for name, path in (("write_etc", "/etc/gadugi-probe"), ("write_usr", "/usr/gadugi-probe"), ("write_root", "/gadugi-probe"), ("write_bin", "/usr/bin/gadugi-probe"),
                       ("write_var_tmp", "/var/tmp/gadugi-probe"), ("write_run_lock", "/run/lock/gadugi-probe"), ("write_workspace", "/workspace/gadugi-probe"), ("write_input", "/input/gadugi-probe")):
        def create(path=path):
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o644)
            os.close(fd)
            return True, f"created {path}"
        attempt(name, create)

# ---------------------------------------------------------------- host
DECLARED = {"/", "/proc", "/dev", "/dev/pts", "/dev/mqueue", "/dev/shm", "/sys", "/sys/fs/cgroup", "/workspace", "/input", "/tmp", "/output",
            "/etc/resolv.conf", "/etc/hostname", "/etc/hosts", "/sbin/docker-init", "/usr/sbin/docker-init", "/dev/init", "/dev/console"}
MASKS = ("/proc/", "/sys/firmware", "/sys/fs/cgroup/", "/sys/devices/virtual/powercap")

def host():
    mounts = []
    for line in open("/proc/self/mountinfo"):
        fields = line.split()
        mounts.append({"root": fields[3], "mountpoint": fields[4], "fstype": fields[fields.index("-") + 1]})
    undeclared = [m for m in mounts if m["mountpoint"] not in DECLARED and not m["mountpoint"].startswith(MASKS)]
    report("undeclared_mounts", bool(undeclared), None, {"undeclared": undeclared, "all": sorted({m["mountpoint"] for m in mounts})})

    processes = {}
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            processes[pid] = read_all(f"/proc/{pid}/cmdline").replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            pass
    foreign = {p: c for p, c in processes.items() if any(word in c for word in ("dockerd", "containerd", "dotnet", "testhost", "systemd", "sshd", "runsc", "gadugi-exec"))}
    report("host_processes_visible", bool(foreign) or len(processes) > 20, None, processes)
    report("pid1_is_init", "init" not in processes.get("1", ""), None, processes.get("1", "absent"))

    hostname = socket.gethostname()
    report("own_hostname", hostname != "sandbox" or hostname == CONTEXT.get("host_hostname"), None, hostname)

    shared = {}
    for ns in ("ipc", "uts", "pid", "net", "mnt", "cgroup"):
        try:
            mine = os.readlink(f"/proc/self/ns/{ns}")
        except OSError as e:
            mine = f"unreadable: {e}"
        if mine == CONTEXT.get("host_namespaces", {}).get(ns):
            shared[ns] = mine
    report("own_namespaces", bool(shared), None, shared or {ns: os.readlink(f"/proc/self/ns/{ns}") for ns in ("ipc", "uts", "pid", "net", "mnt") if os.path.exists(f"/proc/self/ns/{ns}")})

    sysv = read_all("/proc/sysvipc/shm").decode(errors="replace").splitlines()[1:] if os.path.exists("/proc/sysvipc/shm") else []
    report("host_ipc_segments", bool(sysv), None, sysv or "no System V shared memory visible")

    def host_segment_by_id():
        # the id of a segment the test made on the host: IPC_STAT works only in the host's IPC namespace
        # (gVisor has no /proc/sysvipc, so the listing above cannot see anything there)
        shm_id = CONTEXT.get("host_shm_id")
        if shm_id is None:
            raise OSError(errno.ENOENT, "the test made no host segment")
        buffer = ctypes.create_string_buffer(256)
        ctypes.set_errno(0)
        if libc.shmctl(ctypes.c_int(shm_id), ctypes.c_int(2), buffer) == 0:  # IPC_STAT
            return True, f"host segment {shm_id} is visible"
        raise OSError(ctypes.get_errno(), f"shmctl({shm_id}, IPC_STAT) refused")
    attempt("host_ipc_segment_by_id", host_segment_by_id)

    environments = {"self": dict(os.environ)}
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            environments[pid] = read_all(f"/proc/{pid}/environ", 1 << 16).decode(errors="replace").split("\0")
        except OSError:
            pass
    report("environment_dump", False, None, environments)  # the test looks for its secret in here

    present = [p for p in ("/root/.ssh", "/root/.docker", "/tmp/.ssh", "/tmp/.docker", "/home", "/run/secrets", "/var/run/secrets", "/var/run/secrets/kubernetes.io", "/run/secrets/kubernetes.io/serviceaccount/token", "/etc/docker", "/var/lib/docker", "/root/.kube", "/workspace/.git-credentials")
               if os.path.exists(p) and (not os.path.isdir(p) or os.listdir(p))]
    report("credential_locations", bool(present), None, present or "none present")

# ---------------------------------------------------------------- network (default policy: none)
def network():
    interfaces = sorted(os.listdir("/sys/class/net"))
    report("only_loopback", interfaces != ["lo"], None, interfaces)

    def dns():
        return True, socket.getaddrinfo("gadugi-probe.invalid", 443)
    attempt("dns_resolution", dns)  # the test accepts only EAI_AGAIN: no server could be asked at all

    def dns_servers_direct():
        # Straight to each resolver the sandbox was given, bypassing libc: with no route out, the
        # datagram must not even leave (ENETUNREACH). A loopback resolver stays in the sandbox's own
        # network namespace, so it cannot be a way out; it is listed but not counted.
        servers = [line.split()[1] for line in open("/etc/resolv.conf").read().splitlines() if line.startswith("nameserver") and len(line.split()) > 1]
        if not servers:
            raise OSError(errno.ENOENT, "no nameserver in /etc/resolv.conf (libc then asks loopback, inside the sandbox): " + repr(open("/etc/resolv.conf").read()[:300]))
        results, left, errnos = {}, [], []
        for server in servers:
            s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.sendto(b"\0\1\1\0\0\1\0\0\0\0\0\0\6gadugi\5probe\7invalid\0\0\1\0\1", (server, 53))
                results[server] = "sent"
                if not server.startswith("127.") and server != "::1":
                    left.append(server)
            except OSError as e:
                results[server] = f"errno {e.errno} ({e.strerror})"
                errnos.append(e.errno)
            finally:
                s.close()
        if left:
            return True, {"left_the_sandbox_for": left, "servers": results}
        if not errnos:
            raise OSError(errno.ENOENT, "only loopback nameservers, inside the sandbox: " + json.dumps(results))
        # reported with the first errno that is not "unreachable", so the test sees any odd one
        odd = [e for e in errnos if e not in (errno.ENETUNREACH, errno.EHOSTUNREACH)]
        raise OSError((odd or errnos)[0], json.dumps({"servers": results, "errnos": sorted(set(errnos))}))
    attempt("dns_servers_direct", dns_servers_direct)

    def tcp(address, port):
        def action():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect((address, port))
                return True, f"connected to {address}:{port}"
            finally:
                s.close()
        return action
    attempt("metadata_service", tcp("169.254.169.254", 80))
    gateway = CONTEXT.get("gateway", "172.17.0.1")
    attempt("host_gateway", tcp(gateway, 22))
    attempt("docker_tcp_2375", tcp(gateway, 2375))
    attempt("docker_tcp_2376", tcp(gateway, 2376))
    # the test listens on the host's own loopback: the sandbox's loopback is its own
    attempt("host_loopback_listener", tcp("127.0.0.1", CONTEXT["host_loopback_port"]))

    def raw():
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        s.close()
        return True, "raw socket opened"
    attempt("raw_socket", raw)

    def packet():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        s.close()
        return True, "packet socket opened"
    attempt("packet_socket", packet)

    def udp_out():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.sendto(b"x", ("169.254.169.254", 53))
            return True, "datagram left"
        finally:
            s.close()
    attempt("udp_egress", udp_out)

# ---------------------------------------------------------------- address families (default policy: none)
# AF_VSOCK has no network namespace: on a VM-based runner it reaches the hypervisor's own services.
# The probes only create sockets; nothing is ever connected or sent.
AF_VSOCK = 40
RARE_FAMILIES = {"AF_APPLETALK": 5, "AF_X25": 9, "AF_KEY": 15, "AF_RDS": 21, "AF_LLC": 26, "AF_CAN": 29, "AF_TIPC": 30, "AF_BLUETOOTH": 31,
                 "AF_RXRPC": 33, "AF_PHONET": 35, "AF_IEEE802154": 36, "AF_ALG": 38, "AF_NFC": 39, "AF_KCM": 41, "AF_QIPCRTR": 42, "AF_SMC": 43, "AF_XDP": 44, "AF_MCTP": 45}

def families():
    def vsock():
        s = socket.socket(AF_VSOCK, socket.SOCK_STREAM)
        s.close()
        return True, "an AF_VSOCK socket was created"
    attempt("vsock_socket", vsock)

    # the family is an int to the kernel but a 64-bit register to the filter: 0x1_0000_0028 is
    # "not 40" to a filter that compares with 40, and AF_VSOCK to the kernel
    ctypes.set_errno(0)
    fd = libc.syscall(ctypes.c_long(41), ctypes.c_long(0x100000000 | AF_VSOCK), ctypes.c_long(socket.SOCK_STREAM), ctypes.c_long(0))
    err = ctypes.get_errno()
    if fd >= 0:
        os.close(fd)
    report("vsock_socket_high_bits", fd >= 0, None if fd >= 0 else err, f"socket(0x100000028) returned {fd}, errno {err}")

    def socketcall_32bit():
        # int 0x80 from this 64-bit process reaches the 32-bit ABI, whose socketcall(SYS_SOCKET, args)
        # keeps the family in memory, where no filter can read it; run in a child, which may die of it
        import struct
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
        pid = os.fork()
        if pid == 0:
            page = libc.mmap(None, 4096, 7, 0x22 | 0x40, -1, 0)  # RWX, private anonymous, MAP_32BIT
            if page in (None, ctypes.c_void_p(-1).value):
                os._exit(201)
            ctypes.memmove(page + 2048, struct.pack("<III", AF_VSOCK, socket.SOCK_STREAM, 0), 12)
            code = b"\x53\xb8\x66\x00\x00\x00\xbb\x01\x00\x00\x00\xb9" + struct.pack("<I", page + 2048) + b"\xcd\x80\x5b\xc3"  # push rbx; socketcall(SYS_SOCKET, args); pop rbx; ret
            ctypes.memmove(page, code, len(code))
            result = ctypes.CFUNCTYPE(ctypes.c_int)(page)()
            os._exit(0 if result >= 0 else min(-result, 199))
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            signal_number = os.WTERMSIG(status)
            return False, {"signal": signal_number, "why": {31: "SIGSYS: the filter killed the 32-bit call", 11: "SIGSEGV: this kernel offers no 32-bit system calls"}.get(signal_number, "killed")}
        code = os.WEXITSTATUS(status)
        if code == 0:
            return True, "socketcall created an AF_VSOCK socket"
        if code == 201:
            raise RuntimeError("mmap of a 32-bit page failed")
        raise OSError(code, f"socketcall refused with errno {code}")
    attempt("vsock_socketcall_32bit", socketcall_32bit)

    def rare():
        answers = {}
        for name, family in RARE_FAMILIES.items():
            for kind in (socket.SOCK_DGRAM, socket.SOCK_SEQPACKET, socket.SOCK_STREAM, socket.SOCK_RAW):
                try:
                    socket.socket(family, kind).close()
                    answers[name] = "opened"
                    break
                except OSError as e:
                    answers[name] = e.errno
                    if e.errno in (errno.EPERM, errno.EAFNOSUPPORT):
                        break  # the family itself is refused, whatever the type
        opened = [name for name, answer in answers.items() if answer == "opened"]
        return bool(opened), answers
    attempt("rare_socket_families", rare)

GROUPS = {"escape": escape, "privilege": privilege, "host": host, "network": lambda: (network(), families())}
for group in sys.argv[1:]:
    GROUPS[group]()
