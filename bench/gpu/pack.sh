#!/usr/bin/env bash
# Here, before the GPU calls: packs what bench/gpu/device.sh needs beside .device/ into .bench-gpu/
# (ignored by git): the bench and the `parley` CLI bundled into one file, and better-sqlite3 (its
# addon matches the node binary .device carries, which is this machine's). node-llama-cpp stays
# out of the bundle: on the GPU machine it is the copy that .device/build-cuda.sh builds for CUDA.
# Also puts a stripped node into .device/node.xz (2 MiB less than ../shared/device/pack.sh's), so
# that both folders fit the 64 MiB a call may carry. Run it before or after that script.
set -euo pipefail
root=$(git rev-parse --show-toplevel); cd "$root"
for dir in .device .bench-gpu; do
  grep -qx "/$dir/" .git/info/exclude 2>/dev/null || echo "/$dir/" >> .git/info/exclude
done
mkdir -p .device
if [ ! -f .device/node.xz.stripped ]; then
  strip -o .device/node.stripped "$(readlink -f "$(command -v node)")"
  xz -T2 -6 -c .device/node.stripped > .device/node.xz && rm .device/node.stripped
  touch .device/node.xz.stripped
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/app" "$stage/node_modules"
# The bundle sits two folders below the repository root, where src/ files sit, so the paths they
# resolve from import.meta.url (package.json, migrations/) land where they do in the repository.
npx esbuild bench/gpu/entry.ts --bundle --minify --platform=node --format=esm --target=node20 \
  --external:node-llama-cpp --external:better-sqlite3 --log-level=warning \
  --banner:js="import { createRequire as parleyRequire } from 'node:module'; const require = parleyRequire(import.meta.url);" \
  --outfile="$stage/app/parley-gpu.mjs"
sqlite=node_modules/better-sqlite3
mkdir -p "$stage/$sqlite/build/Release"
cp -r "$sqlite/package.json" "$sqlite/lib" "$stage/$sqlite/"
cp "$sqlite/build/Release/better_sqlite3.node" "$stage/$sqlite/build/Release/"
cp -r node_modules/bindings node_modules/file-uri-to-path "$stage/node_modules/"
# The docs route resolves this package when the gateway starts; the bench never serves /docs.
mkdir -p "$stage/node_modules/swagger-ui-dist"
cp node_modules/swagger-ui-dist/package.json "$stage/node_modules/swagger-ui-dist/"

rm -rf .bench-gpu && mkdir .bench-gpu
tar -C "$stage" -cf - app node_modules | xz -T2 -9 > .bench-gpu/bench.tar.xz

tree=$( (git ls-files -z -co --exclude-standard | xargs -0 stat -c %s 2>/dev/null || true) | awk '{ s += $1 } END { print s }')
carried=$(du -cb .device .bench-gpu | tail -n 1 | cut -f1)
echo "bench bundle $(du -b .bench-gpu/bench.tar.xz | cut -f1) bytes; working tree $tree + carried $carried = $((tree + carried)) of $((64 * 1024 * 1024))"
if [ $((tree + carried)) -gt $((64 * 1024 * 1024)) ]; then
  echo "too large to carry in one call" >&2
  exit 1
fi
