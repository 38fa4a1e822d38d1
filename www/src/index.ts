// wasi-gfx-loader: the JavaScript shell around the Rust/wasm loader.
//
// Everything that decides anything (fetching, hashing, signature verification, policy, consent,
// server frames) is Rust compiled to WebAssembly (`src/` in the repository). This file only
// loads that wasm once, gives the public API its TypeScript types, and turns the wasm side's
// error objects into `LoadError` instances. `npm run build` bundles it twice: as an ES module
// (`wasi-gfx-loader.mjs`) and as a classic script that sets `window.WasiGfxLoader`
// (`wasi-gfx-loader.js`); both load `wasi-gfx-loader.wasm` from next to themselves.

import init, * as wasm from '../../target/wasm-bindgen/wasi_gfx_loader.js';

/** Trust levels, lowest first. */
export type TrustLevel = 'untrusted' | 'community-verified' | 'publisher-signed' | 'enterprise-trusted';

/** A keyring: the keys a page trusts, as written by `gfx-sign keyring add` (see README). */
export interface Keyring {
  version: 1;
  /** Grows with every change; a browser refuses an older keyring from the same URL. */
  sequence: number;
  keys: Array<{
    /** `sha256:<hex>` of the DER SPKI; checked against the key when present. */
    keyId?: string;
    /** Only `ecdsa-p256-sha256` is understood; other entries are ignored. */
    algorithm: 'ecdsa-p256-sha256' | (string & {});
    /** PEM SPKI public key … */
    publicKey?: string;
    /** … or a JWK, as WebCrypto exports it. */
    jwk?: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
    /** Highest level this key may vouch for. */
    maxLevel: TrustLevel;
    label?: string;
    /** RFC 3339. */
    notBefore?: string;
    /** RFC 3339. */
    notAfter?: string;
  }>;
  /** Revoked key ids. */
  revoked?: string[];
}

/** A policy override, the same shape as the embedded default (`crates/trust/policy/default.json`). */
export interface Policy {
  version: 1;
  levels: Record<TrustLevel, unknown>;
  complexity: { maxComponentBytes: string; maxImportedFunctions: number };
}

/** What the consent dialog (or the page's consent callback) is asked about. */
export interface ConsentRequest {
  digest: string;
  keyId: string;
  keyLabel: string | null;
  signer: string;
  trustLevel: TrustLevel;
  name: string | null;
  version: string | null;
  capabilities: string[];
}

export interface LoadOptions {
  /** The canvas the component (or its server frames) draws on. */
  canvas: HTMLCanvasElement;
  /** The keyring object, or the URL of its JSON. */
  keyring: Keyring | string | URL;
  /** Policy override (default: the embedded policy). */
  policy?: Policy | string;
  /** The render server that shows frames when the component may not or cannot run here. */
  fallback?: { endpoint: string; format?: 'png' | 'jpeg' | 'webp' };
  /** `'dialog'` (default): the loader's accessible dialog; or your own function. */
  consent?: 'dialog' | ((request: ConsentRequest) => Promise<boolean> | boolean);
  /** Progress, decision, fallback and frame statistics. */
  onEvent?: (event: LoaderEvent) => void;
  /** Aborts the load. */
  signal?: AbortSignal;
  /** Which SHA-256 computes the digest: WebCrypto where available (default), or wasm. */
  hash?: 'auto' | 'webcrypto' | 'wasm';
  /**
   * Where a component allowed to run client-side runs: `'worker'` (default) — a dedicated
   * Worker (`wasi-gfx-loader.worker.js`, next to this script) under the policy's cpu, memory and
   * GPU limits, never on the page's thread; `'none'` — the page's main thread, without the
   * watchdog (for measuring what the sandbox costs; not for untrusted publishers).
   */
  sandbox?: 'worker' | 'none';
}

