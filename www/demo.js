// Demo page: loads the demo components (listed in /demo/manifest.json, written by `npm start`) with
// the browser loader, on one canvas, the way any page would use it — and shows what the loader
// reports: mode, reason, trust level and digest of the handle, download progress, every event,
// errors (LoadError code and message) and live frame metrics plotted over the last minute. A
// second panel loads the triangle twice when the page opens, side by side: the signed copy (runs in
// the browser) and the unsigned one (frames from the render server).
//
// An ES module; the page's CSP is `script-src 'self' 'wasm-unsafe-eval'` (the loader compiles its
// wasm), no inline script or style.

const LOADER_URL = '/dist/wasi-gfx-loader.mjs';
const MANIFEST_URL = '/demo/manifest.json';
const DEFAULT_KEYRING = '/demo/keyring.json';
const PLOT_SECONDS = 60;
const LOG_LINES = 1000;

const $ = (id) => document.getElementById(id);

/** What each reason means, for people (the machine-readable code is shown too). */
const REASONS = {
  verified: 'the signature verified',
  unsigned: 'the component carries no signature',
  'signature-invalid': 'a signature is present but does not match these bytes (tampered?)',
  'key-unknown': 'signed by a key this page does not trust',
  'key-revoked': 'signed by a key the keyring revokes',
  'key-expired': 'the signing key is outside its validity window',
  'signature-expired': 'the signature has expired',
  'level-exceeds-key': 'the signature claims more than its key may vouch for',
  malformed: 'the signature section is malformed',
  'policy-server-only': 'the policy shows this trust level only from the server',
  'no-webgpu': 'this browser has no WebGPU',
  'import-denied': 'the component imports something the policy does not allow',
  'consent-denied': 'you did not allow it to run in your browser',
  trap: 'the component trapped',
  'device-lost': 'the GPU device was lost',
  'gpu-error': 'the component caused a GPU error',
  'canvas-in-use': 'the canvas already shows another kind of content',
  'first-frame-timeout': 'the component drew no frame in time',
  'cpu-limit': 'the component ran past its CPU limit',
  'memory-limit': 'the component ran past its memory limit',
};

const MODES = {
  client: 'client — running in your browser',
  server: 'server — frames from the render server',
};

// --- state ----------------------------------------------------------------------------------------

let loader = null; // the loader module
let components = []; // manifest entries
let keyringUrl = DEFAULT_KEYRING;
/** The current load: { gen, component, controller, handle }. */
let current = null;
let generation = 0;

// --- small helpers --------------------------------------------------------------------------------

function explain(reason) {
  const why = REASONS[reason];
  return why ? `${reason}: ${why}` : reason;
}

