/**
 * The call page's script (served at /assets/call.js, signed-in users only; no inline scripts, so the
 * Content-Security-Policy can forbid them).
 *
 * - Buttons with `data-seek="<seconds>"` (utterances and findings) move the player there and play.
 * - Channels: the player gets the original recording (stereo: agent and caller on their channels). "Both"
 *   plays it as recorded; "agent only"/"caller only" route one channel to both ears with the Web Audio API
 *   (ChannelSplitter → gains → ChannelMerger), set up on first use because browsers need a user gesture.
 * - Keyboard (not while typing in a text field or list): K play/pause, J back 5 s, L forward 5 s; review:
 *   C confirms the current finding and moves to the next one without a choice, D dismisses it and a digit
 *   1–9 picks the listed reason (then moves on), N / P next / previous finding (the player goes there),
 *   A confirms every undecided finding, Ctrl+Enter submits the review form and opens the next call of the
 *   queue, G opens the next call without submitting. The shortcuts are listed on the page
 *   (`REVIEW_SHORTCUTS`, web/views.ts). On load the first undecided finding has the focus.
 * - Playback speed (1×–2×, `playbackRate`) and skip-silence (stretches where nobody speaks, from the
 *   transcript's VAD silences or the gaps between utterances, `data-silences`, are jumped over).
 * - The timeline's playhead follows the player; its finding marks seek like the other `data-seek` buttons.
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
  var speed = document.getElementById('speed');
  if (speed) speed.addEventListener('change', function () { player.playbackRate = Number(speed.value) || 1; });
  // Skip-silence: when playback enters a stretch where nobody speaks, jump to its end.
  var skip = document.getElementById('skip-silence');
  var silences = [];
  try { silences = JSON.parse(player.getAttribute('data-silences') || '[]'); } catch (err) { silences = []; }
  var playhead = document.getElementById('playhead');

  // Review: the findings, the current one (outlined), choices by key.
  var findings = Array.prototype.slice.call(document.querySelectorAll('section.finding[data-finding]'));
  var review = document.getElementById('review');
  var currentFinding = null;
  function setCurrent(i, seek) {
    if (!findings.length) return;
    i = Math.max(0, Math.min(findings.length - 1, i));
    if (currentFinding) currentFinding.classList.remove('current');
    currentFinding = findings[i];
    currentFinding.classList.add('current');
    currentFinding.focus({ preventScroll: false });
    if (seek) player.currentTime = Number(currentFinding.getAttribute('data-start')) || 0;
  }
  function indexOfCurrent() { return currentFinding ? findings.indexOf(currentFinding) : -1; }
  function radio(section, value) { return section.querySelector('input[type=radio][value="' + value + '"]'); }
  function undecided(section) { return !section.classList.contains('confirmed') && !section.classList.contains('dismissed'); }
  function chosen(section) { return !!section.querySelector('input[type=radio]:checked'); }
  function nextOpen(from) {
    for (var j = from + 1; j < findings.length; j++) if (!chosen(findings[j])) return j;
    return -1;
  }
  document.addEventListener('focusin', function (e) {
    var s = e.target.closest ? e.target.closest('section.finding[data-finding]') : null;
    if (s && s !== currentFinding) { if (currentFinding) currentFinding.classList.remove('current'); currentFinding = s; s.classList.add('current'); }
  });
  if (review && findings.length && !document.getElementById('form-error')) {
    var first = 0;
    for (var f = 0; f < findings.length; f++) if (undecided(findings[f])) { first = f; break; }
    setCurrent(first, false);
  }
  var awaitingReason = null;
  document.addEventListener('keydown', function (e) {
    var k = e.key.toLowerCase();
    if (review && k === 'enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var nextButton = document.getElementById('submit-next');
      if (review.requestSubmit) review.requestSubmit(nextButton); else nextButton.click();
      return;
    }
    var t = e.target || {};
    var tag = t.tagName || '';
    var textual = tag === 'TEXTAREA' || tag === 'SELECT' || (tag === 'INPUT' && !/^(radio|checkbox)$/.test(t.type));
    if (textual || e.ctrlKey || e.metaKey || e.altKey) return;
    if (awaitingReason && /^[1-9]$/.test(k)) {
      var select = awaitingReason.querySelector('select');
      var n = Number(k);
      if (select && select.options.length > n) {
        select.selectedIndex = n;
        awaitingReason = null;
        var after = nextOpen(indexOfCurrent());
        if (after >= 0) setCurrent(after, true);
      }
      e.preventDefault();
      return;
    }
    if (k === 'k') { if (player.paused) player.play(); else player.pause(); e.preventDefault(); }
    else if (k === 'j') { player.currentTime = Math.max(0, player.currentTime - 5); e.preventDefault(); }
    else if (k === 'l') { player.currentTime = player.currentTime + 5; e.preventDefault(); }
    else if (k === 'g') { var link = document.getElementById('next-call'); if (link) { e.preventDefault(); window.location.href = link.href; } }
    else if (!review || !findings.length) return;
    else if (k === 'n') { setCurrent(indexOfCurrent() + 1, true); e.preventDefault(); }
    else if (k === 'p') { setCurrent(indexOfCurrent() - 1, true); e.preventDefault(); }
    else if (k === 'c' && currentFinding) {
      radio(currentFinding, 'confirmed').checked = true;
      awaitingReason = null;
      var open = nextOpen(indexOfCurrent());
      if (open >= 0) setCurrent(open, true);
      e.preventDefault();
    } else if (k === 'd' && currentFinding) {
      radio(currentFinding, 'dismissed').checked = true;
      awaitingReason = currentFinding;
      e.preventDefault();
    } else if (k === 'a') {
      for (var a = 0; a < findings.length; a++) if (undecided(findings[a]) && !chosen(findings[a])) radio(findings[a], 'confirmed').checked = true;
      e.preventDefault();
    }
  });
  var items = Array.prototype.slice.call(document.querySelectorAll('ol.transcript li[data-start]'));
  var current = null;
  player.addEventListener('timeupdate', function () {
    var t = player.currentTime;
    if (position) position.textContent = '当前位置 ' + fmt(t);
    if (playhead && isFinite(player.duration) && player.duration > 0) playhead.style.left = (100 * t / player.duration).toFixed(2) + '%';
    if (skip && skip.checked && !player.paused) {
      for (var s = 0; s < silences.length; s++) {
        if (t >= silences[s][0] && t < silences[s][1] - 0.25) { player.currentTime = silences[s][1]; break; }
      }
    }
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
