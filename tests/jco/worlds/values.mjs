// World `values` for jco: the host's `ops` (imported by the guest) and the host driver that calls
// the guest's exported `ops`. tests/worlds/README.md, "World `values`", is the specification; the
// wasmtime oracle's copy is crates/worlds-wasmtime/src/values.rs.
import {
  bool, camel, callResult, char, enumType, f32, f32FromBits, f64, f64FromBits, flags, list, negF32, negF64, option,
  record, result, s16, s32, s64, s8, string, tuple, u16, u32, u64, u8, variant,
} from './text.mjs';

// ---- The types of interface `types` (tests/worlds/wit/values.wit), as text descriptors.

const point = record('point', [['x', s32], ['y', s32]]);
const mixed = record('mixed', [
  ['flag', bool], ['small', s8], ['medium', u16], ['large', s64],
  ['ratio', f32], ['precise', f64], ['letter', char], ['name', string],
]);
const shape = variant('shape', [
  ['empty', null], ['byte', u8], ['big', s64], ['single', f32], ['double', f64], ['text', string], ['pair', tuple(u32, f32)],
]);
const COLORS = ['red', 'orange', 'yellow', 'green', 'blue'];
const color = enumType('color', COLORS);
const PERMS = ['read', 'write', 'exec'];
const TWELVE = Array.from({ length: 12 }, (_, i) => `t${i}`);
const FULL = Array.from({ length: 32 }, (_, i) => `bit${i}`);
const perms = flags('perms', PERMS);
const twelve = flags('twelve', TWELVE);
const full = flags('full', FULL);
const flagSet = record('flag-set', [['small', perms], ['medium', twelve], ['large', full]]);
const MANY_FIELDS = [
  ['a', u8], ['b', s8], ['c', u16], ['d', s16], ['e', u32], ['f', s32], ['g', u64], ['h', s64], ['i', f32],
  ['j', f64], ['k', bool], ['l', char], ['m', string], ['n', u32], ['o', u64], ['p', f32], ['q', f64],
];
const many = record('many', MANY_FIELDS);

/**
 * Every `ops` function in README table order (which is also the WIT order and the call order): WIT
 * name, parameter types, result type. The driver formats arguments and results with these.
 */
const SIGNATURES = [
  ['not-bool', [bool], bool],
  ['neg-s8', [s8], s8],
  ['inc-u8', [u8], u8],
  ['neg-s16', [s16], s16],
  ['inc-u16', [u16], u16],
  ['neg-s32', [s32], s32],
  ['add-one', [u32], u32],
  ['neg-s64', [s64], s64],
  ['inc-u64', [u64], u64],
  ['neg-f32', [f32], f32],
  ['neg-f64', [f64], f64],
  ['next-char', [char], char],
  ['reverse', [string], string],
  ['invert', [list(u8)], list(u8)],
  ['reverse-strings', [list(string)], list(string)],
  ['swap-points', [list(point)], list(point)],
  ['bump-mixed', [mixed], mixed],
  ['rotate-tuple', [tuple(u8, string, f64)], tuple(f64, u8, string)],
  ['echo-shape', [shape], shape],
  ['next-color', [color], color],
  ['inc-nested', [option(option(u32))], option(option(u32))],
  ['inc-ok', [result(u32, null)], result(u32, null)],
  ['reverse-err', [result(null, string)], result(null, string)],
  ['swap-result', [result(u32, string)], result(string, u32)],
  ['flip-result', [result(null, null)], result(null, null)],
  ['invert-perms', [perms], perms],
  ['invert-full', [full], full],
  ['invert-flag-set', [flagSet], flagSet],
  ['many-params', MANY_FIELDS.map(([, t]) => t), many],
  ['split-u64', [u64], tuple(u32, u32)],
];

// ---- The host's `ops`: README "World `values`", first table, in jco's JS representation.

/** README `next-char`: c + 1, U+D7FF → U+E000 (surrogates skipped), U+10FFFF → U+0000. */
export function nextChar(c) {
  const cp = c.codePointAt(0);
  return String.fromCodePoint(cp === 0xd7ff ? 0xe000 : cp === 0x10ffff ? 0 : cp + 1);
}

/** README `reverse`: the Unicode scalar values in reverse order (a string iterates by code point). */
export function reverse(s) {
  return Array.from(s).reverse().join('');
}

