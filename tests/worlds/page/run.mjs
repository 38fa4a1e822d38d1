// Runs a test world's guest through our component runtime (crates/worlds-browser, built by
// scripts/build-worlds-browser.sh) and leaves the transcript (or the error) for the test to read.
import init, { run_async_import, run_async_smoke, run_trap, run_world } from '/target/worlds-browser/gfx_worlds_browser.js';

window.runWorld = async (world) => {
  await init();
  const bytes = new Uint8Array(await (await fetch(`/guests/dist/worlds-${world}.wasm`)).arrayBuffer());
  try {
    return { transcript: await run_world(world, bytes) };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
};
window.runAsyncSmoke = async (url) => {
  await init();
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  try {
    return { result: await run_async_smoke(bytes) };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
};
window.runTrap = async (url, exportName) => {
  await init();
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  try {
    return { message: await run_trap(bytes, exportName) };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
};
window.runAsyncImport = async (url) => {
  await init();
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  try {
    return { result: await run_async_import(bytes) };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
};
window.ready = true;
