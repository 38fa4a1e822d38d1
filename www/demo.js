// Lists the demo components and their verdicts from /demo/manifest.json (written by `npm start`).
'use strict';

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function main() {
  const body = document.getElementById('components');
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
      tr.append(name, cell(v.level, `level ${v.level}`), cell(v.reason, v.verified ? 'ok' : 'bad'),
        cell(v.signer ?? '—'), cell(v.digest ?? '—', 'digest'));
      body.append(tr);
    }
  } catch (e) {
    body.replaceChildren();
    const tr = document.createElement('tr');
    tr.append(cell(`Could not load the demo manifest: ${e.message}. Run npm start.`, 'bad'));
    tr.firstChild.colSpan = 5;
    body.append(tr);
  }
}

main();
