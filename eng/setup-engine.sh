#!/usr/bin/env bash
# Makes sure a container engine answers and that the tools to build runtime images exist.
#
#   eng/setup-engine.sh                   set up what is missing (safe to run again and again)
#   eng/setup-engine.sh register-runtime  only merge the runsc runtime into daemon.json
#
# Where an engine already answers (a developer laptop, a GitHub runner) the engine and its
# daemon.json are left alone; only mmdebstrap is installed if missing. On a fresh Debian machine
# it installs docker.io, runsc, mmdebstrap (with the Debian archive keyring), iptables and jq, registers runsc (gVisor) as a
# runtime by merging into daemon.json, starts dockerd and waits for it to answer.
#
# Environment (mainly for tests):
#   GADUGI_DAEMON_JSON   daemon.json to merge into        (default /etc/docker/daemon.json)
#   GADUGI_DOCKERD_LOG   where a background dockerd logs  (default /var/log/gadugi-dockerd.log)
#   GADUGI_ENGINE_WAIT   seconds to wait for the engine   (default 60)
set -euo pipefail

daemon_json="${GADUGI_DAEMON_JSON:-/etc/docker/daemon.json}"
dockerd_log="${GADUGI_DOCKERD_LOG:-/var/log/gadugi-dockerd.log}"
engine_wait="${GADUGI_ENGINE_WAIT:-60}"
apt_updated=no

step() { printf 'setup-engine: %s\n' "$*"; }
fail() { printf 'setup-engine: error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        fail "'$*' needs root; run this script as root or install sudo"
    fi
}

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Installs the given Debian packages that are not installed yet.
install_missing() {
    local missing=() package
    for package in "$@"; do
        is_installed "$package" || missing+=("$package")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        step "present: $*"
        return
    fi
    command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and no apt-get to install them; install them with your package manager"
    step "installing ${missing[*]}"
    if [ "$apt_updated" = no ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
        apt_updated=yes
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || fail "apt-get could not install ${missing[*]}"
}

engine_answers() { timeout 15 docker info >/dev/null 2>&1; }

engine_summary() {
    # shellcheck disable=SC2016 # a Go template, not shell
    timeout 15 docker info --format 'Docker {{.ServerVersion}}, runtimes: {{range $name, $_ := .Runtimes}}{{$name}} {{end}}' 2>/dev/null \
        | sed 's/ $//'
}

# Sets .runtimes.runsc in daemon.json, keeping every other key; creates the file when absent.
register_runtime() {
    command -v jq >/dev/null 2>&1 || install_missing jq
    local runsc
    runsc="$(command -v runsc || true)"
    [ -n "$runsc" ] || fail "runsc (gVisor) is not installed; install it with 'apt-get install runsc'"

    local current=''
    if [ -e "$daemon_json" ]; then
        current="$(as_root cat "$daemon_json")"
    fi
    if [ -z "${current//[[:space:]]/}" ]; then
        current='{}'
    elif [ "$(jq -r 'type' 2>/dev/null <<<"$current")" != object ]; then
        fail "$daemon_json is not a JSON object; fix it by hand (it was left unchanged)"
    fi

    local merged
    merged="$(jq --arg path "$runsc" '.runtimes = ((.runtimes // {}) + {runsc: {path: $path, runtimeArgs: ["--network=none"]}})' <<<"$current")"
    if [ -e "$daemon_json" ] && [ "$(jq -S . <<<"$current")" = "$(jq -S . <<<"$merged")" ]; then
        step "runsc already registered in $daemon_json"
        return
    fi

    # Write beside the target and rename, so a reader never sees half a file.
    as_root mkdir -p "$(dirname "$daemon_json")"
    local staged="$daemon_json.gadugi.$$"
    printf '%s\n' "$merged" | as_root tee "$staged" >/dev/null
    as_root chmod 0644 "$staged"
    as_root mv -f "$staged" "$daemon_json"
    step "registered runsc ($runsc, --network=none) in $daemon_json"
}

start_engine() {
    if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
        step "starting docker.service (systemd)"
        as_root systemctl enable docker.service >/dev/null 2>&1 || true
        as_root systemctl restart docker.service || fail "systemctl could not start docker.service; see 'journalctl -u docker.service'"
    elif pgrep -x dockerd >/dev/null 2>&1; then
        step "dockerd is already running; waiting for it"
    else
        step "starting dockerd in the background (log: $dockerd_log)"
        # shellcheck disable=SC2016 # $1 expands in the inner shell
        as_root sh -c 'nohup dockerd >>"$1" 2>&1 </dev/null &' sh "$dockerd_log"
    fi

    step "waiting up to ${engine_wait} s for the engine"
    local waited=0
    until engine_answers; do
        if [ "$waited" -ge "$engine_wait" ]; then
            fail "the engine did not answer within ${engine_wait} s; see $dockerd_log (or 'journalctl -u docker.service') for why"
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

main() {
    if [ "${1:-}" = register-runtime ]; then
        register_runtime
        return
    fi
    [ "$#" -eq 0 ] || fail "unknown argument '$1' (usage: setup-engine.sh [register-runtime])"

    if engine_answers; then
        step "engine answers ($(engine_summary)); leaving it and its daemon.json alone"
        install_missing mmdebstrap debian-archive-keyring
        step "done"
        return
    fi

    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n docker info >/dev/null 2>&1; then
        step "the engine answers only as root; add yourself to the 'docker' group (sudo usermod -aG docker \"\$USER\", then log in again)"
        install_missing mmdebstrap debian-archive-keyring
        step "done"
        return
    fi

    step "no engine answers; setting one up"
    install_missing docker.io runsc mmdebstrap debian-archive-keyring iptables jq
    register_runtime
    start_engine
    step "engine answers ($(engine_summary))"
    step "done"
}

main "$@"
