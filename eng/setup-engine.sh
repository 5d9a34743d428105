#!/usr/bin/env bash
# Makes sure a container engine answers and can run commands, and that the tools to build runtime
# images exist.
#
#   eng/setup-engine.sh                   set up what is missing (safe to run again and again)
#   eng/setup-engine.sh register-runtime  only merge the runsc runtime into daemon.json
#   eng/setup-engine.sh check             only check that the engine can run a command (exit 1 if not)
#   eng/setup-engine.sh stop              stop a dockerd this script starts directly (by its pidfile)
#
# Where an engine already answers (a developer laptop, a GitHub runner) the engine and its
# daemon.json are left alone; only mmdebstrap is installed if missing. On a fresh Debian machine
# it installs docker.io, runsc, mmdebstrap (with the Debian archive keyring), iptables and jq,
# registers runsc (gVisor) as a runtime by merging into daemon.json, and starts the engine.
#
# An engine this script starts owns a clean environment: it is started through the service manager
# where the machine has one (systemctl, else 'service docker start'), otherwise (or when the service
# manager fails, as an init script that cannot raise its limits does in a restricted session) detached in its own
# session with nothing of the caller's environment but a standard PATH, from '/', logging to
# GADUGI_DOCKERD_LOG. (An engine started from a build's environment would keep that build's TMPDIR,
# where runc writes each exec's process file: once the build removes its temporary folder, every
# exec fails with "OCI runtime exec failed: open …/runc-process…: no such file or directory".)
# Proxies for the engine belong in its own configuration (daemon.json "proxies", the service's
# environment), not in the caller's variables.
#
# Ready means able to run: the engine counts as ready only after a throwaway hardened sandbox (a
# tiny image made from the host's own 'sleep' and 'true') was created, started, exec'd into and
# removed. An engine that answers but cannot exec fails with GBX1003, the engine's message and the
# fix; an engine this script started itself is restarted once first.
#
# Environment (mainly for tests and private engines):
#   DOCKER_HOST            the engine to check; a unix socket other than /var/run/docker.sock is a
#                          private engine, always started directly (never through the service manager)
#   GADUGI_DOCKERD_ARGS    extra dockerd arguments for a directly started engine (--data-root, ...)
#   GADUGI_DOCKERD_PIDFILE pidfile of a directly started engine  (default /var/run/docker.pid)
#   GADUGI_DOCKERD_LOG     where a directly started engine logs  (default /var/log/gadugi-dockerd.log)
#   GADUGI_DAEMON_JSON     daemon.json to merge into             (default /etc/docker/daemon.json)
#   GADUGI_ENGINE_WAIT     seconds to wait for the engine        (default 60)
#   GADUGI_SERVICE_MANAGER systemd, service or none              (default: what the machine has)
#   GADUGI_DOCKERD         the dockerd program to start directly (default: dockerd on the clean PATH)
set -euo pipefail

daemon_json="${GADUGI_DAEMON_JSON:-/etc/docker/daemon.json}"
dockerd_log="${GADUGI_DOCKERD_LOG:-/var/log/gadugi-dockerd.log}"
dockerd_pidfile="${GADUGI_DOCKERD_PIDFILE:-/var/run/docker.pid}"
engine_wait="${GADUGI_ENGINE_WAIT:-60}"
default_socket=unix:///var/run/docker.sock
clean_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
check_image=gadugi/engine-check:1
apt_updated=no
started_here=no
started_by=''
engine_log_hint=''

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

# A private engine is one on another socket than the machine's: the service manager cannot start it.
is_private_engine() { [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "$default_socket" ]; }

service_manager() {
    if [ -n "${GADUGI_SERVICE_MANAGER:-}" ]; then
        echo "$GADUGI_SERVICE_MANAGER"
    elif is_private_engine; then
        echo none
    elif [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && command -v systemctl >/dev/null 2>&1; then
        echo systemd
    elif command -v service >/dev/null 2>&1 && [ -x /etc/init.d/docker ]; then
        echo service
    else
        echo none
    fi
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

dockerd_pid() {
    local pid
    pid="$(as_root cat "$dockerd_pidfile" 2>/dev/null || true)"
    [ -n "$pid" ] && as_root kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# dockerd in its own session, from '/', with a standard PATH and nothing else of the caller's
# environment, so it depends on no folder of the caller's (the caller's TMPDIR above all).
start_detached() {
    local args=(--pidfile "$dockerd_pidfile")
    if is_private_engine; then
        args+=(-H "$DOCKER_HOST")
    fi
    # shellcheck disable=SC2206 # extra arguments are words by design
    args+=(${GADUGI_DOCKERD_ARGS:-})
    as_root mkdir -p "$(dirname "$dockerd_log")"
    step "starting dockerd detached, with a clean environment (log: $dockerd_log)"
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner shell
    (cd / && as_root setsid -f env -i PATH="$clean_path" sh -c 'log=$1; shift; exec "$@" >>"$log" 2>&1 </dev/null' sh "$dockerd_log" "${GADUGI_DOCKERD:-dockerd}" "${args[@]}")
    engine_log_hint="$dockerd_log"
}

stop_detached() {
    local pid waited=0
    pid="$(dockerd_pid || true)"
    [ -n "$pid" ] || return 0
    step "stopping dockerd (pid $pid)"
    as_root kill -TERM "$pid"
    while as_root kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge 60 ]; then
            as_root kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    step "dockerd stopped after $((waited / 2)) s"
}

# Starts the engine through the service manager; when that fails (an init script that cannot raise
# its limits inside a restricted session, a unit that is masked) it starts dockerd directly instead,
# still with a clean environment, and remembers which way it went so a restart goes the same way.
start_engine() {
    local manager output
    manager="$(service_manager)"
    case "$manager" in
        systemd)
            step "starting docker.service (systemd)"
            as_root systemctl enable docker.service >/dev/null 2>&1 || true
            if output="$(as_root systemctl start docker.service 2>&1)"; then
                engine_log_hint="'journalctl -u docker.service'"
            else
                fall_back_to_detached "systemctl start docker.service" "$output"
                manager=none
            fi
            ;;
        service)
            # 'service' runs the init script with an empty environment; it logs to /var/log/docker.log.
            step "starting docker through its init script (service docker start; log: /var/log/docker.log)"
            if output="$(as_root service docker start 2>&1 >/dev/null)"; then
                engine_log_hint=/var/log/docker.log
            else
                fall_back_to_detached "service docker start" "$output"
                manager=none
            fi
            ;;
        *)
            if dockerd_pid >/dev/null; then
                step "dockerd is already running (pid $(dockerd_pid)); waiting for it"
                engine_log_hint="$dockerd_log"
            else
                start_detached
            fi
            ;;
    esac
    started_by="$manager"
    started_here=yes
}

