# Run in a plain container (IPv6 on, as in gVisor's own network stack) on an allowlist network:
# can it reach the host over IPv6 link-local? argv: HOST_LINK_LOCAL PORT. Prints one JSON object.
import json, os, select, socket, struct, sys, time

target, port = sys.argv[1], int(sys.argv[2])

def own_link_local():
    for line in open("/proc/net/if_inet6"):
        fields = line.split()
        if fields[5] == "eth0" and fields[0].startswith("fe80") and not int(fields[4], 16) & 0x40:  # not tentative
            return fields[0]
    return None

deadline = time.monotonic() + 10
while own_link_local() is None and time.monotonic() < deadline:
    time.sleep(0.1)
own = own_link_local()
answer = {"own_link_local": socket.inet_ntop(socket.AF_INET6, bytes.fromhex(own)) if own else None}

# Every IPv6 node on the link answers an echo to all-nodes (ff02::1): who answers besides this one?
responders = set()
try:
    ping = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    scope = socket.if_nametoindex("eth0")
    ping.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x6761, 1) + b"gadugi", ("ff02::1", 0, 0, scope))
    end = time.monotonic() + 2
    while time.monotonic() < end:
        ready, _, _ = select.select([ping], [], [], max(0, end - time.monotonic()))
        if not ready:
            break
        data, source = ping.recvfrom(1500)
        if data[0] == 129 and source[0].split("%")[0] != answer["own_link_local"]:
            responders.add(source[0].split("%")[0])
    answer["echo_responders"] = sorted(responders)
except OSError as e:
    answer["echo_error"] = f"{e.errno} {e}"

s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect(socket.getaddrinfo(f"{target}%eth0", port, socket.AF_INET6, socket.SOCK_STREAM)[0][4])
    answer.update(connected=True, reply=s.recv(100).decode(errors="replace"), errno=None)
except OSError as e:
    answer.update(connected=False, reply=str(e), errno=e.errno)
print(json.dumps(answer), flush=True)
