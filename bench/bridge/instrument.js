// The first script of every bench/bridge.mjs page (a classic script in <head>, before any other
// code): the same observation points for every variant — our loader, jco and plain JS — so that
// no variant is timed by its own clock.
//
// - `requestAnimationFrame` is wrapped: each callback is numbered and its entry time taken
//   (`performance.now()`) before the caller's callback runs. The bridge looks the function up on
//   the global at every frame, jco's host (shim.mjs) and the plain-JS pages call it too.
// - `GPUCanvasContext.prototype.getCurrentTexture` marks that a canvas frame is being recorded;
//   `GPUQueue.prototype.submit` timestamps (after it returns) the first submit after that: the
//   frame's commands submitted for the canvas. Each such frame is recorded as
//   [rAF callback number, rAF callback entry, getCurrentTexture entry, submit] while
//   `__bench.recording` is on (the rAF is the latest one whose callback began before the submit).
// - "First presented" = the first such submit, then the next rAF callback after it (taken with
//   the unwrapped function, so it is not counted as a frame): `__bench.first` resolves then.
'use strict';
(() => {
  const nativeRaf = window.requestAnimationFrame.bind(window);
  const B = {
    nativeRaf,
    recording: false,
    rafCount: 0,
    lastRaf: NaN,
    canvasSubmits: 0,
    frames: [], // [raf number, raf entry ms, getCurrentTexture ms, submit ms]
    firstSubmit: null,
    firstPresented: null,
  };
  B.first = new Promise((resolve) => { B.resolveFirst = resolve; });
  window.__bench = B;

  window.requestAnimationFrame = function requestAnimationFrame(callback) {
    return nativeRaf((ts) => {
      B.lastRaf = performance.now();
      B.rafCount++;
      callback(ts);
    });
  };

  let canvasFrame = false;
  let textureAt = NaN;
  const getCurrentTexture = GPUCanvasContext.prototype.getCurrentTexture;
  GPUCanvasContext.prototype.getCurrentTexture = function () {
    if (!canvasFrame) textureAt = performance.now();
    canvasFrame = true;
    return getCurrentTexture.call(this);
  };
  const submit = GPUQueue.prototype.submit;
  GPUQueue.prototype.submit = function (buffers) {
    const r = submit.call(this, buffers);
    if (canvasFrame) {
      const t = performance.now();
      canvasFrame = false;
      B.canvasSubmits++;
      if (B.recording) B.frames.push([B.rafCount, B.lastRaf, textureAt, t]);
      if (B.firstSubmit === null) {
        B.firstSubmit = t;
        nativeRaf(() => {
          B.firstPresented = performance.now();
          B.resolveFirst(B.firstPresented);
        });
      }
    }
    return r;
  };
})();
