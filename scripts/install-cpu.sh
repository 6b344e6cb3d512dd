#!/usr/bin/env bash
# A lean install for CPU-only linux-x64 (glibc) machines: ~440 MB of node_modules instead of ~1.1 GB,
# without node-llama-cpp's CUDA, Vulkan and ARM prebuilt binaries. A plain `npm install` brings
# them back (use that on GPU machines). The lockfile is neither changed nor bypassed.
set -euo pipefail
cd "$(dirname "$0")/.."
# 1. Every locked dependency except optional ones. `--omit` only skips them on disk: npm still
#    resolves them and writes the full lockfile, so a stale lockfile still shows up in `git diff`.
npm install --no-audit --no-fund --omit=optional
# 2. The platform binaries this machine needs, at their locked versions, saving nothing. esbuild is
#    left out on purpose: its install script fetches the binary for each of its locked versions.
pkgs=$(node -p 'const p = require("./package-lock.json").packages;
  ["@node-llama-cpp/linux-x64", "@rolldown/binding-linux-x64-gnu", "lightningcss-linux-x64-gnu", "@biomejs/cli-linux-x64"]
    .map((n) => `${n}@${p["node_modules/" + n].version}`).join(" ")')
npm install --no-audit --no-fund --omit=optional --no-save $pkgs
# 3. Step 1 over a tree that had the optional packages removes esbuild's binaries without
#    re-running its install script; a rebuild puts them back (a no-op on a clean tree).
npm rebuild esbuild >/dev/null
