// Pure parts of pipeline/audio: argument builders (asserted by their exact arrays), planners and parsers.
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../domain/errors.js';
import { buildProbeArgs, classifyFfmpegFailure, ffmpegArgs, fileUrl, parseProbeOutput } from '../../pipeline/audio/ffmpeg.js';
import { buildConvertJob, buildOutputOptions, planChannels } from '../../pipeline/audio/prepare.js';
import { buildMeasureJob, parseAstatsSamples, parseInputSampleRate, sniffContent } from '../../pipeline/audio/probe.js';
import { buildSilenceJob, complementSpans, parseSilenceDetect } from '../../pipeline/audio/silence.js';

describe('argument builders', () => {
  it('fileUrl makes an absolute file: URL so names are never protocols or options', () => {
    expect(fileUrl('/data/in/x.wav')).toBe('file:/data/in/x.wav');
    expect(fileUrl('/data/in/http:evil.wav')).toBe('file:/data/in/http:evil.wav');
    expect(fileUrl('/data/in/-i.wav')).toBe('file:/data/in/-i.wav');
  });

  it('buildProbeArgs', () => {
    expect(buildProbeArgs('/rec/a b.wav')).toEqual([
      '-v',
      'warning',
      '-hide_banner',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      'file:/rec/a b.wav',
    ]);
  });

  it('buildConvertJob: stereo split with a channel map', () => {
    const plans = planChannels(2, { agent: 0, customer: 1 });
    const job = buildConvertJob('/rec/in.wav', [
      { plan: plans[0]!, path: '/work/p-agent.wav' },
      { plan: plans[1]!, path: '/work/p-customer.wav' },
    ]);
    expect(ffmpegArgs(job)).toEqual([
      '-nostdin',
      '-hide_banner',
      '-nostats',
      '-v',
      'error',
      '-y',
      '-i',
      'file:/rec/in.wav',
      '-map',
      '0:a:0',
      '-af',
      'aresample=async=1:first_pts=0,pan=mono|c0=c0',
      '-ar',
      '16000',
      '-c:a',
      'pcm_s16le',
      '-map_metadata',
      '-1',
      '-fflags',
      '+bitexact',
      '-flags:a',
      '+bitexact',
      '-f',
      'wav',
      'file:/work/p-agent.wav',
      '-map',
      '0:a:0',
      '-af',
      'aresample=async=1:first_pts=0,pan=mono|c0=c1',
      '-ar',
      '16000',
      '-c:a',
      'pcm_s16le',
      '-map_metadata',
      '-1',
      '-fflags',
      '+bitexact',
      '-flags:a',
      '+bitexact',
      '-f',
      'wav',
      'file:/work/p-customer.wav',
    ]);
  });

  it('buildConvertJob: swapped map takes the customer from channel 0', () => {
    const plans = planChannels(2, { agent: 1, customer: 0 });
    expect(plans.map((p) => [p.role, p.channelIndex, p.pan])).toEqual([
      ['agent', 1, 'pan=mono|c0=c1'],
      ['customer', 0, 'pan=mono|c0=c0'],
    ]);
  });

  it('buildOutputOptions: downmix (no map) and mono', () => {
    expect(buildOutputOptions(null)).toEqual([
      '-map',
      '0:a:0',
      '-af',
      'aresample=async=1:first_pts=0',
      '-ac',
      '1',
      '-ar',
      '16000',
      '-c:a',
      'pcm_s16le',
      '-map_metadata',
      '-1',
      '-fflags',
      '+bitexact',
      '-flags:a',
      '+bitexact',
      '-f',
      'wav',
    ]);
    expect(planChannels(2, undefined)).toEqual([{ role: 'unknown', channelIndex: 0, sourceChannels: [0, 1], pan: null }]);
    expect(planChannels(1, { agent: 0, customer: 1 })).toEqual([{ role: 'unknown', channelIndex: 0, sourceChannels: [0], pan: null }]);
  });

  it('planChannels rejects maps that do not fit', () => {
    expect(() => planChannels(2, { agent: 0, customer: 2 }, 'k/x.wav')).toThrow(BadInputError);
    expect(() => planChannels(2, { agent: 1, customer: 1 }, 'k/x.wav')).toThrow(/same channel/);
    try {
      planChannels(2, { agent: -1, customer: 1 }, 'k/x.wav');
    } catch (e) {
      expect((e as BadInputError).code).toBe('invalid_metadata');
      expect((e as BadInputError).message).toContain('k/x.wav');
    }
  });

  it('buildMeasureJob', () => {
    expect(ffmpegArgs(buildMeasureJob('file:/r/x.mp3'))).toEqual([
      '-nostdin',
      '-hide_banner',
      '-nostats',
      '-i',
      'file:/r/x.mp3',
      '-y',
      '-map',
      '0:a:0',
      '-af',
      'aresample=async=1:first_pts=0,astats=measure_perchannel=none',
      '-f',
      'null',
      '-',
    ]);
  });

  it('buildSilenceJob with defaults and explicit thresholds', () => {
    expect(ffmpegArgs(buildSilenceJob('/w/p.wav'))).toEqual([
      '-nostdin',
      '-hide_banner',
      '-nostats',
      '-i',
      'file:/w/p.wav',
      '-y',
      '-map',
      '0:a:0',
      '-af',
      'aresample=async=1:first_pts=0,silencedetect=noise=-35dB:d=0.4,astats=measure_perchannel=none',
      '-f',
      'null',
      '-',
    ]);
    expect(buildSilenceJob('/w/p.wav', -50, 1.5).outputs[0]!.options[3]).toBe(
      'aresample=async=1:first_pts=0,silencedetect=noise=-50dB:d=1.5,astats=measure_perchannel=none',
    );
  });
});

