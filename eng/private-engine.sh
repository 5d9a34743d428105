#!/usr/bin/env bash
# A private dockerd beside (never instead of) the machine's engine: for tests that start engines,
# the soak, and faults such as an engine restart, which must never touch the engine others use.
#
#   eng/private-engine.sh start DIR [IMAGE...]  start it with the set-up's own start and readiness
#                                               check, then copy IMAGEs from the machine's engine
#   eng/private-engine.sh restart DIR           stop its dockerd and start it again
#   eng/private-engine.sh stop DIR              stop it and remove DIR (mounts, data, socket)
#   eng/private-engine.sh host DIR              print its DOCKER_HOST
#   eng/private-engine.sh bridge DIR            create its default bridge (see below) and print its name
#
# Everything lives under DIR (keep it short: sockets live there): socket, data root, exec root,
# pidfile, log and its own daemon.json (with runsc registered). It takes its networks from a /16 of
# its own under 10.0.0.0/8 (GADUGI_PRIVATE_POOL to choose one). In the host's network its default
# bridge is one of its own (gbxp<hash>, the last /24 of its pool), never docker0, and it leaves
# iptables to the machine's engine; run inside eng/private-network.sh it has both to itself. (Not
# '--bridge none': a dockerd started with it deletes the host's docker0, and with it the default
# network of the machine's engine.) Needs root, as dockerd does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

fail() { printf 'private-engine: error: %s\n' "$*" >&2; exit 1; }

[ "$#" -ge 2 ] || fail "usage: private-engine.sh start|restart|stop|host DIR [IMAGE...]"
command="$1"
dir="$(realpath -m "$2")"
shift 2

# A /16 per folder, so two private engines do not hand out the same subnets; kept in DIR, so a
# restart hands out the same ones.
if [ -s "$dir/pool" ]; then
    pool="$(cat "$dir/pool")"
else
    pool="${GADUGI_PRIVATE_POOL:-10.$((200 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 50)).0.0/16}"
fi

export DOCKER_HOST="unix://$dir/docker.sock"
export GADUGI_DAEMON_JSON="$dir/daemon.json"
export GADUGI_DOCKERD_LOG="$dir/dockerd.log"
export GADUGI_DOCKERD_PIDFILE="$dir/dockerd.pid"
export GADUGI_SERVICE_MANAGER=none
export GADUGI_DOCKERD_ARGS="--config-file $dir/daemon.json --data-root $dir/data --exec-root $dir/exec --default-address-pool base=$pool,size=24"
bridge="gbxp$(printf '%s' "$dir" | cksum | cut -d' ' -f1 | cut -c1-8)"
if [ "${GADUGI_PRIVATE_NETNS:-}" != 1 ]; then
    # Beside the machine's engine in the host's network: a default bridge of its own, and its
    # firewall rules are the machine engine's. (In a network namespace of its own,
    # eng/private-network.sh, it manages both there.)
    GADUGI_DOCKERD_ARGS="$GADUGI_DOCKERD_ARGS --bridge $bridge --iptables=false --ip-masq=false"
fi

ensure_bridge() {
    [ "${GADUGI_PRIVATE_NETNS:-}" != 1 ] || return 0
    mkdir -p "$dir"
    echo "$pool" >"$dir/pool"
    if ! ip link show "$bridge" >/dev/null 2>&1; then
        ip link add "$bridge" type bridge
        ip addr add "${pool%.0.0/16}.255.1/24" dev "$bridge"
        ip link set "$bridge" up
    fi
}

# A dockerd that finds its default network from an earlier start in its store re-creates it and, on
# the way, deletes the host's docker0 (whatever its own bridge is called): in the host's network a
# private engine starts with no stored networks (its sandboxes' networks are made per run anyway).
forget_networks() {
    [ "${GADUGI_PRIVATE_NETNS:-}" != 1 ] || return 0
    rm -f "$dir/data/network/files/local-kv.db"
}

remove_bridge() {
    [ "${GADUGI_PRIVATE_NETNS:-}" != 1 ] || return 0
    ip link del "$bridge" 2>/dev/null || true
}

start() {
    mkdir -p "$dir"
    echo "$pool" >"$dir/pool"
    ensure_bridge
    forget_networks
    [ -e "$GADUGI_DAEMON_JSON" ] || echo '{}' >"$GADUGI_DAEMON_JSON"
    if command -v runsc >/dev/null 2>&1; then
        bash "$here/setup-engine.sh" register-runtime >/dev/null
    fi
    bash "$here/setup-engine.sh"
}

copy_images() {
    [ "$#" -gt 0 ] || return 0
    printf 'private-engine: copying %s from the machine'"'"'s engine\n' "$*"
    docker -H unix:///var/run/docker.sock save "$@" | docker load -q >/dev/null
}

stop() {
    bash "$here/setup-engine.sh" stop
    # A killed dockerd can leave its mounts behind; nothing under DIR may stay mounted.
    local mount
    while read -r mount; do
        umount -l "$mount" 2>/dev/null || true
    done < <(awk -v root="$dir/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r)
    remove_bridge
}

case "$command" in
    start) start; copy_images "$@" ;;
    restart) bash "$here/setup-engine.sh" stop; ensure_bridge; forget_networks; bash "$here/setup-engine.sh" ;;
    stop) stop; rm -rf "$dir" ;;
    host) echo "$DOCKER_HOST" ;;
    bridge) ensure_bridge; echo "$bridge" ;;
    *) fail "unknown command '$command' (start, restart, stop, host, bridge)" ;;
esac
