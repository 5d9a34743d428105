# Connection attempts from inside an allowlist sandbox. Targets come from /workspace/targets.json as
# {"name": "host:port"}; "@gateway:PORT" means this sandbox's own gateway (the host). Prints one JSON
# line per target: {"target": NAME, "connected": BOOL, "reply": TEXT, "errno": INT|null}.
import json, socket, struct

def gateway():
    for line in open("/proc/net/route").read().splitlines()[1:]:
        fields = line.split()
        if fields[1] == "00000000":
            return socket.inet_ntoa(struct.pack("<L", int(fields[2], 16)))
    return None

targets = json.load(open("/workspace/targets.json"))
for name, target in targets.items():
    host, port = target.rsplit(":", 1)
    if host == "@gateway":
        host = gateway()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect((host, int(port)))
        reply = s.recv(200).decode(errors="replace").strip()
        print(json.dumps({"target": name, "connected": True, "reply": reply, "errno": None, "address": host}), flush=True)
    except OSError as e:
        print(json.dumps({"target": name, "connected": False, "reply": str(e), "errno": e.errno, "address": host}), flush=True)
    finally:
        s.close()
print(json.dumps({"target": "resolv.conf", "connected": False, "reply": open("/etc/resolv.conf").read(), "errno": None}), flush=True)
print(json.dumps({"target": "hosts", "connected": False, "reply": open("/etc/hosts").read(), "errno": None}), flush=True)
ipv6 = open("/proc/sys/net/ipv6/conf/all/disable_ipv6").read().strip() if __import__("os").path.exists("/proc/sys/net/ipv6/conf/all/disable_ipv6") else "absent"
print(json.dumps({"target": "ipv6_disabled", "connected": False, "reply": ipv6, "errno": None}), flush=True)
print(json.dumps({"target": "interfaces", "connected": False, "reply": " ".join(sorted(__import__("os").listdir("/sys/class/net"))), "errno": None}), flush=True)
