// wasi-gfx-loader's sandbox worker (`wasi-gfx-loader.worker.js`).
//
// The page's loader starts this worker for a component that may run client-side. The worker
// instantiates the loader's own wasm from the `WebAssembly.Module` the page sends (no second
// download or compile) and hands the page's `start` message to it (`workerMain`, Rust:
// src/sandbox/worker.rs), which runs the component on an OffscreenCanvas and reports back.
// Nothing here decides anything.

import init, * as wasm from '../../target/wasm-bindgen/wasi_gfx_loader.js';

// The DOM lib's `self` is a Window; in this file it is the worker's global scope.
const scope = self as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void, options: { once: boolean }): void;
  postMessage(message: unknown): void;
};

scope.addEventListener(
  'message',
  (event: MessageEvent) => {
    const start = event.data as { module?: unknown };
    init({ module_or_path: start.module as WebAssembly.Module }).then(
      () => wasm.workerMain(start),
      (e: unknown) =>
        scope.postMessage({ type: 'failure', reason: 'worker-unavailable', message: `the sandbox worker cannot start the loader: ${String(e)}` }),
    );
  },
  { once: true },
);
