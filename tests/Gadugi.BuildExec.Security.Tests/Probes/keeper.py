# The command turns on the processes meant to end its sandbox: the keeper ('sleep', which ends an
# orphaned sandbox at its deadline) and the engine's init (pid 1). Prints one JSON object: each
# attempt's errno, or "done" when it worked, and the keeper's state after them ("S" sleeping, "T"
# stopped). The SIGKILL comes last: if it worked, the sandbox would end at once.
import ctypes, json, os, signal, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def find_keeper():
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"sleep":
            return int(pid)
    raise SystemExit("no keeper ('sleep') in the sandbox")

keeper = find_keeper()
results = {"keeper_pid": keeper}

def attempt(name, action):
    try:
        action()
        results[name] = "done"
    except OSError as e:
        results[name] = e.errno

def syscall(number, *args):
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
    if result < 0:
        raise OSError(ctypes.get_errno(), f"syscall {number}")
    return result

def pidfd_stop():
    fd = syscall(434, keeper, 0)  # pidfd_open
    try:
        syscall(424, fd, signal.SIGSTOP, 0, 0)  # pidfd_send_signal
    finally:
        os.close(fd)

def vm_write():
    # process_vm_writev into the keeper: EFAULT would mean the permission check passed
    local = ctypes.create_string_buffer(8)
    local_iov = (ctypes.c_void_p * 2)(ctypes.addressof(local), 8)
    remote_iov = (ctypes.c_void_p * 2)(0x10000, 8)
    syscall(311, keeper, ctypes.addressof(local_iov), 1, ctypes.addressof(remote_iov), 1, 0)

attempt("stop_keeper", lambda: os.kill(keeper, signal.SIGSTOP))
attempt("stop_init", lambda: os.kill(1, signal.SIGSTOP))
attempt("term_init", lambda: os.kill(1, signal.SIGTERM))
attempt("pidfd_stop_keeper", pidfd_stop)
def pidfd_getfd():
    fd = syscall(434, keeper, 0)  # pidfd_open
    try:
        os.close(syscall(438, fd, 0, 0))  # pidfd_getfd: the keeper's stdin
    finally:
        os.close(fd)

attempt("steal_keeper_descriptor", pidfd_getfd)
attempt("write_keeper_memory", lambda: os.close(os.open(f"/proc/{keeper}/mem", os.O_RDWR)))
attempt("vm_write_keeper", vm_write)
attempt("ptrace_keeper", lambda: syscall(101, 16, keeper, 0, 0))  # PTRACE_ATTACH
def read_environ():
    names = sorted(v.split(b"=", 1)[0].decode() for v in open(f"/proc/{keeper}/environ", "rb").read().split(b"\0") if v)
    results["keeper_environ_names"] = names
attempt("read_keeper_environ", read_environ)
results["keeper_state"] = open(f"/proc/{keeper}/stat").read().rsplit(") ", 1)[1][0]
attempt("kill_keeper", lambda: os.kill(keeper, signal.SIGKILL))
print(json.dumps(results), flush=True)