/** Machine-readable reasons a handle reports. */
export type Reason =
  | 'verified'
  | 'unsigned'
  | 'signature-invalid'
  | 'key-unknown'
  | 'key-revoked'
  | 'key-expired'
  | 'signature-expired'
  | 'level-exceeds-key'
  | 'malformed'
  | 'policy-server-only'
  | 'no-webgpu'
  | 'import-denied'
  | 'unsupported-feature'
  | 'memory-limit'
  | 'consent-denied'
  | 'trap'
  | 'device-lost'
  | 'gpu-error'
  | 'first-frame-timeout'
  | 'canvas-in-use'
  | 'cpu-limit'
  | 'gpu-limit'
  | 'worker-unavailable'
  | 'sandbox-protocol'
  | 'component-invalid'
  | 'guest-trap'
  | (string & {});

export interface LoaderMetrics {
  mode: 'client' | 'server';
  downloadBytes: number;
  downloadMs: number;
  verifyMs: number;
  hash: 'webcrypto' | 'wasm';
  timeToFirstFrameMs: number | null;
  frames: number;
  droppedFrames: number;
  fps: number;
  frameLatencyMs: number | null;
  reconnects: number;
  sessionId: string | null;
  /** Where a client-side component runs: `'worker'` (the sandbox) or `'main-thread'`; `null` for server frames. */
  sandbox: 'worker' | 'main-thread' | null;
}

export interface ComponentHandle {
  /** Where the component runs now. Live: it changes when the loader falls back. */
  readonly mode: 'client' | 'server';
  readonly trustLevel: TrustLevel;
  /** Why this mode. Live. */
  readonly reason: Reason;
  /** `sha256:<hex>` of the unsigned component. */
  readonly digest: string;
  metrics(): LoaderMetrics;
  /** Stops frames and ends the server session. Idempotent. */
  stop(): void;
}

export type LoaderEvent =
  | { type: 'progress'; loaded: number; total: number | null }
  | ({ type: 'verified' } & VerifyResult)
  | {
      type: 'decision';
      route: 'client' | 'server' | 'reject';
      reason: Reason;
      message: string;
      trustLevel: TrustLevel;
      consentRequired: boolean;
      capabilities: string[];
    }
  | { type: 'consent'; granted: boolean; remembered: boolean }
  | { type: 'mode'; mode: 'client' | 'server'; reason: Reason }
  | { type: 'fallback'; reason: Reason; message: string }
  | { type: 'first-frame'; ms: number }
  | { type: 'frame-stats'; fps: number; frameLatencyMs: number; frames: number }
  | { type: 'reconnect'; attempt: number; newSession: boolean }
  | { type: 'error'; code: string; message: string }
  | { type: 'stopped'; reason: string };

/** Codes of {@link LoadError}. */
export type LoadErrorCode =
  | 'invalid-options'
  | 'fetch-failed'
  | 'too-large'
  | 'component-invalid'
  | 'keyring-invalid'
  | 'keyring-rollback'
  | 'policy-invalid'
  | 'rejected'
  | 'import-denied'
  | 'unsupported-feature'
  | 'memory-limit'
  | 'fallback-unavailable'
  | 'timeout'
  | 'aborted'
  | 'internal';

/** Every failure of the loader. `code` is stable; `message` is for people. */
export class LoadError extends Error {
  readonly code: LoadErrorCode;
  /** For `rejected`: the decision's reason (`needs-review`, `import-denied`). */
  readonly reason?: string;
  constructor(code: LoadErrorCode, message: string, reason?: string) {
    super(message);
    this.name = 'LoadError';
    this.code = code;
    if (reason !== undefined) this.reason = reason;
  }
}

/** What {@link verifyComponent} finds. */
export interface VerifyResult {
  verified: boolean;
  trustLevel: TrustLevel;
  reason: Reason;
  message: string;
  digest: string;
  signer: string | null;
  keyId: string | null;
  keyLabel: string | null;
  hash: 'webcrypto' | 'wasm';
  verifyMs: number;
}

declare const __CLASSIC_SCRIPT__: boolean;

// Where the wasm is: next to this file. A classic script knows its own URL only while it runs.
const WASM_URL: URL = __CLASSIC_SCRIPT__
  ? new URL('wasi-gfx-loader.wasm', (document.currentScript as HTMLScriptElement | null)?.src ?? location.href)
  : new URL('./wasi-gfx-loader.wasm', import.meta.url);