function kB(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

function ms(v) {
  return v === null || v === undefined ? '—' : `${v.toFixed(1)} ms`;
}

function setText(id, text) {
  $(id).textContent = text;
}

function status(text) {
  setText('status', text);
}

function showError(text) {
  setText('error', text);
}

function clock() {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

// --- event log ------------------------------------------------------------------------------------

function formatValue(v) {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.join(',')}]`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One log line: time, event type, then key=value for every other field. */
function logLine(kind, text, className) {
  const log = $('log');
  const box = log.parentElement;
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  const li = document.createElement('li');
  li.className = className ?? '';
  const time = document.createElement('span');
  time.className = 'time';
  time.textContent = clock();
  const type = document.createElement('span');
  type.className = 'type';
  type.textContent = kind;
  li.append(time, ' ', type, ' ', text);
  log.append(li);
  while (log.childElementCount > LOG_LINES) log.firstElementChild.remove();
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function logEvent(event) {
  const fields = Object.entries(event)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  logLine(event.type, fields, `event ${event.type === 'error' ? 'bad' : ''}`);
}

// --- progress -------------------------------------------------------------------------------------

function resetProgress() {
  const p = $('progress');
  p.max = 1;
  p.value = 0;
  setText('progress-text', '—');
}

function onProgress({ loaded, total }) {
  const p = $('progress');
  if (total) {
    p.max = total;
    p.value = Math.min(loaded, total);
    setText('progress-text', `${kB(loaded)} of ${kB(total)}`);
  } else {
    p.removeAttribute('value'); // indeterminate: the size is unknown
    setText('progress-text', kB(loaded));
  }
}

/** Download done (the verdict is in): a full bar even when the size was unknown. */
function completeProgress() {
  const p = $('progress');
  if (!p.hasAttribute('value')) {
    p.max = 1;
    p.value = 1;
  } else {
    p.value = p.max;
  }
}

// --- metrics plot ---------------------------------------------------------------------------------

const plot = {
  samples: [], // { t (performance.now()), fps, latency }
  timer: 0,
};

const FPS_COLOUR = '#1f5fbf';
const LATENCY_COLOUR = '#c2570c';

function addSample(fps, latency) {
  const t = performance.now();
  plot.samples.push({ t, fps, latency });
  while (plot.samples.length && plot.samples[0].t < t - (PLOT_SECONDS + 2) * 1000) plot.samples.shift();
  drawPlot();
}

/** A round axis maximum at or above `v`. */
function niceMax(v, floor) {
  const x = Math.max(v, floor);
  const step = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * step >= x) return m * step;
  }
  return 10 * step;
}

function drawPlot() {
  const canvas = $('plot');
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const H = canvas.height;
  const left = 36;
  const right = 44;
  const top = 10;
  const bottom = 22;
  const w = W - left - right;
  const h = H - top - bottom;
  const now = performance.now();
  const x = (t) => left + w * (1 - (now - t) / (PLOT_SECONDS * 1000));
  const visible = plot.samples.filter((s) => s.t >= now - PLOT_SECONDS * 1000);
  const fpsMax = niceMax(Math.max(0, ...visible.map((s) => s.fps)), 10);
  const latMax = niceMax(Math.max(0, ...visible.map((s) => s.latency ?? 0)), 10);

  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#fbfbf8';
  ctx.fillRect(left, top, w, h);
  ctx.strokeStyle = '#d8d8d0';
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const y = Math.round(top + h * (1 - i / 4)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + w, y);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillStyle = FPS_COLOUR;
    ctx.fillText(String(+(fpsMax * i / 4).toFixed(1)), left - 4, y);
    ctx.textAlign = 'left';
    ctx.fillStyle = LATENCY_COLOUR;
    ctx.fillText(String(+(latMax * i / 4).toFixed(1)), left + w + 4, y);
  }
  ctx.fillStyle = '#555';
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  for (let s = 0; s <= PLOT_SECONDS; s += 10) {
    const gx = Math.round(left + w * (1 - s / PLOT_SECONDS)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(gx, top);
    ctx.lineTo(gx, top + h);
    ctx.stroke();
    ctx.fillText(s === 0 ? 'now' : `-${s} s`, gx, top + h + 5);
  }

  const line = (colour, value, max) => {
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, w, h);
    ctx.clip();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let started = false;
    for (const s of plot.samples) {
      const v = value(s);
      if (v === null || v === undefined) {
        started = false;
        continue;
      }
      const px = x(s.t);
      const py = top + h * (1 - Math.min(v, max) / max);
      if (started) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      started = true;
    }
    ctx.stroke();
    // A dot on every sample (a single sample is visible too).
    ctx.fillStyle = colour;
    for (const s of plot.samples) {
      const v = value(s);
      if (v === null || v === undefined) continue;
      ctx.fillRect(Math.round(x(s.t)) - 1, Math.round(top + h * (1 - Math.min(v, max) / max)) - 1, 3, 3);
    }
    ctx.restore();
  };
  line(FPS_COLOUR, (s) => s.fps, fpsMax);
  line(LATENCY_COLOUR, (s) => s.latency, latMax);

  const last = plot.samples[plot.samples.length - 1];
  canvas.setAttribute('aria-label', last
    ? `Frame rate and frame latency, last ${PLOT_SECONDS} seconds: now ${last.fps.toFixed(1)} fps, latency ${ms(last.latency)}`
    : `Frame rate and frame latency, last ${PLOT_SECONDS} seconds: no data yet`);
}

function showMetrics(m) {
  setText('m-fps', `${m.fps.toFixed(1)} fps`);
  setText('m-latency', ms(m.frameLatencyMs));
  setText('m-frames', String(m.frames));
  setText('m-dropped', String(m.droppedFrames));
  setText('m-ttff', ms(m.timeToFirstFrameMs));
  setText('m-download', `${kB(m.downloadBytes)} in ${ms(m.downloadMs)}`);
  setText('m-verify', `${ms(m.verifyMs)} (SHA-256: ${m.hash})`);
  setText('m-reconnects', String(m.reconnects));
  setText('m-session', m.sessionId ?? '—');
}

/** Once a second while a handle is live: metrics() into the table, and into the plot when the
 * frame-stats events have gone quiet (no frames: the plot shows it instead of stopping). */
function tick() {
  const handle = current?.handle;
  if (handle) {
    const m = handle.metrics();
    showMetrics(m);
    const last = plot.samples[plot.samples.length - 1];
    refreshFacts(handle);
    if (!last || performance.now() - last.t > 1800) {
      addSample(m.fps, m.frameLatencyMs);
      return;
    }
  }
  drawPlot();
}

function startMetrics() {
  plot.samples = [];
  clearInterval(plot.timer);
  plot.timer = setInterval(tick, 1000);
  drawPlot();
}

function stopMetrics() {
  clearInterval(plot.timer);
  plot.timer = 0;
  drawPlot();
}

// --- the handle -----------------------------------------------------------------------------------

function refreshFacts(handle) {
  setText('mode', MODES[handle.mode] ?? handle.mode);
  setText('reason', explain(handle.reason));
  setText('trust', handle.trustLevel);
  setText('digest', handle.digest);
}

function describeShown(handle, title) {
  const where = handle.mode === 'server' ? 'from the render server' : 'in your browser';
  return `Showing “${title}” ${where} — reason ${explain(handle.reason)}. Trust level: ${handle.trustLevel}.`;
}

function clearFacts() {
  for (const id of ['mode', 'reason', 'trust', 'signer', 'digest', 'm-fps', 'm-latency', 'm-frames',
    'm-dropped', 'm-ttff', 'm-download', 'm-verify', 'm-reconnects', 'm-session']) {
    setText(id, '—');
  }
}

/** Events of the current load. Events of an earlier load (still settling) are not shown. */
function onEvent(gen, event) {
  if (gen !== current?.gen) return;
  logEvent(event);
  const title = current.component.title;
  switch (event.type) {
    case 'progress':
      onProgress(event);
      break;
    case 'verified':
      completeProgress();
      setText('trust', event.trustLevel);
      setText('reason', explain(event.reason));
      setText('signer', event.signer === null ? '—' : `${event.signer}${event.verified ? '' : ' (claimed, not verified)'}`);
      setText('digest', event.digest);
      status(`“${title}”: signature check — ${explain(event.reason)}.`);
      break;
    case 'decision':
      if (event.consentRequired) status(`“${title}” needs your consent to run in your browser: answer the dialog.`);
      break;
    case 'consent':
      status(`“${title}”: ${event.granted ? 'allowed' : 'denied'}${event.remembered ? ' (remembered from before)' : ''}.`);
      break;
    case 'frame-stats':
      addSample(event.fps, event.frameLatencyMs);
      setText('m-fps', `${event.fps.toFixed(1)} fps`);
      setText('m-latency', ms(event.frameLatencyMs));
      setText('m-frames', String(event.frames));
      break;
    case 'mode':
    case 'fallback':
      // Live after the first frame: the handle's mode and reason change, and say so.
      if (current.handle) {
        refreshFacts(current.handle);
        status(describeShown(current.handle, title));
        labelCanvas(current.handle, title);
      }
      break;
    case 'error':
      showError(`Error ${event.code}: ${event.message}`);
      break;
    case 'stopped':
      if (event.reason !== 'stop') status(`“${title}” stopped: ${event.reason}.`);
      break;
    default:
      break;
  }
}

function labelCanvas(handle, title) {
  $('canvas').setAttribute('aria-label', handle.mode === 'server'
    ? `${title}: frames from the render server; pointer and keys are sent to the component`
    : `${title}: running in your browser`);
}

function stopCurrent() {
  if (!current) return;
  current.controller.abort();
  current.handle?.stop();
  current = null;
  $('stop').disabled = true;
  stopMetrics();
}

async function load(component) {
  stopCurrent();
  // A fresh canvas per component: a canvas keeps the first kind of context it gave out (2D for
  // server frames, WebGPU for a component running in the browser), so the previous component's
  // canvas cannot always show the next one.
  const canvas = $('canvas').cloneNode(false);
  $('canvas').replaceWith(canvas);
  const gen = ++generation;
  const controller = new AbortController();
  current = { gen, component, controller, handle: null };
  $('stop').disabled = false;
  clearFacts();
  resetProgress();
  showError('');
  $('canvas').setAttribute('aria-label', `${component.title}: loading`);
  logLine('load', component.url, 'page');
  status(`Loading “${component.title}”…`);
  try {
    const handle = await loader.loadComponent(component.url, {
      canvas,
      keyring: keyringUrl,
      fallback: { endpoint: location.origin },
      onEvent: (e) => onEvent(gen, e),
      signal: controller.signal,
    });
    if (gen !== current?.gen) {
      handle.stop(); // another load started meanwhile
      return;
    }
    current.handle = handle;
    completeProgress();
    refreshFacts(handle);
    labelCanvas(handle, component.title);
    status(describeShown(handle, component.title));
    showMetrics(handle.metrics());
    startMetrics();
  } catch (e) {
    if (gen !== current?.gen) return;
    const code = e instanceof loader.LoadError ? e.code : 'internal';
    const reason = e?.reason ? ` (reason ${e.reason})` : '';
    showError(`LoadError ${code}${reason}: ${e?.message ?? e}`);
    logLine('LoadError', `code=${code}${e?.reason ? ` reason=${e.reason}` : ''} message=${JSON.stringify(String(e?.message ?? e))}`, 'page bad');
    status(`Could not show “${component.title}”: ${code}.`);
    $('stop').disabled = true;
    current.handle = null;
  }
}

// --- side by side ---------------------------------------------------------------------------------

/** The same guest (the triangle) twice, on two canvases: the signed copy, which the loader runs in
 * the browser, and the unsigned one, which it shows only from the render server. */
const SIDE_BY_SIDE = [
  { id: 'trusted', el: 'sbs-trusted', handle: null },
  { id: 'unsigned', el: 'sbs-unsigned', handle: null },
];

function where(handle) {
  return `${handle.mode === 'server' ? 'from the render server' : 'in your browser'} — ${handle.reason}`;
}

function showSide(side, title) {
  setText(`${side.el}-where`, where(side.handle));
  $(side.el).setAttribute('aria-label', `${title}: ${side.handle.mode === 'server'
    ? 'frames from the render server' : 'running in your browser'} (${side.handle.reason})`);
}

/** Once both show a frame: what each shows (a WebGPU canvas cannot be read back to compare). */
function compareSides() {
  const [a, b] = SIDE_BY_SIDE.map((s) => s.handle);
  if (!a || !b) return;
  const what = a.digest === b.digest
    ? `Both show the same component (digest ${a.digest})`
    : `They show different components (digests ${a.digest} and ${b.digest})`;
  setText('sbs-compare', `${what}: on the left ${where(a)}, on the right ${where(b)}.`);
}

async function loadSide(side) {
  const component = components.find((c) => c.id === side.id);
  if (!component) throw new Error(`“${side.id}” is not in the demo manifest`);
  setText(`${side.el}-title`, component.title);
  $(side.el).setAttribute('aria-label', `${component.title}: loading`);
  side.handle = await loader.loadComponent(component.url, {
    canvas: $(side.el),
    keyring: keyringUrl,
    fallback: { endpoint: location.origin },
    onEvent: (e) => {
      // Live: a component that fails in the browser falls back to server frames.
      if ((e.type === 'mode' || e.type === 'fallback') && side.handle) {
        showSide(side, component.title);
        compareSides();
      }
    },
  });
  showSide(side, component.title);
}

async function loadSideBySide() {
  const results = await Promise.allSettled(SIDE_BY_SIDE.map(loadSide));
  const failed = results.map((r, i) => [r, SIDE_BY_SIDE[i]]).filter(([r]) => r.status === 'rejected');
  for (const [r, side] of failed) {
    const code = r.reason instanceof loader.LoadError ? r.reason.code : 'internal';
    setText(`${side.el}-where`, `could not show it: ${code}`);
  }
  if (failed.length) {
    setText('sbs-compare', failed.map(([r, side]) => `${side.id}: ${r.reason?.message ?? r.reason}`).join('; '));
  } else {
    compareSides();
  }
}

function stopSideBySide() {
  for (const side of SIDE_BY_SIDE) side.handle?.stop();
}

// --- the chooser ----------------------------------------------------------------------------------

function renderChoices() {
  const box = $('choices');
  box.replaceChildren();
  for (const c of components) {
    const id = `choice-${c.id}`;
    const row = document.createElement('div');
    row.className = 'choice';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'component';
    input.id = id;
    input.value = c.id;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = c.title;
    const v = c.verdict ?? {};
    const hint = document.createElement('span');
    hint.className = 'hint';
    hint.id = `${id}-hint`;
    hint.textContent = `gfx-sign verify: ${v.level ?? '?'}, ${v.reason ?? '?'}${v.signer ? `, signed by ${v.signer}` : ''}`;
    input.setAttribute('aria-describedby', hint.id);
    row.append(input, label, hint);
    box.append(row);
  }
  const first = box.querySelector('input');
  if (first) first.checked = true;
  $('load').disabled = components.length === 0;
}

function chosen() {
  const id = new FormData($('picker')).get('component');
  return components.find((c) => c.id === id) ?? null;
}

async function forget() {
  const n = await loader.forgetConsent();
  setText('consent-status', n === 0
    ? 'No consent answers were remembered.'
    : `Forgot ${n} remembered consent answer${n === 1 ? '' : 's'}: the next load asks again.`);
}

async function main() {
  $('clear-log').addEventListener('click', () => $('log').replaceChildren());
  drawPlot();
  try {
    loader = await import(LOADER_URL);
  } catch (e) {
    showError(`Cannot load the loader from ${LOADER_URL} (${e.message}). Build it: npm run build:web.`);
    setText('choices', '');
    return;
  }
  setText('version', loader.VERSION);
  $('picker').addEventListener('submit', (e) => {
    e.preventDefault();
    const c = chosen();
    if (c) load(c);
  });
  $('stop').addEventListener('click', () => {
    const title = current?.component.title;
    stopCurrent();
    if (title) status(`Stopped “${title}”.`);
  });
  $('forget').addEventListener('click', () => {
    forget().catch((e) => setText('consent-status', `forgetConsent failed: ${e.message}`));
  });
  window.addEventListener('pagehide', () => {
    stopCurrent();
    stopSideBySide();
  });
  try {
    const res = await fetch(MANIFEST_URL, { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const manifest = await res.json();
    components = manifest.components ?? [];
    keyringUrl = manifest.keyring ?? DEFAULT_KEYRING;
    renderChoices();
  } catch (e) {
    $('choices').replaceChildren();
    const p = document.createElement('p');
    p.className = 'bad';
    p.textContent = `Could not load the demo manifest (${MANIFEST_URL}: ${e.message}). Run npm start.`;
    $('choices').append(p);
    setText('sbs-compare', 'No demo manifest: nothing to show.');
    return;
  }
  loadSideBySide();
}

main();
