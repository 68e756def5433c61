#!/usr/bin/env bash
# Install everything cfive's build and tests use on Debian 12 (bookworm):
# compilers, libcheck, the optional compression libraries, and the reference
# tools the tests compare against (h5ls/h5dump, h5py, PyTables, netCDF4, the
# HDF5 filter plugins). Safe to run again. Uses sudo only when not root.
set -euo pipefail

pkgs=(
    build-essential clang pkg-config check
    zlib1g-dev libdeflate-dev liblz4-dev libzstd-dev libbz2-dev liblzo2-dev libaec-dev
    hdf5-tools libhdf5-dev
    python3-h5py python3-tables python3-netcdf4 python3-numpy
    hdf5-filter-plugin hdf5-filter-plugin-blosc-serial hdf5-plugin-lzf
    libclang-rt-14-dev
)

if [ "${1:-}" = "--list" ]; then
    echo "${pkgs[*]}"
    exit 0
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
        sudo=sudo
    else
        echo "install_deps: not root and no sudo; install these yourself: ${pkgs[*]} nodejs npm" >&2
        exit 1
    fi
fi

# h5wasm (libhdf5 2.0 compiled to WebAssembly) from npm: the second, stricter
# reader of the files cfive writes (tests/package.json).
# Node.js comes separately: some machines carry NodeSource's nodejs, which
# bundles npm and conflicts with Debian's npm package.
npm_install() {
    if ! command -v npm >/dev/null; then
        $sudo apt-get install -y --no-install-recommends nodejs npm ||
            $sudo apt-get install -y --no-install-recommends nodejs || true
    fi
    command -v npm >/dev/null || {
        echo "install_deps: no npm; h5wasm checks will be skipped" >&2
        return 0
    }
    (cd "$(dirname "$0")" && npm ci --no-audit --no-fund --loglevel=error) ||
        echo "install_deps: npm install failed; h5wasm checks will be skipped" >&2
}
if [ "${1:-}" = "--npm" ]; then
    npm_install
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${pkgs[@]}"
npm_install
