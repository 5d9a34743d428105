#!/usr/bin/env bash
# Gadugi.BuildExec's one entry point.
#   ./build.sh setup    engine (installed and started if none answers), CLI, runtime images, action image
#   ./build.sh demo     setup, then run samples/hello/script.sh in a sandbox and verify the audit log
#   ./build.sh test     setup, then every test; ends with "N passed, N failed"
#   ./build.sh bench [N]          setup, then the benchmark (executor vs docker run vs direct), N runs each
#   ./build.sh bench msbuild [N]  the MSBuild one (ContainerizedTest/ContainerizedBuild vs the host)
#   ./build.sh bench workflow [N] 8×3 phases of 2 s sleeps at max_parallel 4 vs 1, CPU-bound phases vs cores, orchestration per phase, hook latency (N)
#   ./build.sh bench soak [N]     N executions (default 1000) with an engine restart and a SIGKILL mid-run
#   ./build.sh summarize DIR   the "N passed, N failed" line for a folder of TRX files
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root=$PWD
cli_dir=$root/artifacts/gadugi-exec
cli=$cli_dir/gadugi-exec
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Builds and tests make temporary files (the SDK leaves empty folders behind on every build); keep
# them in one folder removed on exit, so nothing is left in the machine's /tmp. Not inside the
# clone: sample projects made by the tests must not pick up this repository's Directory.*.props.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/gadugi-build.XXXXXX")
export TMPDIR
chmod 0755 "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo --preserve-env=PATH,DOTNET_ROOT,DOTNET_CLI_TELEMETRY_OPTOUT,DOTNET_NOLOGO "$@"; fi; }
step() { printf '\n==> %s\n' "$*"; }

setup() {
    step "container engine"
    bash eng/setup-engine.sh
    publish_cli
    step "checkers the tests use (npm ci in eng/tools: action-validator)"
    command -v npm >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq npm; }
    npm ci --prefix eng/tools --no-audit --no-fund --loglevel=error
    step "runtime images (built once, then cached by recipe hash)"
    as_root "$cli" images build
    step "GitHub Action image gadugi/action:dev (log: artifacts/logs/action-image.log)"
    mkdir -p artifacts/logs
    if ! bash eng/build-action-image.sh > artifacts/logs/action-image.log 2>&1; then
        tail -n 30 artifacts/logs/action-image.log >&2
        return 1
    fi
    tail -n 1 artifacts/logs/action-image.log
}

# artifacts/gadugi-exec: the managed CLI (gadugi-exec.dll, its apphost renamed gadugi-exec-managed: the
# apphost loads the dll by the name built into it) and, as gadugi-exec, the Native AOT front end
# (src/Client) that serves runs through the background service and execs the managed CLI for the rest.
publish_cli() {
    step "gadugi-exec (dotnet publish src/Cli, then src/Client with Native AOT, -o $cli_dir)"
    # ReadyToRun: a one-shot CLI spends a third of its time in the JIT otherwise.
    dotnet publish src/Cli -c Release -o "$cli_dir" -nologo -v quiet --use-current-runtime --self-contained false -p:PublishReadyToRun=true
    mv -f "$cli_dir/gadugi-exec" "$cli_dir/gadugi-exec-managed"
    local native=$root/artifacts/publish/gadugi-exec-native
    rm -rf "$native"
    if dotnet publish src/Client -c Release -o "$native" -nologo -v quiet --use-current-runtime > "$TMPDIR/aot.log" 2>&1 \
        && [ -x "$native/gadugi-exec-client" ]; then
        cp -f "$native/gadugi-exec-client" "$cli_dir/gadugi-exec"
        echo "gadugi-exec: the Native AOT front end (src/Client); the managed CLI beside it: gadugi-exec-managed"
    else
        tail -n 20 "$TMPDIR/aot.log" >&2
        echo "gadugi-exec: the Native AOT front end could not be published (Native AOT links with the C toolchain: apt-get install clang); gadugi-exec is the managed CLI instead, which works the same, with about 80 ms more start-up per run" >&2
        cp -f "$cli_dir/gadugi-exec-managed" "$cli_dir/gadugi-exec"
    fi
}