const wrapS8 = (x) => (x << 24) >> 24;
const wrapS16 = (x) => (x << 16) >> 16;
const wrapU8 = (x) => x & 0xff;
const wrapU16 = (x) => x & 0xffff;
const wrapU32 = (x) => x >>> 0;
const wrapS64 = (x) => BigInt.asIntN(64, x);
const wrapU64 = (x) => BigInt.asUintN(64, x);

/** The complement of flags `f` within `names` (jco: an object of booleans per flag). */
function complement(names, f) {
  return Object.fromEntries(names.map((n) => [camel(n), !f[camel(n)]]));
}

/**
 * The object jco's output destructures as `imports['gfx-test:worlds/ops']`: one function per WIT
 * function, named in lowerCamelCase. Results are returned as `{ tag, val }` (jco 1.35 also accepts
 * a bare ok value or a thrown err; the tagged form is unambiguous).
 */
export function createOpsHost() {
  return {
    notBool: (x) => !x,
    negS8: (x) => wrapS8(-x),
    incU8: (x) => wrapU8(x + 1),
    negS16: (x) => wrapS16(-x),
    incU16: (x) => wrapU16(x + 1),
    negS32: (x) => -x | 0,
    addOne: (x) => wrapU32(x + 1),
    negS64: (x) => wrapS64(-x),
    incU64: (x) => wrapU64(x + 1n),
    negF32,
    negF64,
    nextChar,
    reverse,
    invert: (b) => Uint8Array.from(b, (x) => 255 - x),
    reverseStrings: (l) => [...l].reverse(),
    swapPoints: (l) => l.map((p) => ({ x: p.y, y: p.x })),
    bumpMixed: (m) => ({
      flag: !m.flag,
      small: wrapS8(m.small + 1),
      medium: wrapU16(m.medium + 1),
      large: wrapS64(m.large + 1n),
      ratio: negF32(m.ratio),
      precise: negF64(m.precise),
      letter: nextChar(m.letter),
      name: reverse(m.name),
    }),
    rotateTuple: ([a, b, c]) => [c, a, b],
    echoShape: (s) => s,
    nextColor: (c) => COLORS[(COLORS.indexOf(c) + 1) % COLORS.length],
    // option<option<u32>>: the outer option tagged, the inner one `undefined` for none.
    incNested: (x) => (x.tag === 'some' && x.val !== undefined ? { tag: 'some', val: wrapU32(x.val + 1) } : x),
    incOk: (r) => (r.tag === 'ok' ? { tag: 'ok', val: wrapU32(r.val + 1) } : r),
    reverseErr: (r) => (r.tag === 'err' ? { tag: 'err', val: reverse(r.val) } : r),
    swapResult: (r) => (r.tag === 'ok' ? { tag: 'err', val: r.val } : { tag: 'ok', val: r.val }),
    flipResult: (r) => ({ tag: r.tag === 'ok' ? 'err' : 'ok', val: undefined }),
    invertPerms: (f) => complement(PERMS, f),
    invertFull: (f) => complement(FULL, f),
    invertFlagSet: (f) => ({ small: complement(PERMS, f.small), medium: complement(TWELVE, f.medium), large: complement(FULL, f.large) }),
    manyParams: (...args) => Object.fromEntries(MANY_FIELDS.map(([name], i) => [camel(name), args[i]])),
    splitU64: (x) => [Number(x >> 32n), Number(x & 0xffffffffn)],
  };
}

// ---- The inputs: README "Inputs, and what the driver calls" (the guest's `run` uses the same).

