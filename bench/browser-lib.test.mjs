// Unit tests of the browser benchmark's pure helpers (node --test bench/browser-lib.test.mjs).
// Nothing here measures or asserts on time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  COMPONENT_PREAMBLE, MiB, fmtMs, fmtRatio, leb128, median, mibPerSec, percentile, replaceSection, sections,
  syntheticComponent, table,
} from './browser-lib.mjs';

describe('median and percentile', () => {
  it('median of odd and even counts, input untouched', () => {
    const v = [5, 1, 3];
    assert.equal(median(v), 3);
    assert.deepEqual(v, [5, 1, 3]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([7]), 7);
    assert.throws(() => median([]));
  });

  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 20 }, (_, i) => 20 - i); // 20 … 1
    assert.equal(percentile(v, 95), 19);
    assert.equal(percentile(v, 100), 20);
    assert.equal(percentile(v, 0), 1);
    assert.equal(percentile(v, 50), 10);
    assert.equal(percentile([3], 95), 3);
    assert.throws(() => percentile(v, 101));
    assert.throws(() => percentile([], 50));
  });
});

describe('synthetic components', () => {
  it('LEB128', () => {
    assert.deepEqual(leb128(0), [0]);
    assert.deepEqual(leb128(127), [0x7f]);
    assert.deepEqual(leb128(128), [0x80, 0x01]);
    assert.deepEqual(leb128(60005), [0xe5, 0xd4, 0x03]);
  });

  it('have exactly the size asked for and a valid section structure', () => {
    for (const size of [15, 16, 100, 127, 128, 129, 200, 60_000, 60_020, 123_457, MiB, 3 * MiB + 1]) {
      const c = syntheticComponent(size);
      assert.equal(c.length, size, `size ${size}`);
      assert.deepEqual([...c.subarray(0, 8)], [...COMPONENT_PREAMBLE]);
      const s = sections(c);
      assert.ok(s.length >= 1);
      assert.equal(s.at(-1).end, size);
      for (const { id, start } of s) {
        assert.equal(id, 0);
        assert.equal(c[start], 4);
        assert.equal(new TextDecoder().decode(c.subarray(start + 1, start + 5)), 'data');
      }
    }
  });

  it('are deterministic and not constant', () => {
    const a = syntheticComponent(10_000);
    assert.deepEqual(a, syntheticComponent(10_000));
    assert.notDeepEqual(a, syntheticComponent(10_000, { seed: 7 }));
    assert.ok(new Set(a.subarray(100, 1100)).size > 200);
  });

  it('refuse sizes too small for one section', () => {
    assert.throws(() => syntheticComponent(14));
  });

  it('the structure walk rejects a truncated file', () => {
    const c = syntheticComponent(1000);
    assert.throws(() => sections(c.subarray(0, 999)));
  });
});

describe('section replacement', () => {
  const doc = [
    '# Benchmarks', '', 'intro', '', '## Trust core (native)', '', 'trust body', '```', '## not a heading', '```', '',
    '## Browser loader (headless Chromium)', '', 'old body', '', '## Render server (native, HTTP on loopback)', '',
    'server body', '',
  ].join('\n');

  it('replaces only its section, keeping the ones before and after', () => {
    const out = replaceSection(doc, 'Browser loader (headless Chromium)', '## Browser loader (headless Chromium)\n\nnew body\n');
    assert.ok(out.includes('new body'));
    assert.ok(!out.includes('old body'));
    assert.ok(out.startsWith('# Benchmarks\n\nintro\n\n## Trust core (native)\n\ntrust body\n```\n## not a heading\n```\n\n'));
    assert.ok(out.endsWith('\nnew body\n\n## Render server (native, HTTP on loopback)\n\nserver body\n'));
  });

  it('is idempotent', () => {
    const body = '## Browser loader (headless Chromium)\n\nnew body\n';
    const once = replaceSection(doc, 'Browser loader (headless Chromium)', body);
    assert.equal(replaceSection(once, 'Browser loader (headless Chromium)', body), once);
  });

  it('a heading inside a code fence is not a section', () => {
    const out = replaceSection(doc, 'not a heading', '## not a heading\n\nx\n');
    assert.ok(out.startsWith(doc));
    assert.ok(out.endsWith('\n\n## not a heading\n\nx\n'));
  });

  it('replaces a last section up to the end, and appends a missing one', () => {
    const out = replaceSection(doc, 'Render server (native, HTTP on loopback)', '## Render server (native, HTTP on loopback)\n\nS\n');
    assert.ok(out.endsWith('old body\n\n## Render server (native, HTTP on loopback)\n\nS\n'));
    const appended = replaceSection('# B\n\ntext', 'New', '## New\n\nn');
    assert.equal(appended, '# B\n\ntext\n\n## New\n\nn\n');
  });

  it('creates a document when there is none, and checks the body heading', () => {
    assert.match(replaceSection('', 'X', '## X\n\ny\n'), /^# Benchmarks\n[\s\S]*\n## X\n\ny\n$/);
    assert.throws(() => replaceSection(doc, 'X', '## Y\n'));
  });
});

describe('formatting', () => {
  it('times, throughputs, ratios, tables', () => {
    assert.equal(fmtMs(0.25), '250 µs');
    assert.equal(fmtMs(12.345), '12.35 ms');
    assert.equal(fmtMs(1234), '1234 ms');
    assert.equal(fmtMs(NaN), '–');
    assert.equal(fmtMs(-12), '−12.00 ms');
    assert.equal(mibPerSec(MiB, 1000), 1);
    assert.equal(fmtRatio(0.904), '0.90×');
    assert.equal(table(['a', 'b'], [['x', '1']]), '| a | b |\n|---|---:|\n| x | 1 |');
  });
});
