#!/usr/bin/env bash
# A sample of what an agent might run. In the sandbox it sees only this folder (read-only), a
# private /tmp, and /output, which comes back to the host after the run.
echo "Hello from $(id -un) (uid $(id -u)) in $(pwd) on host '$(hostname)'"
echo "Files here: $(ls | tr '\n' ' ')"
echo "report written at $(date -u +%FT%TZ)" > /output/report.txt && echo "wrote /output/report.txt"
if (exec 3<>/dev/tcp/169.254.169.254/80) 2>/dev/null; then echo "network: REACHABLE"; else echo "network: blocked"; fi
if touch /etc/evil 2>/dev/null; then echo "root filesystem: WRITABLE"; else echo "root filesystem: read-only"; fi
if (echo x > ./evil) 2>/dev/null; then echo "workspace: WRITABLE"; else echo "workspace: read-only"; fi
echo "a warning on stderr" >&2
exit 0
