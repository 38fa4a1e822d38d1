// Shared by the test pages: runs loadComponent with parameters from the query string and leaves
// the outcome in window.__result (and `data-done` on <body>) for the test to read.
//   ?component=URL &keyring=URL &endpoint=URL|none &consent=dialog|allow|deny &hash=wasm|webcrypto
//   &policy=URL (a policy JSON to pass as options.policy) &sandbox=worker|none
// A probe measures how long the page's main thread goes without running a 10 ms timer
// (window.__probe.maxGapMs), from the loader's decision on.
'use strict';
window.__events = [];
window.__eventTimes = []; // performance.now() of each event in __events (bench/sandbox.mjs)
window.__probe = { maxGapMs: 0, last: null, gaps: [] }; // gaps: [ended at, ms] of those over 30 ms
setInterval(() => {
  const now = performance.now();
  if (window.__probe.last !== null) {
    const gap = now - window.__probe.last;
    window.__probe.maxGapMs = Math.max(window.__probe.maxGapMs, gap);
    if (gap > 30) window.__probe.gaps.push([Math.round(now), Math.round(gap)]);
  }
  if (window.__events.some((e) => e.type === 'decision')) window.__probe.last = now;
}, 10);
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});

window.runLoaderPage = async function runLoaderPage(L) {
  const q = new URLSearchParams(location.search);
  const canvas = document.getElementById('canvas');
  const options = {
    canvas,
    keyring: q.get('keyring') ?? '/keyring.json',
    onEvent: (e) => { window.__events.push(e); window.__eventTimes.push(performance.now()); },
  };
  if (q.get('endpoint') !== 'none') options.fallback = { endpoint: q.get('endpoint') ?? location.origin };
  const consent = q.get('consent') ?? 'dialog';
  if (consent === 'allow') options.consent = async () => true;
  else if (consent === 'deny') options.consent = async () => false;
  if (q.get('hash')) options.hash = q.get('hash');
  if (q.get('sandbox')) options.sandbox = q.get('sandbox');
  if (q.get('policy')) options.policy = await (await fetch(q.get('policy'))).text();
  window.__api = L;
  try {
    const handle = await L.loadComponent(q.get('component'), options);
    window.__handle = handle;
    window.__result = { mode: handle.mode, reason: handle.reason, trustLevel: handle.trustLevel, digest: handle.digest };
  } catch (e) {
    window.__result = { error: { code: e.code, message: e.message, reason: e.reason, isLoadError: e instanceof L.LoadError } };
  }
  document.body.dataset.done = '1';
};
