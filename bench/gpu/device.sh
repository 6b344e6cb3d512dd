#!/usr/bin/env bash
# On the GPU machine, from the repository root, carrying .device and .bench-gpu (see README.md here):
# builds node-llama-cpp's CUDA binding and llama-server unless this machine already has them,
# generates the models, and runs the llama bench for both backends, writing JSON lines to $OUT.
# Every step skips what a warm machine still holds in /tmp, and the bench skips what an earlier call
# measured, so running the same command again goes on where the last one stopped.
# BENCH_DEADLINE_S (default 570): seconds this call may take; the bench stops at that point.
set -uo pipefail
started=$SECONDS
deadline=${BENCH_DEADLINE_S:-570}
app=${PARLEY_GPU_APP:-/tmp/dev/app} # where build-cuda.sh unpacks and builds node-llama-cpp
work=${PARLEY_GPU_WORK:-/tmp/parley-gpu}
out=${OUT:-$work/out}
mkdir -p "$work/models" "$out"
say() { echo "[device.sh $((SECONDS - started))s] $*"; }
left() { echo $((deadline - (SECONDS - started))); }
fail() { say "$1"; [ -f "${2:-}" ] && tail -n 40 "$2"; exit 1; }

export BENCH_PRESETS=${BENCH_PRESETS:-200m-f16,1b-q8_0} BENCH_STREAMS=${BENCH_STREAMS:-1,8,32}
export BENCH_TOKENS=${BENCH_TOKENS:-128} BENCH_GPU=${BENCH_GPU:-cuda} BENCH_TUNE=${BENCH_TUNE:-1}
# Results go straight to $OUT (they come back even when the call is cut short) and are kept in
# $work for the next call, which $OUT is emptied for.
export BENCH_MODEL_DIR=$work/models BENCH_RESULTS=$out/llama-bench.jsonl
[ -f "$work/results.jsonl" ] && cp "$work/results.jsonl" "$BENCH_RESULTS"
export PARLEY_LLAMA_BUILD=${PARLEY_LLAMA_BUILD:-lastBuild}

# node, npm and node's headers from .device (into /tmp/dev); elsewhere, the node on PATH
if [ -f .device/setup.sh ]; then source .device/setup.sh; fi
command -v node > /dev/null || fail "no node: carry .device"
nlc=$app/node_modules/node-llama-cpp
if [ ! -d "$nlc" ]; then
  mkdir -p "$app" && tar -C "$app" -xJf .device/nlc.tar.xz || fail "no node-llama-cpp"
  # The project's fixes to node-llama-cpp (postinstall applies them at home): the bench runs the same code.
  for fix in patches/node-llama-cpp+*.patch; do patch -d "$app" -p1 -s < "$fix" || say "could not apply $fix"; done
fi
[ -f .bench-gpu/app/parley-gpu.mjs ] || tar -C .bench-gpu -xJf .bench-gpu/bench.tar.xz || fail "no .bench-gpu"
ln -sfn "$nlc" .bench-gpu/node_modules/node-llama-cpp
bundle=.bench-gpu/app/parley-gpu.mjs

say "generating models in the background: $BENCH_PRESETS"
(
  for preset in ${BENCH_PRESETS//,/ }; do
    model=$BENCH_MODEL_DIR/$preset.gguf
    [ -f "$model" ] && continue
    node "$bundle" model generate --preset "$preset" --seed 1 --out "$model.partial" && mv "$model.partial" "$model"
  done
) > "$out/models.log" 2>&1 &
models=$!

build_done() { compgen -G "$nlc/llama/localBuilds/*/buildDone.status" | head -n 1; }
if [ -z "$(build_done)" ]; then
  say "building node-llama-cpp's CUDA binding (about 6 minutes)"
  bash .device/build-cuda.sh > "$out/build-cuda.log" 2>&1 || fail "build-cuda.sh failed" "$out/build-cuda.log"
  grep -E "CUDA|GPU|VRAM" "$out/build-cuda.log" | tail -n 5
fi

# llama-server from the same source, configured like the binding: only its own files compile,
# ggml and llama come from the binding's build tree.
if [ -z "${BENCH_LLAMA_SERVER_BIN:-}" ]; then
  tree=$(dirname "$(build_done)")
  find_server() { find "$tree" -name llama-server -type f -perm -u+x | head -n 1; }
  if [ -z "$(find_server)" ]; then
    say "building llama-server in $tree"
    {
      cmake "$tree" -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_USE_PREBUILT_UI=OFF &&
        cmake --build "$tree" --config Release --target llama-server -j "$(nproc)"
    } > "$out/build-llama-server.log" 2>&1 || fail "llama-server build failed" "$out/build-llama-server.log"
  fi
  export BENCH_LLAMA_SERVER_BIN=$(find_server)
fi
say "llama-server: $BENCH_LLAMA_SERVER_BIN"

wait "$models" || fail "model generation failed" "$out/models.log"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$out/gpu.csv"

if [ "$(left)" -lt 90 ]; then
  say "builds and models are ready; run the same command again (while the machine is warm) for the bench"
  exit 0
fi
say "bench: $BENCH_PRESETS × node-llama-cpp, llama-server × streams $BENCH_STREAMS, $(left) s left"
timeout -k 10 "$(left)" node "$bundle" bench 2> "$out/bench.log" &
bench=$! # timeout leads a process group of its own: the bench and every server it starts
wait "$bench"
status=$?
kill -KILL -- -"$bench" 2> /dev/null # servers a stopped bench left behind
cp "$BENCH_RESULTS" "$work/results.jsonl" 2> /dev/null
case $status in
  0) say "done: $BENCH_RESULTS" ;;
  124 | 137) say "out of time; run the same command again to measure the rest" ;;
  *) fail "the bench failed ($status)" "$out/bench.log" ;;
esac
