#!/usr/bin/env bash
# Builds whisper.cpp's command-line program `whisper-cli` (whisper.cpp 1.9.1) from the source that the npm
# package nodejs-whisper (0.3.1) ships at node_modules/nodejs-whisper/cpp/whisper.cpp, into
# .callqa/whisper-cli/whisper-cli. Only the C++ source of that package is used; its JavaScript (which runs
# shell strings, changes the working directory and downloads models) is never imported or run.
#
# - CMake, Release, CPU only (no CUDA/Metal/Vulkan/OpenCL), whisper and ggml as static libraries, tuned for
#   the building machine's CPU (GGML_NATIVE; build the worker image on the kind of machine it runs on), with
#   ggml's BLAS backend on OpenBLAS (libopenblas-dev; the binary then needs libopenblas0 at run time): the
#   encoder's large matrix products go to OpenBLAS, which on the 2-core AMD EPYC this was measured on halves
#   the encoder time of a 30 s window at one thread (tiny-shaped model 1.99 s → 1.08 s, small 8.7 s → 6.0 s
#   at two threads; `npm run bench:asr`). Only the `whisper-cli` target is built, with at most 2 parallel jobs (CALLQA_BUILD_JOBS).
# - The source files the build needs are copied to .callqa/whisper-cli/src first (whisper.cpp's CMake writes
#   into its source folder: bindings/javascript/package.json), so node_modules is never written to; the build
#   tree is .callqa/whisper-cli/build.
# - The copy is patched with scripts/whisper.cpp-1.9.1-prompt.patch (`patch`, Debian package patch): a
#   decoding pass's prompt gets logits for its last token only, and a temperature fallback reuses the prompt
#   it decoded over the same audio instead of decoding it again. Same tokens decoded; on the ASR benchmark's
#   zero-weight tiny model (every window falls back through all temperatures) a window's CPU time falls from
#   ~1.7 s to ~1.1 s. The patch file says what it changes and why that decodes the same.
# - Idempotent: does nothing when .callqa/whisper-cli/whisper-cli exists and the stamp file
#   (.callqa/whisper-cli/.callqa-source-stamp: package version, whisper.cpp version, sha256 of the CMake and
#   C/C++ source files) matches the source in node_modules. A changed source is rebuilt from scratch.
# - Never downloads anything (no models either: the operator provides a ggml model file).
# - Exits non-zero, with the reason on stderr, when the source, cmake or a compiler is missing or the build
#   fails.
#
# The whisper.cpp 1.5.0 `main` that callqa used before is built only by the ASR benchmark
# (scripts/build-whisper-1.5.sh, called from scripts/bench-asr.ts), to compare against.
#
# Usage: bash scripts/build-whisper.sh [--force]
#   Environment: CALLQA_WHISPER_SRC (default node_modules/nodejs-whisper/cpp/whisper.cpp),
#                CALLQA_WHISPER_CLI_DIR (default .callqa/whisper-cli), CALLQA_BUILD_JOBS (default min(2, cores)).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${CALLQA_WHISPER_SRC:-$root/node_modules/nodejs-whisper/cpp/whisper.cpp}"
dest="${CALLQA_WHISPER_CLI_DIR:-$root/.callqa/whisper-cli}"
force=0
[[ "${1:-}" == "--force" ]] && force=1

say() { echo "build-whisper: $*"; }
fail() { echo "build-whisper: ERROR: $*" >&2; exit 1; }

[[ -d "$src" ]] || fail "whisper.cpp source not found at $src (run 'npm ci' first: it comes with the npm package nodejs-whisper)"
for f in CMakeLists.txt include/whisper.h src/whisper.cpp ggml/CMakeLists.txt examples/cli/cli.cpp; do
  [[ -f "$src/$f" ]] || fail "whisper.cpp source at $src is incomplete: $f is missing"