demo() {
    setup
    local out=$root/artifacts/demo
    rm -rf "$out" && mkdir -p "$out/output"
    chmod o+rx samples/hello
    step "gadugi-exec run --policy shell -- bash script.sh   (in samples/hello)"
    # Through the background service, as a user's run goes; it exits 5 s after, not after the default 5 minutes.
    (cd samples/hello && GADUGI_SERVICE_IDLE=5s "$cli" run --policy shell --output "$out/output" --audit-log "$out/audit.jsonl" -- bash script.sh) \
        && status=0 || status=$?
    echo "exit code: $status"
    [ "$status" -eq 0 ] || { echo "demo: the sandboxed run failed (exit code $status)" >&2; return 1; }
    echo "/output came back as: $(ls "$out/output")  ->  $(cat "$out/output/report.txt")"
    step "gadugi-exec audit verify"
    "$cli" audit verify "$out/audit.jsonl"
    step "gadugi-exec doctor"
    "$cli" doctor
}

test_all() {
    setup
    local results=$root/artifacts/test-results
    rm -rf "$results"
    local status=0
    # The whole solution first: 'dotnet test' builds only the test projects and what they reference,
    # so a broken benchmark or tool would otherwise go unnoticed.
    step "dotnet build Gadugi.BuildExec.sln"
    if dotnet build Gadugi.BuildExec.sln -c Release -nologo -v quiet; then
        step "dotnet test Gadugi.BuildExec.sln"
        dotnet test Gadugi.BuildExec.sln -c Release --no-build --logger trx --results-directory "$results" \
            --blame-hang-timeout 15m || status=$?
    else
        status=1
    fi
    summarize "$results"
    return "$status"
}

# Sums the counters of every TRX file into the one line CI reads. A test that errored, timed out
# or was aborted counts as failed, and so does every test project that left no TRX (its run
# crashed or never started), so a broken run can never read "0 failed".
counter() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2"; }

summarize() {
    local passed=0 failed=0 trx counters name project kind value
    for trx in "$1"/*.trx; do
        [[ -e $trx ]] || continue
        counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1 || true)
        if [[ -z $counters ]]; then
            failed=$((failed + 1)); echo "$trx: no counters (the run did not finish)" >&2; continue
        fi
        value=$(counter passed "$counters"); passed=$((passed + ${value:-0}))
        for kind in failed error timeout aborted; do
            value=$(counter "$kind" "$counters"); failed=$((failed + ${value:-0}))
        done
    done
    for project in "$root"/tests/*.Tests/*.Tests.csproj; do
        name=$(basename "$project" .csproj)
        # The TRX names each test's assembly (storage="…/name.dll", lower-cased by the logger).
        if ! grep -qsiF "/$name.dll\"" "$1"/*.trx; then
            failed=$((failed + 1)); echo "$name produced no test results" >&2
        fi
    done
    echo
    echo "$passed passed, $failed failed"
}

bench() {
    setup
    dotnet build benchmarks/Gadugi.BuildExec.Benchmarks -c Release -nologo -v quiet
    [ $# -gt 0 ] || set -- 30
    local program=(dotnet artifacts/bin/Gadugi.BuildExec.Benchmarks/release/Gadugi.BuildExec.Benchmarks.dll "$@")
    # The soak restarts an engine: by default a private dockerd of its own (root), in a network
    # namespace of its own so its firewall rules and bridges stay out of the host's; with
    # --restart-command, the engine DOCKER_HOST names, from the host's network.
    if [ "$1" = soak ] && [[ " $* " != *" --restart-command "* ]]; then
        as_root env "GADUGI_EXEC=$cli" bash eng/private-network.sh "${program[@]}"
    else
        GADUGI_EXEC=$cli "${program[@]}"
    fi
}

case "${1:-}" in
    setup) setup ;;
    demo) demo ;;
    test) test_all ;;
    bench) shift; bench "$@" ;;
    summarize) shift; summarize "$@" ;;
    *) echo "usage: ./build.sh setup|demo|test|bench" >&2; exit 2 ;;
esac