fall_back_to_detached() {
    local reason
    reason="$(printf '%s' "$2" | tr '\n' ' ' | sed 's/[. ]*$//')"
    step "'$1' failed (${reason:-no message}); starting dockerd directly instead"
    if dockerd_pid >/dev/null; then
        step "dockerd is already running (pid $(dockerd_pid)); waiting for it"
        engine_log_hint="$dockerd_log"
    else
        start_detached
    fi
}

restart_engine() {
    case "${started_by:-$(service_manager)}" in
        systemd) as_root systemctl restart docker.service || fail "systemctl could not restart docker.service; see 'journalctl -u docker.service'" ;;
        service) as_root service docker restart >/dev/null || fail "'service docker restart' failed; see /var/log/docker.log" ;;
        *) stop_detached; start_detached ;;
    esac
}

wait_for_engine() {
    step "waiting up to ${engine_wait} s for the engine"
    local waited=0
    until engine_answers; do
        if [ "$waited" -ge "$engine_wait" ]; then
            fail "the engine did not answer within ${engine_wait} s; see ${engine_log_hint:-$dockerd_log} for why"
        fi
        sleep 1
        waited=$((waited + 1))
    done
}

# A throwaway image of the host's own 'sleep' and 'true' with the libraries they load: nothing to
# download, so the check works before any runtime image exists.
ensure_check_image() {
    docker image inspect "$check_image" >/dev/null 2>&1 && return
    local rootfs program library
    rootfs="$(mktemp -d)"
    chmod 0755 "$rootfs"
    for program in "$(type -P sleep)" "$(type -P true)"; do
        mkdir -p "$rootfs/bin"
        cp -L "$program" "$rootfs/bin/"
        for library in $(ldd "$program" | grep -o '/[^ ]*'); do
            mkdir -p "$rootfs$(dirname "$library")"
            cp -L "$library" "$rootfs$library"
        done
    done
    tar -C "$rootfs" -c . | docker import --change 'LABEL io.gadugi.engine-check=1' - "$check_image" >/dev/null
    rm -rf "$rootfs"
}

# Creates, starts, execs into and removes a hardened throwaway sandbox; prints the engine's
# message and returns 1 when any step fails.
engine_can_run() {
    local name="gadugi-engine-check-$$-$RANDOM" output status=0
    if ! output="$(ensure_check_image 2>&1)"; then
        printf '%s' "$output"
        return 1
    fi
    if ! output="$(docker run -d --name "$name" --label io.gadugi.engine-check=1 --read-only --cap-drop ALL \
        --security-opt no-new-privileges --user 10001:10001 --network none --pids-limit 16 --memory 64m \
        --entrypoint /bin/sleep "$check_image" 120 2>&1)"; then
        docker rm -f "$name" >/dev/null 2>&1 || true
        printf '%s' "$output"
        return 1
    fi
    output="$(docker exec "$name" /bin/true 2>&1)" || status=$?
    docker rm -f "$name" >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ]; then
        printf '%s' "${output:-docker exec exited $status}"
        return 1
    fi
}

cannot_run() {
    local message
    message="$(printf '%s' "$1" | tr '\n' ' ' | sed 's/[. ]*$//')"
    fail "GBX1003: The container engine answers but cannot run a command inside a sandbox: $message$2. The engine was most likely started from an environment whose temporary folder (TMPDIR) was removed afterwards; restart it from a clean environment ('systemctl restart docker', 'service docker restart', or stop dockerd and run ./build.sh setup), then check with 'gadugi-exec doctor'."
}

# Ready means able to run; an engine started here gets one restart to get there.
ensure_engine_runs() {
    local problem
    if problem="$(engine_can_run)"; then
        step "the engine ran a command in a hardened throwaway sandbox"
        return
    fi
    if [ "$started_here" != yes ]; then
        cannot_run "$problem" ""
    fi
    step "the engine started here cannot run a command ($problem); restarting it once"
    restart_engine
    wait_for_engine
    if problem="$(engine_can_run)"; then
        step "the engine ran a command in a hardened throwaway sandbox"
        return
    fi
    cannot_run "$problem" " (also after one restart; see ${engine_log_hint:-$dockerd_log})"
}

main() {
    case "${1:-}" in
        register-runtime) register_runtime; return ;;
        check) ensure_engine_runs; return ;;
        stop) stop_detached; return ;;
        '') ;;
        *) fail "unknown argument '$1' (usage: setup-engine.sh [register-runtime|check|stop])" ;;
    esac

    if engine_answers; then
        step "engine answers ($(engine_summary)); leaving it and its daemon.json alone"
        ensure_engine_runs
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
    wait_for_engine
    step "engine answers ($(engine_summary))"
    ensure_engine_runs
    step "done"
}

main "$@"
