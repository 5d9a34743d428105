#!/bin/sh
# Copies the host's .NET installation (GADUGI_DOTNET_ROOT, set by the image builder from the
# host SDK it resolved) into the image at /usr/share/dotnet, owned by root and world-readable.
set -eu
root="${1:?usage: copy-sdk.sh ROOTFS_DIR}"
: "${GADUGI_DOTNET_ROOT:?the image builder must set GADUGI_DOTNET_ROOT}"
: "${GADUGI_DOTNET_SDK_VERSION:?the image builder must set GADUGI_DOTNET_SDK_VERSION}"

if [ ! -x "$GADUGI_DOTNET_ROOT/dotnet" ] || [ ! -d "$GADUGI_DOTNET_ROOT/sdk/$GADUGI_DOTNET_SDK_VERSION" ]; then
    echo "copy-sdk.sh: no .NET SDK $GADUGI_DOTNET_SDK_VERSION under $GADUGI_DOTNET_ROOT" >&2
    exit 1
fi

echo "copy-sdk: copying .NET SDK $GADUGI_DOTNET_SDK_VERSION from $GADUGI_DOTNET_ROOT"
mkdir -p "$root/usr/share/dotnet"
cp -a "$GADUGI_DOTNET_ROOT/." "$root/usr/share/dotnet/"
chown -R 0:0 "$root/usr/share/dotnet"
chmod -R a+rX,go-w "$root/usr/share/dotnet"
ln -sf ../share/dotnet/dotnet "$root/usr/bin/dotnet"
