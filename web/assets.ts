/**
 * The call page's script (served at /assets/call.js, signed-in users only; no inline scripts, so the
 * Content-Security-Policy can forbid them).
 *
 * - Buttons with `data-seek="<seconds>"` (utterances and findings) move the player there and play.
 * - Channels: the player gets the original recording (stereo: agent and caller on their channels). "Both"
 *   plays it as recorded; "agent only"/"caller only" route one channel to both ears with the Web Audio API
 *   (ChannelSplitter → gains → ChannelMerger), set up on first use because browsers need a user gesture.
 * - Keyboard: K play/pause, J back 5 s, L forward 5 s, unless focus is in a form field.
 * - The utterance being played is outlined.
 */
export const CALL_JS = `'use strict';
(function () {
  var player = document.getElementById('player');
  if (!player) return;
  var position = document.getElementById('position');
  function fmt(t) { var m = Math.floor(t / 60); var s = (t - m * 60).toFixed(1); return m + ':' + (s.length < 4 ? '0' + s : s); }
  document.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('[data-seek]') : null;
    if (!b) return;
    var t = Number(b.getAttribute('data-seek'));
    if (!isFinite(t)) return;
    player.currentTime = t;
    var p = player.play();
    if (p && p.catch) p.catch(function () {});
  });
  var graph = null;
  var channels = document.getElementById('channels');
  var agentChannel = ${'${AGENT}'};
  function route(mode) {
    if (!graph) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ctx = new Ctx();
      var src = ctx.createMediaElementSource(player);
      var split = ctx.createChannelSplitter(2);
      var merge = ctx.createChannelMerger(2);
      var gains = [ctx.createGain(), ctx.createGain(), ctx.createGain(), ctx.createGain()];
      src.connect(split);
      // gains[0]: ch0→L, gains[1]: ch1→R, gains[2]: ch0→R, gains[3]: ch1→L
      split.connect(gains[0], 0); gains[0].connect(merge, 0, 0);
      split.connect(gains[1], 1); gains[1].connect(merge, 0, 1);
      split.connect(gains[2], 0); gains[2].connect(merge, 0, 1);
      split.connect(gains[3], 1); gains[3].connect(merge, 0, 0);
      merge.connect(ctx.destination);
      graph = { ctx: ctx, gains: gains };
    }
    var g = graph.gains;
    var keep = mode === 'both' ? -1 : mode === 'agent' ? agentChannel : 1 - agentChannel;
    var v = keep === -1 ? [1, 1, 0, 0] : keep === 0 ? [1, 0, 1, 0] : [0, 1, 0, 1];
    for (var i = 0; i < 4; i++) g[i].gain.value = v[i];
    if (graph.ctx.state === 'suspended') graph.ctx.resume();
  }
  if (channels) channels.addEventListener('change', function () { route(channels.value); });
  document.addEventListener('keydown', function (e) {
    var tag = (e.target && e.target.tagName) || '';
    if (/^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(tag) || e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key.toLowerCase();
    if (k === 'k') { if (player.paused) player.play(); else player.pause(); e.preventDefault(); }
    else if (k === 'j') { player.currentTime = Math.max(0, player.currentTime - 5); e.preventDefault(); }
    else if (k === 'l') { player.currentTime = player.currentTime + 5; e.preventDefault(); }
  });
  var items = Array.prototype.slice.call(document.querySelectorAll('ol.transcript li[data-start]'));
  var current = null;
  player.addEventListener('timeupdate', function () {
    var t = player.currentTime;
    if (position) position.textContent = '当前位置 ' + fmt(t);
    var found = null;
    for (var i = 0; i < items.length; i++) {
      if (t >= Number(items[i].dataset.start) && t < Number(items[i].dataset.end)) { found = items[i]; break; }
    }
    if (found !== current) {
      if (current) current.classList.remove('playing');
      if (found) found.classList.add('playing');
      current = found;
    }
  });
})();
`;

/** The script with the agent's channel index (0 or 1) filled in. */
export function callScript(agentChannel: number): string {
  return CALL_JS.replace('${AGENT}', String(agentChannel === 1 ? 1 : 0));
}