/** Per function (README order), the argument lists of its calls, left to right. */
export function inputs() {
  const one = (...xs) => xs.map((x) => [x]);
  return {
    'not-bool': one(true, false),
    'neg-s8': one(0, 1, -128, 127),
    'inc-u8': one(0, 254, 255),
    'neg-s16': one(-32768, 300),
    'inc-u16': one(1, 65535),
    'neg-s32': one(-2147483648, 5),
    'add-one': one(0, 41, 4294967295),
    'neg-s64': one(-9223372036854775808n, 1234567890123n),
    'inc-u64': one(9007199254740993n, 18446744073709551615n),
    'neg-f32': one(...[0x3fc00000, 0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7f7fffff, 0x00000001].map(f32FromBits)),
    'neg-f64': one(...[0x3fb999999999999an, 0x8000000000000000n, 0x7ff0000000000000n, 0x7fefffffffffffffn, 0x0000000000000001n].map(f64FromBits)),
    'next-char': one('a', '\u{d7ff}', '\u{ffff}', '\u{1f600}', '\u{10ffff}'),
    reverse: one('', 'hello', 'añb€😀', 'q"b\\n\nt\u{7f}'),
    invert: one(new Uint8Array(), Uint8Array.of(0, 1, 127, 128, 255), Uint8Array.from({ length: 4096 }, (_, i) => i % 256)),
    'reverse-strings': one([], ['one', 'two', 'three'], ['', 'ü', '😀']),
    'swap-points': one([], [{ x: 1, y: -2 }, { x: 2147483647, y: -2147483648 }]),
    'bump-mixed': one(
      { flag: true, small: 127, medium: 65535, large: -1n, ratio: 1.5, precise: -0, letter: 'ß', name: 'mixed' },
      {
        flag: false, small: -128, medium: 0, large: 9223372036854775807n, ratio: -Infinity,
        precise: f64FromBits(0x0010000000000000n), letter: '\u{10ffff}', name: '',
      },
    ),
    'rotate-tuple': one([7, 'seven', 7.5], [255, '', -0]),
    'echo-shape': one(
      { tag: 'empty' }, { tag: 'byte', val: 200 }, { tag: 'big', val: -9007199254740993n }, { tag: 'single', val: -2.5 },
      { tag: 'double', val: 1e100 }, { tag: 'text', val: 'shape ✓' }, { tag: 'pair', val: [4000000000, 0.25] },
    ),
    'next-color': one(...COLORS),
    'inc-nested': one({ tag: 'none' }, { tag: 'some', val: undefined }, { tag: 'some', val: 7 }, { tag: 'some', val: 4294967295 }),
    'inc-ok': one({ tag: 'ok', val: 1 }, { tag: 'ok', val: 4294967295 }, { tag: 'err', val: undefined }),
    'reverse-err': one({ tag: 'ok', val: undefined }, { tag: 'err', val: 'abc' }),
    'swap-result': one({ tag: 'ok', val: 5 }, { tag: 'err', val: 'five' }),
    'flip-result': one({ tag: 'ok', val: undefined }, { tag: 'err', val: undefined }),
    'invert-perms': one({}, { write: true }, { read: true, write: true, exec: true }),
    'invert-full': one({}, { bit0: true, bit31: true }, { bit15: true, bit16: true }),
    'invert-flag-set': one({ small: { read: true }, medium: { t0: true, t11: true }, large: { bit31: true } }),
    // The 17 parameters, in order (README: the line shows them, not a record).
    'many-params': [
      [1, -2, 3, -4, 5, -6, 7n, -8n, 9.5, -10.25, true, 'λ', 'many', 14, 15n, 16.5, -17.75],
      [255, -128, 65535, -32768, 4294967295, -2147483648, 18446744073709551615n, -9223372036854775808n, -0, Infinity,
        false, '\u{10ffff}', '', 0, 0n, f32FromBits(0x00000001), -Number.MAX_VALUE],
    ],
    'split-u64': one(0x0123456789abcdefn, 18446744073709551615n, 0n),
  };
}

// ---- The driver (README "Inputs, and what the driver calls").

/** The import object of jco's `instantiate` (keyed WITHOUT `@0.1.0`: that is what jco 1.35 reads). */
export function importObject() {
  return { 'gfx-test:worlds/ops': createOpsHost() };
}

/**
 * Calls every exported `ops` function of `root` (jco's instantiated world) with the README inputs
 * in README order and appends one `export ops.<function>(<args>) -> <result>` line per call to `t`.
 * Exports returning a `result` throw on `err` in jco: `callResult` turns that back into a value.
 */
export function drive(t, root) {
  const ops = root.ops;
  const all = inputs();
  for (const [name, params, res] of SIGNATURES) {
    const fn = ops[camel(name)];
    if (typeof fn !== 'function') throw new Error(`jco's ops export has no ${camel(name)} (${name})`);
    for (const args of all[name]) {
      const argText = args.map((a, i) => params[i].show(a)); // what the host passes, before the call
      const r = res.isResult ? callResult(() => fn(...args)) : fn(...args);
      t.call('export ops.', name, argText, res.show(r));
    }
  }
}
