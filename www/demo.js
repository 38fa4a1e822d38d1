// Demo page: lists the demo components (from /demo/manifest.json, written by `npm start`) with the
// verdict `gfx-sign verify` reached, the first frame the render server draws for each, and a live
// server session (frames over server-sent events, pointer and keys forwarded) for the one chosen.
'use strict';

const FRAME_W = 160;
const FRAME_H = 120;

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function frameCell(digest, title) {
  const td = document.createElement('td');
  if (!digest) return cell('—');
  const img = document.createElement('img');
  img.width = FRAME_W;
  img.height = FRAME_H;
  img.alt = `First server frame of ${title}`;
  img.src = `/v1/components/${digest}/frame?width=${FRAME_W}&height=${FRAME_H}&frame=0&format=png`;
  img.addEventListener('error', async () => {
    const res = await fetch(img.src);
    const body = await res.json().catch(() => null);
    td.replaceChildren(cell(body?.error?.code ?? `HTTP ${res.status}`, 'bad').firstChild);
  });
  td.append(img);
  return td;
}

// --- live session ---------------------------------------------------------------------------

let live = null;

function status(text, bad) {
  const el = document.getElementById('live-status');
  el.textContent = text;
  el.className = bad ? 'bad' : '';
}

async function stopLive() {
  if (!live) return;
  const { id, events } = live;
  live = null;
  events.close();
  await fetch(`/v1/sessions/${id}`, { method: 'DELETE' }).catch(() => {});
}

async function startLive(component) {
  await stopLive();
  const canvas = document.getElementById('live');
  const ctx = canvas.getContext('2d');
  status(`opening a session for ${component.title}…`);
  const res = await fetch('/v1/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ digest: component.verdict.digest, width: canvas.width, height: canvas.height, format: 'png' }),
  });
  const body = await res.json();
  if (!res.ok) {
    status(`${body.error.code}: ${body.error.message}`, true);
    return;
  }
  const events = new EventSource(body.events);
  live = { id: body.id, events, input: body.input };
  let frames = 0;
  const started = performance.now();
  events.addEventListener('frame', async (e) => {
    const f = JSON.parse(e.data);
    const blob = new Blob([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], { type: f.mime });
    const bitmap = await createImageBitmap(blob);
    ctx.drawImage(bitmap, 0, 0);
    frames += 1;
    const fps = frames / ((performance.now() - started) / 1000);
    status(`session ${body.id.slice(0, 8)} · ${component.title} · level ${body.level} · frame ${f.index} · ${fps.toFixed(1)} fps`);
  });
  for (const kind of ['error', 'end']) {
    events.addEventListener(kind, (e) => {
      const d = JSON.parse(e.data);
      status(`session ended: ${d.code}: ${d.message}`, kind === 'error');
      events.close();
    });
  }
}

function send(event) {
  if (!live) return;
  fetch(live.input, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) })
    .catch(() => {});
}

function wireInput() {
  const canvas = document.getElementById('live');
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * (canvas.width / r.width), y: (e.clientY - r.top) * (canvas.height / r.height) };
  };
  canvas.addEventListener('pointerdown', (e) => send({ type: 'pointer-down', ...at(e) }));
  canvas.addEventListener('pointerup', (e) => send({ type: 'pointer-up', ...at(e) }));
  canvas.addEventListener('pointermove', (e) => send({ type: 'pointer-move', ...at(e) }));
  canvas.addEventListener('keydown', (e) => send({ type: 'key-down', key: e.code, text: e.key.length === 1 ? e.key : undefined }));
  canvas.addEventListener('keyup', (e) => send({ type: 'key-up', key: e.code }));
  document.getElementById('live-stop').addEventListener('click', () => { stopLive(); status('stopped'); });
  window.addEventListener('pagehide', () => { stopLive(); });
}

async function main() {
  const body = document.getElementById('components');
  wireInput();
  try {
    const res = await fetch('/demo/manifest.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`manifest: HTTP ${res.status}`);
    const manifest = await res.json();
    body.replaceChildren();
    for (const c of manifest.components) {
      const v = c.verdict;
      const tr = document.createElement('tr');
      const name = document.createElement('td');
      const a = document.createElement('a');
      a.href = c.url;
      a.textContent = c.title;
      name.append(a);
      const action = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Live';
      button.disabled = !v.digest;
      button.addEventListener('click', () => startLive(c));
      action.append(button);
      tr.append(name, cell(v.level, `level ${v.level}`), cell(v.reason, v.verified ? 'ok' : 'bad'),
        cell(v.signer ?? '—'), frameCell(v.digest, c.title), action, cell(v.digest ?? '—', 'digest'));
      body.append(tr);
    }
  } catch (e) {
    body.replaceChildren();
    const tr = document.createElement('tr');
    tr.append(cell(`Could not load the demo manifest: ${e.message}. Run npm start.`, 'bad'));
    tr.firstChild.colSpan = 7;
    body.append(tr);
  }
}

main();