done
command -v cmake >/dev/null || fail "'cmake' is not installed (apt-get install cmake; scripts/setup.sh does this)"
command -v "${CXX:-c++}" >/dev/null || command -v g++ >/dev/null || fail "no C++ compiler found (needs g++ or clang++)"

# Version stamp: which source the binary was built from.
pkg_version="unknown"
if [[ -f "$src/../../package.json" ]]; then
  pkg_version="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$src/../../package.json" | head -n1)"
fi
cpp_version="$(sed -n 's/^project("*whisper.cpp"* VERSION \([0-9.]*\)).*/\1/p' "$src/CMakeLists.txt" | head -n1)"
sources_sha="$(cd "$src" && find CMakeLists.txt cmake include src ggml examples/cli examples/common* examples/CMakeLists.txt \
  -type f \( -name '*.c' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' -o -name '*.txt' -o -name '*.cmake' \) 2>/dev/null \
  | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)"
patch_file="$root/scripts/whisper.cpp-1.9.1-prompt.patch"
[[ -f "$patch_file" ]] || fail "$patch_file is missing"
patch_sha="$(sha256sum "$patch_file" | cut -c1-16)"
stamp="nodejs-whisper=${pkg_version} whisper.cpp=${cpp_version:-unknown} sha256=${sources_sha} blas=openblas patch=${patch_sha}"
stamp_file="$dest/.callqa-source-stamp"
binary="$dest/whisper-cli"

if [[ $force -eq 0 && -x "$binary" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
  say "up to date: $binary ($stamp); nothing to do"
  exit 0
fi

pkg-config --exists openblas 2>/dev/null \
  || fail "OpenBLAS is not installed (apt-get install libopenblas-dev pkg-config; scripts/setup.sh does this)"
command -v patch >/dev/null || fail "'patch' is not installed (apt-get install patch; scripts/setup.sh does this)"

if [[ -e "$dest" ]]; then
  # Only ever replace a previous build made by this script, never some other folder a mistyped setting points at.
  [[ -f "$stamp_file" || -d "$dest/build" || -d "$dest/src" ]] || fail "$dest exists but is not a whisper-cli build made by this script; refusing to replace it"
  say "removing stale build in $dest"
  rm -rf "$dest"
fi
mkdir -p "$dest/src/bindings/javascript"
for d in CMakeLists.txt LICENSE cmake include src ggml examples; do cp -R "$src/$d" "$dest/src/"; done
cp "$src/bindings/javascript/package-tmpl.json" "$dest/src/bindings/javascript/"
patch -p1 --forward --batch --quiet -d "$dest/src" <"$patch_file" \
  || fail "$patch_file does not apply to the whisper.cpp source at $src"

jobs="${CALLQA_BUILD_JOBS:-$(( $(nproc 2>/dev/null || echo 2) < 2 ? 1 : 2 ))}"
log="$dest/.callqa-build.log"
say "building whisper-cli ($stamp) with cmake, $jobs job(s) (takes a few minutes) ..."
started=$(date +%s)
if ! {
  cmake -S "$dest/src" -B "$dest/build" \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_SERVER=OFF -DWHISPER_BUILD_EXAMPLES=ON \
    -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF -DWHISPER_FFMPEG=OFF \
    -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_OPENCL=OFF -DGGML_BLAS=ON -DGGML_BLAS_VENDOR=OpenBLAS \
    -DGGML_NATIVE=ON &&
    cmake --build "$dest/build" --config Release --target whisper-cli -j "$jobs"
} >"$log" 2>&1; then
  tail -n 30 "$log" >&2 || true
  fail "cmake build failed; full log in $log"
fi
[[ -x "$dest/build/bin/whisper-cli" ]] || fail "the build succeeded but $dest/build/bin/whisper-cli was not produced; log in $log"
cp "$dest/build/bin/whisper-cli" "$binary"
"$binary" --help >/dev/null 2>&1 || fail "$binary was built but does not run (see $log)"
echo "$stamp" >"$stamp_file"
say "built $binary in $(( $(date +%s) - started )) s"
