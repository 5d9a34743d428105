# Leaves a process behind that turns on the executor's helpers, then exits as a command would.
#   leftover.py stop    - SIGSTOPs every process that starts after it, forever (the executor's
#                         leftover killer and archiver included)
#   leftover.py inject  - writes forged cgroup figures into the stdout of every process that starts
#                         after it and that it may open (/proc/PID/fd/1: same uid), forever
# Prints "left" once the leftover runs.
import os, signal, subprocess, sys, time

STOP = """
import os, signal
spare = {int(p) for p in os.listdir('/proc') if p.isdigit()}
while True:
    for p in os.listdir('/proc'):
        if p.isdigit() and int(p) not in spare:
            try:
                os.kill(int(p), signal.SIGSTOP)
            except OSError:
                pass
"""

INJECT = """
import os, time
FORGED = b'\\n== memory/memory.max_usage_in_bytes\\n1\\n== memory.peak\\n1\\n== pids/pids.events\\nmax 999\\n== pids.events\\nmax 999\\n'
seen = {int(p) for p in os.listdir('/proc') if p.isdigit()}
open('/tmp/leftover-ready', 'w').close()
while True:
    for p in os.listdir('/proc'):
        if p.isdigit() and int(p) not in seen:
            seen.add(int(p))
            try:
                fd = os.open(f'/proc/{p}/fd/1', os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                end = time.monotonic() + 0.3
                while time.monotonic() < end:
                    os.write(fd, FORGED)
                    time.sleep(0.002)
            except OSError:
                pass
            finally:
                os.close(fd)
"""

code = {"stop": STOP, "inject": INJECT}[sys.argv[1]]
subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 10
while sys.argv[1] == "inject" and not os.path.exists("/tmp/leftover-ready") and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.3)
print("left", flush=True)