describe('parsers', () => {
  it('parseProbeOutput maps ffprobe JSON to MediaInfo', () => {
    const json = JSON.stringify({
      streams: [{ index: 0, codec_name: 'pcm_mulaw', codec_type: 'audio', sample_rate: '8000', channels: 2, duration: '21.720000' }],
      format: { format_name: 'wav', duration: '21.720000', size: '347578' },
    });
    expect(parseProbeOutput(json)).toEqual({
      formatName: 'wav',
      formatDurationSec: 21.72,
      sizeBytes: 347578,
      streamCount: 1,
      audio: { index: 0, codec: 'pcm_mulaw', channels: 2, sampleRate: 8000, durationSec: 21.72 },
      durationEstimated: false,
    });
    const amr = parseProbeOutput(
      JSON.stringify({
        streams: [{ index: 0, codec_type: 'audio', codec_name: 'amr_nb', sample_rate: '8000', channels: 1 }],
        format: { format_name: 'amr', duration: 'N/A' },
      }),
      '[amr @ 0x1] Estimating duration from bitrate, this may be inaccurate\n',
    );
    expect(amr.durationEstimated).toBe(true);
    expect(amr.formatDurationSec).toBeNull();
    expect(amr.audio!.durationSec).toBeNull();
    expect(parseProbeOutput(JSON.stringify({ streams: [{ codec_type: 'video' }], format: { format_name: 'avi' } })).audio).toBeNull();
  });

  it('classifyFfmpegFailure', () => {
    const notAudio = classifyFfmpegFailure('rec/a.wav', 'file:/t/a.wav: Invalid data found when processing input\n');
    expect(notAudio).toBeInstanceOf(BadInputError);
    expect((notAudio as BadInputError).code).toBe('not_audio');
    expect(notAudio.message).toContain('rec/a.wav');
    const noAudio = classifyFfmpegFailure(
      'rec/v.mp4',
      "Stream map '0:a:0' matches no streams.\nTo ignore this, add a trailing '?' to the map.\n",
    );
    expect((noAudio as BadInputError).code).toBe('no_audio_stream');
    const unsupported = classifyFfmpegFailure('rec/x.wav', 'Decoder (codec g729) not found for input stream #0:0\n');
    expect((unsupported as BadInputError).code).toBe('unsupported_audio');
    const transient = classifyFfmpegFailure('rec/x.wav', 'file:/t/x.wav: Input/output error\n');
    expect(transient).not.toBeInstanceOf(BadInputError);
    expect(transient.message).toContain('rec/x.wav');
    expect(transient.message).toContain('Input/output error');
  });

  it('sniffContent tells HTML/text from binary', () => {
    const enc = new TextEncoder();
    expect(sniffContent(enc.encode('<!DOCTYPE html>\n<html><body>404</body></html>'))).toBe('html');
    expect(sniffContent(enc.encode('\uFEFF  <html lang="zh">录音不存在</html>'))).toBe('html');
    expect(sniffContent(enc.encode('{"error":"not found"}'))).toBe('text');
    expect(sniffContent(enc.encode('录音').subarray(0, 4))).toBe('text'); // a cut multi-byte character
    expect(sniffContent(Uint8Array.from([0x52, 0x49, 0x46, 0x46, 0x24, 0x08, 0x00, 0x00]))).toBe('binary');
    expect(sniffContent(enc.encode('#!AMR\n').subarray(0, 6))).toBe('text'); // header alone is text-like …
    expect(sniffContent(Uint8Array.from([0x23, 0x21, 0x41, 0x4d, 0x52, 0x0a, 0x3c, 0x91, 0x17, 0x00]))).toBe('binary'); // … real AMR is not
    expect(sniffContent(new Uint8Array())).toBe('binary');
  });

  it('parseSilenceDetect closes a silence open at the end and clamps', () => {
    const stderr = [
      '[silencedetect @ 0x1] silence_start: 0',
      '[silencedetect @ 0x1] silence_end: 0.4 | silence_duration: 0.4',
      'size=N/A time=00:00:01.00 bitrate=N/A    [silencedetect @ 0x1] silence_start: 2.59013',
      '[silencedetect @ 0x1] silence_end: 3.1345 | silence_duration: 0.544375',
      '[silencedetect @ 0x1] silence_start: -0.001',
      '[silencedetect @ 0x1] silence_start: 9.5',
    ].join('\n');
    expect(parseSilenceDetect(stderr, 10)).toEqual([
      { start: 0, end: 0.4 },
      { start: 2.59013, end: 3.1345 },
      { start: 9.5, end: 10 },
    ]);
  });

  it('complementSpans gives the sound between silences', () => {
    expect(
      complementSpans(
        [
          { start: 0, end: 0.4 },
          { start: 2, end: 3 },
        ],
        5,
      ),
    ).toEqual([
      { start: 0.4, end: 2 },
      { start: 3, end: 5 },
    ]);
    expect(complementSpans([{ start: 0, end: 1.2 }], 1.2)).toEqual([]);
    expect(complementSpans([], 0)).toEqual([]);
    expect(complementSpans([{ start: 0.02, end: 4.99 }], 5)).toEqual([]); // edges shorter than 50 ms are dropped
  });

  it('parseInputSampleRate / parseAstatsSamples read input #0 and the overall count', () => {
    const stderr = [
      "Input #0, wav, from 'file:/x.wav':",
      '  Stream #0:0: Audio: pcm_mulaw ([7][0][0][0] / 0x0007), 8000 Hz, 2 channels, s16, 128 kb/s',
      "Output #0, null, to 'pipe:':",
      '  Stream #0:0: Audio: pcm_s16le, 16000 Hz, mono, s16, 256 kb/s',
      '[Parsed_astats_1 @ 0x1] Number of samples: 173760',
    ].join('\n');
    expect(parseInputSampleRate(stderr)).toBe(8000);
    expect(parseAstatsSamples(stderr)).toBe(173760);
    expect(parseAstatsSamples('nothing')).toBeNull();
  });
});
