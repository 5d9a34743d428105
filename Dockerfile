# The Gadugi BuildExec GitHub Action (action.yml: runs.using docker, image: Dockerfile).
#
# Why this file sits at the repository root: for an action whose image is a Dockerfile, the runner
# runs `docker build -t <tag> -f <Dockerfile> <directory of the Dockerfile>`. The build context is
# the Dockerfile's own directory, so only a Dockerfile at the root can COPY src/. .dockerignore
# keeps that context small (no artifacts, bin/obj, .git or tests).
#
# Base images are build arguments. On GitHub's runners the defaults (public .NET images) apply.
# Where no registry answers, eng/build-action-image.sh passes the locally built SDK image for both,
# and the locally built python and node runtime images as the bundled ones:
#   docker build --network host \
#     --build-arg SDK_IMAGE=gadugi/dotnet-sdk:<ver> --build-arg RUNTIME_IMAGE=gadugi/dotnet-sdk:<ver> \
#     --build-arg PYTHON_SOURCE=gadugi/python:3.11 --build-arg NODE_SOURCE=gadugi/node:18 --build-arg BUNDLE_ROOT=/ \
#     --build-arg NUGET_CERT_REVOCATION_MODE=offline -t gadugi/action:dev .
#
# GitHub's rules for Docker actions: the image runs as root (no USER) and the runner sets the
# working directory (no WORKDIR) in the final stage. The action needs nothing but the .NET runtime
# and the Docker socket the runner mounts (it speaks the engine API itself; no docker CLI).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime:10.0
# Where the bundled python and node root file systems come from: a stage below or an image (see
# "the python and node policies' images"); BUNDLE_ROOT is where in it the root file system is.
ARG PYTHON_SOURCE=sandbox-python-apt
ARG NODE_SOURCE=sandbox-node-apt

# ---- build: restore and publish src/Action ----------------------------------------------------
FROM ${SDK_IMAGE} AS build
# The local SDK image runs as an unprivileged user; building needs to write /src.
USER root
# 'offline' where certificate revocation lists cannot be fetched (no internet but the registry).
ARG NUGET_CERT_REVOCATION_MODE=online
# Extra CA certificates (PEM) for a TLS-inspecting proxy between the build and the registry.
ARG EXTRA_CA_CERTS=
ENV NUGET_CERT_REVOCATION_MODE=${NUGET_CERT_REVOCATION_MODE} \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    NUGET_PACKAGES=/nuget/packages \
    HOME=/root