// The sandbox worker's script, next to this one (see src/sandbox/). Spelled out for the module
// build so that bundlers (Vite, esbuild, webpack) see and emit it like the wasm.
const WORKER_URL: URL = __CLASSIC_SCRIPT__
  ? new URL('wasi-gfx-loader.worker.js', WASM_URL)
  : new URL('./wasi-gfx-loader.worker.js', import.meta.url);

let ready: Promise<unknown> | null = null;

function start(): Promise<unknown> {
  ready ??= init({ module_or_path: WASM_URL }).then(
    () => wasm.setWorkerUrl(WORKER_URL.href),
  ).catch((e: unknown) => {
    ready = null;
    throw new LoadError('internal', `cannot load ${WASM_URL.href}: ${String(e)}`);
  });
  return ready;
}

// What loadComponent starts before the loader's wasm is ready, so that it happens while the wasm
// is fetched and instantiated: the component's and the keyring's GET (`[absolute URL, response,
// performance.now()]`). The loader (src/early.rs) takes each where it would send the same
// request itself; it checks and reports everything about them as for its own. (Not the sandbox
// worker: started this early it slowed the loader's own start on a 2-core machine, with no gain
// measured end to end; the loader starts it once its wasm runs.)
interface Early {
  requests: Array<[string, Promise<Response>, number]>;
}

function sendEarly(source: unknown, options: LoadOptions | undefined): Early {
  const early: Early = { requests: [] };
  const send = (target: unknown) => {
    if (typeof target !== 'string' && !(target instanceof URL)) return;
    try {
      const url = new URL(String(target), document.baseURI).href;
      const response = fetch(new Request(url, { method: 'GET', signal: options?.signal }));
      response.catch(() => {}); // awaited by the loader, which reports a failure
      early.requests.push([url, response, performance.now()]);
    } catch {
      // Not a URL the loader would fetch either: it says why.
    }
  };
  if (options && typeof options === 'object') {
    send(source);
    send(options.keyring);
  }
  return early;
}

function toLoadError(e: unknown): unknown {
  if (e instanceof LoadError) return e;
  if (e && typeof e === 'object' && (e as { wasiGfxLoaderError?: boolean }).wasiGfxLoaderError) {
    const o = e as { code: LoadErrorCode; message: string; reason?: string };
    return new LoadError(o.code, o.message, o.reason);
  }
  return new LoadError('internal', e instanceof Error ? e.message : String(e));
}

/**
 * Loads a signed wasi-gfx component onto `options.canvas`: fetches it, verifies its signature
 * against the keyring, decides from its trust level and the policy where it may run (asking the
 * user where the policy says so), and shows it. Resolves once the first frame is on the canvas.
 */
export async function loadComponent(
  source: string | URL | ArrayBuffer | ArrayBufferView,
  options: LoadOptions,
): Promise<ComponentHandle> {
  const early = sendEarly(source, options);
  await start();
  try {
    return (await wasm.loadComponent(source, options, early)) as unknown as ComponentHandle;
  } catch (e) {
    throw toLoadError(e);
  }
}

/** Verifies a component against a keyring without showing it. */
export async function verifyComponent(
  source: string | URL | ArrayBuffer | ArrayBufferView,
  keyring: Keyring | string,
  options: { hash?: 'auto' | 'webcrypto' | 'wasm' } = {},
): Promise<VerifyResult> {
  await start();
  try {
    return (await wasm.verifyComponent(source, keyring, options)) as VerifyResult;
  } catch (e) {
    throw toLoadError(e);
  }
}

/**
 * Forgets remembered consent answers (for one digest, or all). Returns how many were forgotten.
 * Synchronous once the loader is initialised; before that it initialises first.
 */
export async function forgetConsent(digest?: string): Promise<number> {
  await start();
  return wasm.forgetConsent(digest);
}

/** The loader's version. */
declare const __VERSION__: string;
export const VERSION: string = __VERSION__;
