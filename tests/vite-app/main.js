// A page built by Vite that imports the loader by its package name, as an app would after
// `npm install wasi-gfx-loader`. Vite turns the loader's `new URL('./wasi-gfx-loader.wasm',
// import.meta.url)` into an emitted asset.
import { loadComponent, LoadError } from 'wasi-gfx-loader';

const q = new URLSearchParams(location.search);
loadComponent(q.get('component'), {
  canvas: document.getElementById('canvas'),
  keyring: '/keyring.json',
  fallback: { endpoint: location.origin },
}).then(
  (h) => { window.__result = { mode: h.mode, reason: h.reason, trustLevel: h.trustLevel }; },
  (e) => { window.__result = { error: { code: e.code, message: e.message, isLoadError: e instanceof LoadError } }; },
).finally(() => { document.body.dataset.done = '1'; });
