#!/usr/bin/env bash
# One-step, idempotent set-up on a fresh Debian/Ubuntu machine with Node.js 20:
#   1. system programs from apt when missing: ffmpeg/ffprobe (audio), docker-compose (checks the
#      compose file without an engine), a C/C++ toolchain, cmake, OpenBLAS (libopenblas-dev) and patch for
#      whisper.cpp, chromium and a Chinese font (browser tests);
#   2. npm ci when node_modules is missing or older than package-lock.json;
#   3. whisper.cpp 1.9.1's `whisper-cli`, built once from the source the nodejs-whisper package ships (with
#      --demo and no WHISPER_MODEL, skipped: without a model the demo transcribes nothing);
#   4. the TypeScript build (dist/).
# Redis and PostgreSQL are services the machine provides (see README). Says clearly what it could not do.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { echo "setup: $*"; }
fail() { echo "setup: ERROR: $*" >&2; exit 1; }

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[[ "$major" -ge 20 ]] || fail "Node.js 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))"

# --- 1. system packages -------------------------------------------------------------------------
apt_packages=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || apt_packages+=(ffmpeg)
command -v docker-compose >/dev/null || apt_packages+=(docker-compose)
command -v make >/dev/null || apt_packages+=(make)
command -v g++ >/dev/null || command -v c++ >/dev/null || apt_packages+=(g++)
command -v cmake >/dev/null || apt_packages+=(cmake)
command -v pkg-config >/dev/null || apt_packages+=(pkg-config)
pkg-config --exists openblas 2>/dev/null || apt_packages+=(libopenblas-dev)
command -v patch >/dev/null || apt_packages+=(patch)
# Debian's Chromium, driven by playwright-core in the review workspace's browser tests.
[[ -x /usr/bin/chromium ]] || apt_packages+=(chromium)
# A Chinese font, so pages and screenshots in Chromium (monthly statistics, review workspace) show Chinese text.
fc-list :lang=zh 2>/dev/null | grep -q . || apt_packages+=(fonts-wqy-microhei)
if [[ ${#apt_packages[@]} -gt 0 ]]; then
  if [[ $(id -u) -eq 0 ]]; then apt=(apt-get); elif sudo -n true 2>/dev/null; then apt=(sudo apt-get); else apt=(); fi
  if [[ ${#apt[@]} -eq 0 ]]; then
    fail "missing system packages: ${apt_packages[*]}; install them as root: apt-get install -y ${apt_packages[*]}"
  fi
  say "installing from apt: ${apt_packages[*]}"
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null \
    || fail "apt-get install ${apt_packages[*]} failed"
fi

# --- 2. npm packages ----------------------------------------------------------------------------
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- 3. whisper.cpp -----------------------------------------------------------------------------
whisper="whisper.cpp at .callqa/whisper-cli/whisper-cli"
if [[ "${1:-}" == "--demo" && -z "${WHISPER_MODEL:-}" && "${ASR_ENGINE:-whisper.cpp}" == "whisper.cpp" ]]; then
  say "skipping the whisper-cli build: WHISPER_MODEL is not set, so the demo transcribes nothing (npm run setup builds it)"
  whisper="whisper-cli build skipped"
else
  bash scripts/build-whisper.sh
fi

# --- 4. TypeScript build ------------------------------------------------------------------------
npx tsc -p tsconfig.json
say "ready (ffmpeg $(ffmpeg -version | head -n1 | cut -d' ' -f3), $whisper)"
[[ -n "${WHISPER_MODEL:-}" ]] || say "note: WHISPER_MODEL is not set: speech recognition needs a whisper.cpp ggml model file that you provide"