RUN if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" >> /etc/ssl/certs/ca-certificates.crt; fi
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Core/Gadugi.BuildExec.Core.csproj src/Core/
COPY src/Images/Gadugi.BuildExec.Images.csproj src/Images/
COPY src/Action/Gadugi.BuildExec.Action.csproj src/Action/
RUN dotnet restore src/Action/Gadugi.BuildExec.Action.csproj
COPY src/Core/ src/Core/
COPY images/ images/
COPY src/Images/ src/Images/
COPY src/Action/ src/Action/
RUN dotnet publish src/Action/Gadugi.BuildExec.Action.csproj --no-restore -c Release -o /app -p:UseAppHost=false \
 && rm -f /app/*.pdb

# ---- runtime: the .NET runtime only ------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
USER root
# Marks this intermediate stage so eng/build-action-image.sh can prune its replaced copies.
LABEL io.gadugi.action-stage=runtime
# When RUNTIME_IMAGE is a full SDK image, keep only what a framework-dependent app needs.
RUN rm -rf /usr/share/dotnet/sdk /usr/share/dotnet/sdk-manifests /usr/share/dotnet/packs \
           /usr/share/dotnet/templates /usr/share/dotnet/library-packs /usr/share/dotnet/metadata \
           /usr/share/dotnet/shared/Microsoft.AspNetCore.App /usr/share/dotnet/shared/Microsoft.WindowsDesktop.App \
 && mkdir -p /opt/gadugi-action

# ---- sandbox-shell: the root file system of gadugi/shell:5.2, carried for runners that lack it ----
# A fresh runner has none of the gadugi images and the action never pulls: the action imports this
# folder as gadugi/shell:5.2 when the engine lacks it (src/Images/BundledImages.cs). It is the runtime
# base's own Debian (bash 5.2, coreutils and the essential tools) without .NET, hardened by the
# recipes' common/harden.sh (user 10001, no package manager, no setuid bits); its packages are as
# current as the base image, which the release workflow rebuilds on a schedule.
FROM ${RUNTIME_IMAGE} AS sandbox-shell
USER root
COPY images/common/harden.sh /tmp/harden.sh
RUN mkdir /rootfs \
 && tar -C / --one-file-system --exclude=./rootfs --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./tmp/harden.sh \
        --exclude=./usr/share/dotnet --exclude=./usr/bin/dotnet --exclude=./opt -cf - . | tar -C /rootfs -xpf - \
 && mkdir -p /rootfs/dev /rootfs/proc /rootfs/sys /rootfs/tmp && chmod 1777 /rootfs/tmp \
 && sh /tmp/harden.sh /rootfs

# ---- the python and node policies' images, carried the same way ------------------------------
# Each is the runtime base's Debian plus the recipe's packages (images/<name>/recipe.yaml), installed
# with apt, with .NET left out and hardened like the shell's; imported as gadugi/python:3.11 and
# gadugi/node:18 on first use and smoke-tested with the recipe's own test. Where the base has no apt
# (eng/build-action-image.sh's local base, itself a hardened image), these stages stay empty and the
# script passes the locally built runtime images instead:
#   --build-arg PYTHON_SOURCE=gadugi/python:3.11 --build-arg NODE_SOURCE=gadugi/node:18 --build-arg BUNDLE_ROOT=/
FROM ${RUNTIME_IMAGE} AS sandbox-python-apt
USER root
COPY images/common/harden.sh /tmp/harden.sh
COPY images/python/recipe.yaml /tmp/recipe.yaml
RUN mkdir /rootfs && if command -v apt-get >/dev/null 2>&1; then \
    apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(sed -n '/^packages:/,/^[a-z]/s/^  - //p' /tmp/recipe.yaml) \
 && rm -rf /var/lib/apt/lists/* \
 && tar -C / --one-file-system --exclude=./rootfs --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./tmp/harden.sh --exclude=./tmp/recipe.yaml \
        --exclude=./usr/share/dotnet --exclude=./usr/bin/dotnet --exclude=./opt -cf - . | tar -C /rootfs -xpf - \
 && mkdir -p /rootfs/dev /rootfs/proc /rootfs/sys /rootfs/tmp && chmod 1777 /rootfs/tmp \
 && sh /tmp/harden.sh /rootfs; fi

FROM ${RUNTIME_IMAGE} AS sandbox-node-apt
USER root
COPY images/common/harden.sh /tmp/harden.sh
COPY images/node/recipe.yaml /tmp/recipe.yaml
RUN mkdir /rootfs && if command -v apt-get >/dev/null 2>&1; then \
    apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(sed -n '/^packages:/,/^[a-z]/s/^  - //p' /tmp/recipe.yaml) \
 && rm -rf /var/lib/apt/lists/* \
 && tar -C / --one-file-system --exclude=./rootfs --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./tmp/harden.sh --exclude=./tmp/recipe.yaml \
        --exclude=./usr/share/dotnet --exclude=./usr/bin/dotnet --exclude=./opt -cf - . | tar -C /rootfs -xpf - \
 && mkdir -p /rootfs/dev /rootfs/proc /rootfs/sys /rootfs/tmp && chmod 1777 /rootfs/tmp \
 && sh /tmp/harden.sh /rootfs; fi

FROM ${PYTHON_SOURCE} AS sandbox-python
FROM ${NODE_SOURCE} AS sandbox-node

# ---- final: one flattened layer from the runtime stage, then the app --------------------------
# Copying the runtime stage's file system into an empty image (instead of 'FROM runtime') drops
# the base image's USER and WORKDIR, so the action runs as root in the runner's --workdir without
# USER or WORKDIR here, whatever image RUNTIME_IMAGE is.
FROM scratch
COPY --from=runtime / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    LANG=C.UTF-8
COPY --from=build /app /opt/gadugi-action
COPY --from=sandbox-shell /rootfs /opt/gadugi-action/sandbox-images/shell
ARG BUNDLE_ROOT=/rootfs
COPY --from=sandbox-python ${BUNDLE_ROOT} /opt/gadugi-action/sandbox-images/python
COPY --from=sandbox-node ${BUNDLE_ROOT} /opt/gadugi-action/sandbox-images/node
LABEL org.opencontainers.image.title="gadugi-buildexec-action" \
      org.opencontainers.image.description="Runs workflow steps in hardened sandboxes and reports to the pull request"
ENTRYPOINT ["dotnet", "/opt/gadugi-action/gadugi-action.dll"]
