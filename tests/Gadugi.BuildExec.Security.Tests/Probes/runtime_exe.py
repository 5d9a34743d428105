# The CVE-2019-5736 path: while the engine runs an exec into the sandbox, the runtime's own binary
# (runc, entering the sandbox's namespaces) is briefly a process here. The attack opens that
# process's /proc/PID/exe and reopens it for writing to replace the runtime on the host.
# Starts a watcher that tries exactly that on every process it sees, until /tmp/stop-watching
# exists; it then writes /tmp/watched.json: {"runtime_processes": [...], "attempts": {...}}.
import subprocess, sys

WATCH = r"""
import json, os, time
mine = os.getpid()
runtime, attempts = {}, {}
def note(kind, outcome):
    attempts.setdefault(kind, {}).setdefault(str(outcome), 0)
    attempts[kind][str(outcome)] += 1
end = time.monotonic() + 120
while time.monotonic() < end and not os.path.exists("/tmp/stop-watching"):
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == mine:
            continue
        try:
            cmdline = open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        is_runtime = "runc" in cmdline or "runsc" in cmdline
        try:
            fd = os.open(f"/proc/{p}/exe", os.O_RDONLY)
        except OSError as e:
            if is_runtime:
                errnos = runtime.setdefault(p, {"cmdline": cmdline[:80], "open_errnos": []})["open_errnos"]
                if e.errno not in errnos:
                    errnos.append(e.errno)
            continue
        try:
            # judged by what was opened: a "runc init" seen a moment ago may have become the exec'd program since
            target = os.readlink(f"/proc/self/fd/{fd}")
            if "runc" in target or "runsc" in target:
                runtime.setdefault(p, {"cmdline": cmdline[:80], "open_errnos": []})["opened"] = target
                try:
                    os.close(os.open(f"/proc/self/fd/{fd}", os.O_WRONLY))
                    note("runtime_reopened_for_writing", "WRITABLE " + target)
                except OSError as e:
                    note("runtime_reopened_for_writing", e.errno)
        finally:
            os.close(fd)
json.dump({"runtime_processes": list(runtime.values()), "attempts": attempts}, open("/tmp/watched.json", "w"))
"""

subprocess.Popen([sys.executable, "-c", WATCH], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("watching", flush=True)
