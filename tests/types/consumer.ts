// A TypeScript consumer of the published package, as a user writes it. It must type-check against
// www/dist/wasi-gfx-loader.d.ts (resolved through package.json "exports"), and the misuses in
// `wrong` below must stay type errors: the declarations are precise, not `any`.
import { LoadError, forgetConsent, loadComponent, verifyComponent } from 'wasi-gfx-loader';
import type { ComponentHandle, LoaderEvent, LoadOptions, TrustLevel } from 'wasi-gfx-loader';

export async function show(canvas: HTMLCanvasElement): Promise<ComponentHandle | null> {
  const options: LoadOptions = {
    canvas,
    keyring: '/keyring.json',
    fallback: { endpoint: 'https://frames.example.com', format: 'jpeg' },
    consent: async (req) => req.trustLevel === 'enterprise-trusted' || req.capabilities.length < 3,
    onEvent: (e: LoaderEvent) => {
      if (e.type === 'progress') console.log(e.loaded, e.total ?? '?');
      if (e.type === 'fallback') console.log(e.reason);
    },
    signal: new AbortController().signal,
  };
  try {
    const handle = await loadComponent(new URL('/c.wasm', location.href), options);
    const mode: 'client' | 'server' = handle.mode;
    const level: TrustLevel = handle.trustLevel;
    console.log(mode, level, handle.reason, handle.digest, handle.metrics().fps);
    return handle;
  } catch (e) {
    if (e instanceof LoadError && e.code === 'fallback-unavailable') return null;
    throw e;
  }
}

export async function check(bytes: ArrayBuffer): Promise<boolean> {
  const r = await verifyComponent(bytes, '/keyring.json', { hash: 'wasm' });
  await forgetConsent(r.digest);
  return r.verified;
}

export async function wrong(canvas: HTMLCanvasElement) {
  // @ts-expect-error the keyring is required
  await loadComponent('/c.wasm', { canvas });
  // @ts-expect-error consent is 'dialog' or a function
  await loadComponent('/c.wasm', { canvas, keyring: '/k.json', consent: 'always' });
  const h = await loadComponent('/c.wasm', { canvas, keyring: '/k.json' });
  // @ts-expect-error mode is read-only
  h.mode = 'client';
  // @ts-expect-error not a mode
  const m: 'gpu' = h.mode;
  return m;
}
