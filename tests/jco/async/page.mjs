// The page side of tests/jco/async.test.mjs: the server maps /out/ to jco's output for
// guests/dist/worlds-async.wasm and /host/ to tests/jco/. `window.runAsyncWorld(ms)` resolves
// with `{ transcript, runMs }`, or `{ error, trace }` (trace: the host calls and driver steps
// seen, to tell where it stopped) when it throws or takes longer than `ms`.
import { instantiate } from '/out/worlds-async.js';
import { runAsyncWorld } from '/host/async/host.mjs';
import { Transcript } from '/host/worlds/text.mjs';

window.jspi = typeof WebAssembly.Suspending === 'function' && typeof WebAssembly.promising === 'function';

window.runAsyncWorld = async (ms) => {
  const trace = [];
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result after ${ms} ms`)), ms);
  });
  try {
    const getCoreModule = (p) => WebAssembly.compileStreaming(fetch(`/out/${p}`));
    return await Promise.race([runAsyncWorld(instantiate, getCoreModule, Transcript, trace), timeout]);
  } catch (e) {
    return { error: `${e?.name}: ${e?.message}`, trace };
  } finally {
    clearTimeout(timer);
  }
};

window.ready = true;
