// Pure helpers of bench/browser.mjs: statistics, formatting, the synthetic components and the
// BENCHMARKS.md section replacement. No I/O, no clocks; unit-tested by browser-lib.test.mjs.

export const MiB = 1024 * 1024;

/** The component preamble (layer 1, version 0x0d). */
export const COMPONENT_PREAMBLE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00);

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values) {
  if (values.length === 0) throw new Error('median of nothing');
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile, `p` in [0, 100]: the smallest value with at least p % of values ≤ it. */
export function percentile(values, p) {
  if (values.length === 0) throw new Error('percentile of nothing');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} out of range`);
  const v = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * v.length));
  return v[rank - 1];
}

/** Unsigned LEB128 encoding of a non-negative integer below 2^32. */
export function leb128(n) {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new Error(`leb128: bad value ${n}`);
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/**
 * A structurally valid component of exactly `size` bytes (size ≥ 15): the preamble, then custom
 * sections named `data` (as in tests/browser.rs) of deterministic pseudo-random bytes (xorshift32).
 * The trust core never looks inside custom sections, so only size and section count matter.
 */
export function syntheticComponent(size, { chunk = 60_000, seed = 0x9e3779b9 } = {}) {
  const overhead = 1 + 1 + 4; // section id, name length, "data"; plus the LEB128 body length
  if (!Number.isInteger(size) || size < COMPONENT_PREAMBLE.length + overhead + 1) {
    throw new Error(`syntheticComponent: size ${size} too small`);
  }
  const out = new Uint8Array(size);
  out.set(COMPONENT_PREAMBLE, 0);
  let at = COMPONENT_PREAMBLE.length;
  let state = seed >>> 0 || 1;
  while (at < size) {
    const remaining = size - at;
    let body; // length of the section body: name length byte + "data" + payload
    if (remaining > chunk + 2 * (overhead + 5)) {
      body = 5 + chunk;
    } else {
      // The last section: pick the body length whose LEB128 header makes it end exactly at `size`.
      body = -1;
      for (let lebLen = 1; lebLen <= 5; lebLen++) {
        const b = remaining - 1 - lebLen;
        if (b >= 5 && leb128(b).length === lebLen) { body = b; break; }
      }
      if (body < 0) throw new Error(`syntheticComponent: cannot end a section in ${remaining} bytes`);
    }
    out[at++] = 0; // custom section
    for (const b of leb128(body)) out[at++] = b;
    out[at++] = 4;
    out.set([0x64, 0x61, 0x74, 0x61], at); // "data"
    at += 4;
    const end = at + body - 5;
    for (; at < end; at++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[at] = state & 0xff;
    }
  }
  return out;
}

/**
 * Walks the sections of a component: returns `[{id, start, end}]` (body ranges) or throws when a
 * section runs past the end. Used to check the synthetic inputs.
 */
export function sections(bytes) {
  if (bytes.length < 8 || !COMPONENT_PREAMBLE.every((b, i) => bytes[i] === b)) throw new Error('not a component');
  const out = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++];
    let len = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length) throw new Error('truncated section length');
      const b = bytes[at++];
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) break;
      if (shift > 28) throw new Error('section length too long');
    }
    if (at + len > bytes.length) throw new Error('section past the end');
    out.push({ id, start: at, end: at + len });
    at += len;
  }
  return out;
}

/**
 * Replaces the `## <title>` section of a Markdown document (from its heading up to the next
 * level-2 heading or the end) by `body`, which must start with that heading. Appends it when
 * missing; creates a short document when `doc` is empty. Every other section is kept byte for byte.
 */
export function replaceSection(doc, title, body) {
  const heading = `## ${title}`;
  if (!body.startsWith(`${heading}\n`)) throw new Error(`section body must start with "${heading}"`);
  const section = body.endsWith('\n') ? body : `${body}\n`;
  if (!doc || doc.trim() === '') {
    return `# Benchmarks\n\nMeasured results for wasi-gfx-loader. Each section names the tool that wrote it; re-run that tool to refresh the section.\n\n${section}`;
  }
  const lines = doc.split('\n');
  let inFence = false;
  let start = -1;
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    if (start < 0) {
      if (line.trimEnd() === heading) start = i;
    } else if (/^## /.test(line)) {
      end = i;
      break;
    }
  }
  if (start < 0) {
    const base = doc.endsWith('\n') ? doc : `${doc}\n`;
    return `${base}\n${section}`;
  }
  const before = lines.slice(0, start).join('\n');
  const after = lines.slice(end).join('\n');
  const head = start > 0 ? `${before}\n` : '';
  if (end === lines.length) return head + section;
  return `${head}${section}\n${after}`;
}

/** `1.23 ms`, `456 µs`, `7.89 s`. */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 0) return `−${fmtMs(-ms)}`;
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  if (ms < 10_000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** MiB/s of `bytes` in `ms`. */
export function mibPerSec(bytes, ms) {
  return bytes / MiB / (ms / 1000);
}

/** `0.93×`. */
export function fmtRatio(x) {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
}

/** `12,345`. */
export function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** A Markdown table from a header row and rows of cells; `align` per column: 'l' or 'r'. */
export function table(header, rows, align = header.map((_, i) => (i === 0 ? 'l' : 'r'))) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const sep = `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`;
  return [line(header), sep, ...rows.map(line)].join('\n');
}

/** Whether a measured value is within a goal: `met` / `not met`. */
export function verdict(ok) {
  return ok ? 'met' : 'not met';
}
