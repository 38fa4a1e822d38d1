// wasi-gfx-loader's sandbox worker (`wasi-gfx-loader.worker.js`).
//
// The page's loader starts this worker for a component that may run client-side. The worker
// instantiates the loader's own wasm from the `WebAssembly.Module` of the page's first message
// (`init`: no second download or compile) and calls `workerMain` (Rust: src/sandbox/worker.rs),
// which takes the page's messages from then on: runs the component of its `start` message on an
// OffscreenCanvas and reports back.
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
    const { module } = event.data as { module?: unknown };
    init({ module_or_path: module as WebAssembly.Module }).then(
      () => wasm.workerMain(),
      (e: unknown) =>
        scope.postMessage({ type: 'failure', reason: 'worker-unavailable', message: `the sandbox worker cannot start the loader: ${String(e)}` }),
    );
  },
  { once: true },
);
