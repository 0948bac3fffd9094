#!/usr/bin/env bash
# Makes the synthetic sample calls in samples/calls/ (see samples/README.md) with espeak-ng (Mandarin
# voice "cmn"), sox and ffmpeg.
#
# Every call is a script of turns. Each turn is synthesized at 8 kHz, its leading/trailing silence trimmed,
# and placed on its speaker's channel (agent = channel 0, caller = channel 1) while the other channel stays
# silent; turns are separated by fixed gaps. Because we place the turns ourselves, we know the exact sample
# where each starts and ends: those times go into <file>.script.json (transcript format 1, source "sidecar").
#
# Outputs per call: <file> (audio), <file>.json (metadata sidecar, contracts §4), <file>.script.json.
# Deterministic: sox runs with -R (repeatable) and no dither; ffmpeg with bitexact flags.
#
# Usage: scripts/make-sample-calls.sh [OUTDIR]     (default: samples/calls beside this script's repo)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/../samples/calls}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

for tool in espeak-ng sox ffmpeg node; do
  command -v "$tool" >/dev/null || { echo "make-sample-calls: $tool is required" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

RATE=8000
LEAD=3200      # samples of silence before the first turn (0.40 s)
GAP=4800       # samples of silence between turns (0.60 s)
TAIL=4000      # samples of silence after the last turn (0.50 s)
FRAME=160      # total length is padded to a multiple of 20 ms (one AMR frame) so every format has the same length

AGENT_VOICE="cmn+f3"; AGENT_SPEED=230; AGENT_PITCH=60
CALLER_VOICE="cmn";   CALLER_SPEED=215; CALLER_PITCH=35

# silence NSAMPLES OUTFILE: mono 16-bit 8 kHz silence of exactly NSAMPLES samples
silence() {
  sox -R -r "$RATE" -c 1 -b 16 -e signed-integer -n "$2" trim 0 "${1}s"
}

# utter SPEAKER TEXT OUTFILE: synthesized, resampled to 8 kHz 16-bit mono, silence trimmed at both ends
utter() {
  local voice speed pitch
  if [[ "$1" == agent ]]; then voice="$AGENT_VOICE"; speed="$AGENT_SPEED"; pitch="$AGENT_PITCH"
  else voice="$CALLER_VOICE"; speed="$CALLER_SPEED"; pitch="$CALLER_PITCH"; fi
  espeak-ng -v "$voice" -s "$speed" -p "$pitch" -w "$tmp/raw.wav" -- "$2"
  sox -R -D "$tmp/raw.wav" -r "$RATE" -c 1 -b 16 -e signed-integer "$3" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
}

# make_call NAME CALLID AGENTID STARTEDAT TURNFILE
# TURNFILE: lines "agent|customer<TAB>text". Writes $tmp/NAME.agent.wav, $tmp/NAME.customer.wav (16-bit mono)
# and $tmp/NAME.turns.tsv (speaker, start sample, end sample, text), $tmp/NAME.samples (total samples).
make_call() {
  local name="$1" turns="$2"
  local cursor=$LEAD i=0 speaker text n
  local -a agent_parts=() customer_parts=()
  silence "$LEAD" "$tmp/$name.lead.wav"
  agent_parts+=("$tmp/$name.lead.wav"); customer_parts+=("$tmp/$name.lead.wav")
  silence "$GAP" "$tmp/gap.wav"
  : > "$tmp/$name.turns.tsv"
  while IFS=$'\t' read -r speaker text; do
    [[ -z "$speaker" ]] && continue
    if (( i > 0 )); then
      agent_parts+=("$tmp/gap.wav"); customer_parts+=("$tmp/gap.wav"); cursor=$(( cursor + GAP ))
    fi
    utter "$speaker" "$text" "$tmp/$name.u$i.wav"
    n="$(soxi -s "$tmp/$name.u$i.wav")"
    silence "$n" "$tmp/$name.s$i.wav"
    if [[ "$speaker" == agent ]]; then
      agent_parts+=("$tmp/$name.u$i.wav"); customer_parts+=("$tmp/$name.s$i.wav")
    else
      agent_parts+=("$tmp/$name.s$i.wav"); customer_parts+=("$tmp/$name.u$i.wav")
    fi
    printf '%s\t%s\t%s\t%s\n' "$speaker" "$cursor" "$(( cursor + n ))" "$text" >> "$tmp/$name.turns.tsv"
    cursor=$(( cursor + n ))
    i=$(( i + 1 ))
  done < "$turns"
  local tail=$(( TAIL + (FRAME - (cursor + TAIL) % FRAME) % FRAME ))
  silence "$tail" "$tmp/$name.tail.wav"
  agent_parts+=("$tmp/$name.tail.wav"); customer_parts+=("$tmp/$name.tail.wav")
  sox -R "${agent_parts[@]}" "$tmp/$name.agent.wav"
  sox -R "${customer_parts[@]}" "$tmp/$name.customer.wav"
  echo $(( cursor + tail )) > "$tmp/$name.samples"
}

# write_sidecars FILE NAME CALLID AGENTID STARTEDAT STEREO(1|0)
write_sidecars() {
  local file="$1" name="$2" callid="$3" agentid="$4" started="$5" stereo="$6"
  node - "$out/$file" "$tmp/$name.turns.tsv" "$(cat "$tmp/$name.samples")" "$RATE" "$callid" "$agentid" "$started" "$stereo" "$file" <<'NODE'
const fs = require('node:fs');
const [target, turnsFile, samples, rate, callId, agentId, startedAt, stereo, file] = process.argv.slice(2);
const r = Number(rate);
const round = (x) => Math.round(x * 1000) / 1000;
const segments = fs.readFileSync(turnsFile, 'utf8').split('\n').filter(Boolean).map((line) => {
  const [speaker, start, end, text] = line.split('\t');
  return { start: round(Number(start) / r), end: round(Number(end) / r), speaker, text };
});
const meta = { callId, agentId, startedAt };
if (stereo === '1') meta.channels = { agent: 0, customer: 1 };
const script = {
  callId, durationSec: round(Number(samples) / r), language: 'zh', agentId, startedAt, segments,
  source: { kind: 'sidecar', file: `${file}.script.json` },
};
fs.writeFileSync(`${target}.json`, JSON.stringify(meta, null, 2) + '\n');
fs.writeFileSync(`${target}.script.json`, JSON.stringify(script, null, 2) + '\n');
NODE
}

# stereo_mulaw NAME FILE: 8 kHz mu-law stereo WAV, agent on channel 0, caller on channel 1
stereo_mulaw() {
  sox -R -M "$tmp/$1.agent.wav" "$tmp/$1.customer.wav" -e mu-law -b 8 "$out/$2"
}

# The calls. Each turns file: speaker<TAB>text.
cat > "$tmp/call01.txt" <<'EOF'
agent	您好，县婚姻登记中心，请讲。
customer	你好，我想问一下结婚登记要带什么材料。
agent	双方的身份证和户口本。
agent	请问您还有其他需要帮助的吗？
customer	没有了，谢谢。
agent	再见。
EOF
cat > "$tmp/call02.txt" <<'EOF'
agent	您好，县婚姻登记中心，请讲。
customer	请问离婚登记要预约吗？
agent	需要预约，请您在网上预约。
agent	请问您还有其他需要帮助的吗？
customer	没有了，谢谢。
agent	再见。
EOF
cat > "$tmp/call03.txt" <<'EOF'
agent	喂。
customer	你好，请问补办结婚证要什么手续？
agent	不知道。你去问民政局。
customer	那我现在过来可以吗？
agent	下班了，明天再来。
EOF
cat > "$tmp/call04.txt" <<'EOF'
agent	您好，县婚姻登记中心，请讲。
customer	请问周六可以办结婚登记吗？
agent	周六不办，请工作日来。
agent	好，就这样吧。
EOF

make_call call01 "$tmp/call01.txt"
make_call call02 "$tmp/call02.txt"
make_call call03 "$tmp/call03.txt"
make_call call04 "$tmp/call04.txt"

f=call-01-compliant.wav;        stereo_mulaw call01 "$f"; write_sidecars "$f" call01 "demo-01" "A017" "2026-11-28T09:15:02+08:00" 1
f=call-02-compliant.wav;        stereo_mulaw call02 "$f"; write_sidecars "$f" call02 "demo-02" "A023" "2026-11-28T10:02:40+08:00" 1
f=call-03-banned-phrases.wav;   stereo_mulaw call03 "$f"; write_sidecars "$f" call03 "demo-03" "A031" "2026-11-28T16:58:11+08:00" 1
f=call-04-no-consent.wav;       stereo_mulaw call04 "$f"; write_sidecars "$f" call04 "demo-04" "A017" "2026-11-28T11:20:05+08:00" 1

# Call 1 again as a stereo MP3 (32 kb/s, 16-bit source; gapless info so the length stays exact).
sox -R -M "$tmp/call01.agent.wav" "$tmp/call01.customer.wav" "$tmp/call01.stereo.wav"
f=call-05-compliant.mp3
ffmpeg -nostdin -hide_banner -v error -y -i "file:$tmp/call01.stereo.wav" -c:a libmp3lame -b:a 32k \
  -map_metadata -1 -fflags +bitexact -flags:a +bitexact "file:$out/$f"
write_sidecars "$f" call01 "demo-05" "A017" "2026-11-28T14:41:30+08:00" 1

# Call 3 again as mono AMR-NB (12.2 kb/s). Debian's ffmpeg has no AMR encoder (its amrnb is a decoder only),
# so sox encodes it through libopencore-amrnb; an ffmpeg built with libopencore_amrnb is used when present.
# Mono: the two channels are summed (they never overlap).
sox -R -M "$tmp/call03.agent.wav" "$tmp/call03.customer.wav" "$tmp/call03.mono.wav" remix 1v0.95,2v0.95
f=call-06-banned-phrases.amr
if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libopencore_amrnb; then
  ffmpeg -nostdin -hide_banner -v error -y -i "file:$tmp/call03.mono.wav" -c:a libopencore_amrnb -b:a 12.2k \
    -map_metadata -1 -fflags +bitexact "file:$out/$f"
elif sox -h 2>/dev/null | grep -q 'amr-nb'; then
  sox -R "$tmp/call03.mono.wav" -t amr-nb -C 7 "$out/$f"
else
  echo "make-sample-calls: no AMR-NB encoder (neither ffmpeg's libopencore_amrnb nor sox's amr-nb): $f not made" >&2
  exit 1
fi
write_sidecars "$f" call03 "demo-06" "A031" "2026-11-28T17:05:47+08:00" 0

# A broken "recording": an HTML error page saved as .wav (what a failed download often leaves behind).
cat > "$out/broken-page.wav" <<'EOF'
<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1>404 Not Found</h1><p>录音文件不存在或已被删除。</p></body>
</html>
EOF

for f in "$out"/*; do
  case "$f" in *.json) continue ;; esac
  printf '%-32s %8s bytes\n' "$(basename "$f")" "$(stat -c %s "$f")"
done
