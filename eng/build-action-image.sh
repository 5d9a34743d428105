#!/usr/bin/env bash
# Builds the GitHub Action's image from the root Dockerfile and tags it gadugi/action:dev (or
# $GADUGI_ACTION_IMAGE): the image the runner builds for 'uses: ./', used by the action's tests.
# Idempotent: the engine's build cache makes a rebuild of unchanged sources take seconds.
#
# Base images (GADUGI_ACTION_BASE):
#   public  the Dockerfile's defaults (mcr.microsoft.com/dotnet/sdk and runtime), a plain build;
#   local   the locally built gadugi/dotnet-sdk:<host SDK version> for both stages and the locally
#           built gadugi/python and gadugi/node as the bundled python and node images (each built
#           with the CLI if absent), --network host so the in-build restore reaches NuGet as the host does,
#           offline certificate revocation and the host's extra CA certificates;
#   auto    (default) public on GitHub's runners or when both public images are already present,
#           local otherwise. Nothing is ever pulled to find out.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag="${GADUGI_ACTION_IMAGE:-gadugi/action:dev}"
mode="${GADUGI_ACTION_BASE:-auto}"
public_sdk="mcr.microsoft.com/dotnet/sdk:10.0"
public_runtime="mcr.microsoft.com/dotnet/runtime:10.0"

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if [ "$mode" = auto ]; then
    if [ "${GITHUB_ACTIONS:-}" = true ] || { have_image "$public_sdk" && have_image "$public_runtime"; }; then
        mode=public
    else
        mode=local
    fi
fi

# BuildKit keeps its cache out of the image store when the CLI has it (buildx); the classic
# builder's cache is intermediate images, which a concurrent 'docker image prune' on a shared
# engine can remove mid-build ("unknown parent image ID"): such a build is retried.
if [ -z "${DOCKER_BUILDKIT:-}" ]; then
    if docker buildx version >/dev/null 2>&1; then export DOCKER_BUILDKIT=1; else export DOCKER_BUILDKIT=0; fi
fi
args=(build --label "io.gadugi.action-image=$tag" -t "$tag" -f "$repo/Dockerfile")
if [ "$DOCKER_BUILDKIT" = 0 ]; then
    # The classic builder keeps a failed step's container unless told otherwise; its image and the
    # steps' intermediate images carry the base image's labels (io.gadugi.recipe=dotnet-sdk, ...).
    args+=(--force-rm)
fi
case "$mode" in
public)
    ;;
local)
    sdk_version="$(cd "$repo" && dotnet --version)"
    sdk_image="gadugi/dotnet-sdk:$sdk_version"
    if ! have_image "$sdk_image"; then
        echo "build-action-image: $sdk_image is missing; building it with the CLI" >&2
        (cd "$repo" && dotnet run --project src/Cli -- images build dotnet-sdk)
    fi
    if ! have_image "$sdk_image"; then
        echo "build-action-image: $sdk_image is still missing; build it with 'dotnet run --project src/Cli -- images build dotnet-sdk'" >&2
        exit 1
    fi
    extra_ca=""
    for cert in /usr/local/share/ca-certificates/*.crt; do
        [ -f "$cert" ] && extra_ca+="$(cat "$cert")"$'\n'
    done
    # The local base has no apt to install the bundled python and node images' packages with: the
    # locally built runtime images are bundled instead (built with the CLI if absent).
    for runtime_image in gadugi/python:3.11 gadugi/node:18; do
        if ! have_image "$runtime_image"; then
            echo "build-action-image: $runtime_image is missing; building it with the CLI" >&2
            (cd "$repo" && dotnet run --project src/Cli -- images build "$(basename "${runtime_image%%:*}")")
        fi
    done
    args+=(--network host
        --build-arg "SDK_IMAGE=$sdk_image"
        --build-arg "RUNTIME_IMAGE=$sdk_image"
        --build-arg "PYTHON_SOURCE=gadugi/python:3.11"
        --build-arg "NODE_SOURCE=gadugi/node:18"
        --build-arg "BUNDLE_ROOT=/"
        --build-arg "NUGET_CERT_REVOCATION_MODE=offline")
    if [ -n "$extra_ca" ]; then
        args+=(--build-arg "EXTRA_CA_CERTS=$extra_ca")
    fi
    ;;
*)
    echo "build-action-image: GADUGI_ACTION_BASE must be auto, public or local (got '$mode')" >&2
    exit 2
    ;;
esac

echo "build-action-image: building $tag ($mode base images, DOCKER_BUILDKIT=$DOCKER_BUILDKIT)" >&2
start=$SECONDS
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The build stage is tagged too, so it stays as the restore cache for the next build and the ones
# it replaces become dangling; both kinds of replaced image are pruned below (by label, ours only).
stage_tag="${tag%%:*}-build:${tag##*:}"
stage_args=("${args[@]}")
stage_args[2]="io.gadugi.action-build=$tag"
stage_args[4]="$stage_tag"
stage_args+=(--target build)
# After a failed build: whatever that build created goes, and only that. The classic builder names
# each step's container (" ---> Running in ID") and the image each step committed (" ---> ID"),
# except a FROM step's (the base image) and a cached step's (" ---> Using cache": an older build's).
# A non-forced rmi leaves an image another build has since used as a parent.
remove_what_the_failed_build_created() {
    local containers images
    containers="$(sed -nE 's/^ ---> Running in ([0-9a-f]{12,})$/\1/p' "$log")"
    images="$(awk '
        /^Step [0-9]+\/[0-9]+ : FROM / { from = 1 }
        /^ ---> [0-9a-f]+$/ { if (!from && prev != " ---> Using cache") print $2; from = 0 }
        { prev = $0 }' "$log" | tac)"
    for id in $containers; do docker rm -f "$id" >/dev/null 2>&1 || true; done
    for id in $images; do docker rmi "$id" >/dev/null 2>&1 || true; done
}

for attempt in 1 2 3; do
    if docker "${stage_args[@]}" "$repo" 2>&1 | tee "$log" && docker "${args[@]}" "$repo" 2>&1 | tee -a "$log"; then
        break
    fi
    remove_what_the_failed_build_created
    if [ "$attempt" = 3 ] || ! grep -qE "unknown parent image ID|No such image|failed to get layer" "$log"; then
        echo "build-action-image: docker build failed" >&2
        exit 1
    fi
    echo "build-action-image: the build cache changed under the build (attempt $attempt); retrying" >&2
done
docker image prune --force --filter "label=io.gadugi.action-build=$tag" >/dev/null
docker image prune --force --filter "label=io.gadugi.action-image=$tag" >/dev/null
docker image prune --force --filter "label=io.gadugi.action-stage=runtime" >/dev/null
echo "build-action-image: $tag ready after $((SECONDS - start)) s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1000000}'))" >&2
