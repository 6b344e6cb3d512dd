#!/usr/bin/env bash
# Builds `llama-server` for the provider's second backend (`parley provider --backend llama-server
# --llama-server-bin PATH`) on a CPU linux-x64 machine, with no network: from the llama.cpp source
# node-llama-cpp ships (its git bundle), linked against node-llama-cpp's own prebuilt libraries
# (libllama, libggml and its CPU variants, libllama-common), so both backends run the same llama.cpp
# build. Only the server's own files (and the multimodal library it links) compile: ~3 minutes on
# 2 cores instead of ~10 for all of llama.cpp. For a GPU build see bench/gpu/device.sh.
#
#   bash scripts/build-llama-server.sh [OUT_DIR]     (default .cache/llama-server)
#
# Prints the binary's path last. A binary already built for the installed node-llama-cpp is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-.cache/llama-server}")"
source_bundle=node_modules/node-llama-cpp/llama/gitRelease.bundle
prebuilt=node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
[ -f "$source_bundle" ] && [ -d "$prebuilt" ] || {
  echo "node-llama-cpp and @node-llama-cpp/linux-x64 are not installed: run npm install first" >&2
  exit 1
}
stamp="$(cat node_modules/node-llama-cpp/package.json "$prebuilt/_nlcBuildMetadata.json" | sha256sum | cut -c1-16)"
if [ -x "$out/llama-server" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$out/llama-server"
  exit 0
fi
for tool in cmake ninja g++ git; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing; on Debian: apt-get install -y cmake ninja-build g++ git" >&2
    exit 1
  }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet "$source_bundle" "$work/src" 2>/dev/null
# Configured like node-llama-cpp's own build (shared libraries), but nothing downloads: no prebuilt
# web UI, no TLS. Only the server's object files are built below; llama.cpp's libraries come prebuilt.
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
  -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_APP=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF >"$work/configure.log" 2>&1 || {
  tail -n 30 "$work/configure.log" >&2
  exit 1
}
objects="$(ninja -C "$work/build" -t commands llama-server | grep -o -- '-o [^ ]*\.o' | cut -c4- |
  grep -vE '^(ggml|src|common)/')"
(cd "$work/build" && ninja -j "$(nproc)" $objects) >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  exit 1
}
rm -rf "$out" && mkdir -p "$out"
cp "$prebuilt"/*.so "$out/"
# Linked by path (each library names itself by its SONAME) and found next to the binary at run time,
# where ggml also looks for the CPU variant that suits the machine.
(cd "$work/build" && g++ $objects -o "$out/llama-server" "$out"/libllama-common.so "$out"/libllama.v*.so \
  "$out"/libggml.v*.so "$out"/libggml-base.so -pthread -Wl,-rpath,'$ORIGIN')
"$out/llama-server" --version >/dev/null 2>&1 || {
  echo "the built llama-server does not start: $out/llama-server --version" >&2
  exit 1
}
echo "$stamp" >"$out/stamp"
echo "$out/llama-server"
