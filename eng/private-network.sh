#!/usr/bin/env bash
# Runs a command in a network (and mount) namespace of its own: its own loopback, one interface with an address
# (10.211.255.1/24) for servers the command's sandboxes may be allowed to reach, and its
# own firewall. A private engine started inside (eng/private-engine.sh) manages iptables there, so
# nothing the command does touches the host's interfaces or firewall, and the host's other engines
# and their sweeps never see its rules. Everything goes when the command ends. Needs root.
#
#   eng/private-network.sh COMMAND [ARGS...]
set -euo pipefail
[ "$#" -gt 0 ] || { echo "usage: private-network.sh COMMAND [ARGS...]" >&2; exit 2; }

if [ "${GADUGI_PRIVATE_NETNS:-}" != 1 ]; then
    exec unshare --net --mount --fork env GADUGI_PRIVATE_NETNS=1 bash "${BASH_SOURCE[0]}" "$@"
fi

# /sys/class/net must show this namespace's interfaces (sysfs shows those of the namespace that
# mounted it): a mount namespace of its own takes a fresh sysfs, with the cgroup hierarchies moved
# over from the old one, and the engine's mounts stay in it.
cgroups="$(mktemp -d)"
mount --rbind /sys/fs/cgroup "$cgroups"
mount -t sysfs sysfs /sys
mount --move "$cgroups" /sys/fs/cgroup
rmdir "$cgroups"

ip link set lo up
# A veth pair whose ends are both here: an interface that is up, with carrier (no dummy module needed).
ip link add gadugi-net0 type veth peer name gadugi-net1
ip addr add 10.211.255.1/24 dev gadugi-net0
ip link set gadugi-net1 up
ip link set gadugi-net0 up
exec "$@"
