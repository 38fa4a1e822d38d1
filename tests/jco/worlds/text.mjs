// The transcript text of component values (tests/worlds/README.md, "Value text" and "The
// transcript"), for values in jco's JavaScript representation.
//
// JavaScript values do not carry their WIT type (u8, s32, f32 and f64 are all `number`), so the
// formatting is type-directed, like the wasmtime oracle's `Show` trait
// (crates/worlds-wasmtime/src/text.rs): every WIT type is a descriptor `{ wit, show(value) }`
// built from the constructors below, and `show` returns the value's text. Each `show` also checks
// that jco handed over the representation jco 1.35 documents (u64/s64 as BigInt, chars as
// one-code-point strings, list<u8> as Uint8Array, ...) and throws a TypeError otherwise, so a
// wrong representation fails loudly instead of printing something plausible.
//
// jco's representation (js-component-bindgen 1.35, checked against the generated code):
//   bool → boolean; u8…u32, s8…s32, f32, f64 → number; u64, s64 → bigint;
//   char → a string of one code point; string → string; list<u8> → Uint8Array;
//   list<u32> → Uint32Array or Array (jco lifts the former, accepts both); other lists → Array;
//   record → object with lowerCamelCase field names; tuple → Array;
//   variant → { tag: '<case>', val }; enum → '<case>';
//   option<T> → T | undefined, except when T is itself an option: then { tag: 'none' } |
//   { tag: 'some', val: T } (the outer option is tagged, the inner one nullable);
//   result<T, E> → { tag: 'ok' | 'err', val } as a parameter or an import's return (exports
//   returning a result throw a ComponentError with `.payload` for `err`: see `callResult`);
//   flags → object of booleans keyed by lowerCamelCase flag names (absent = unset).

/** `kebab-case` → `lowerCamelCase`: jco's names of functions, fields and flags. */
export function camel(name) {
  return name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** `kebab-case` → `UpperCamelCase`: jco's names of resource classes. */
export function pascal(name) {
  const c = camel(name);
  return c[0].toUpperCase() + c.slice(1);
}

function typeError(wit, value, why = '') {
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? JSON.stringify(value) : String(value);
  return new TypeError(`not a jco ${wit}${why ? ` (${why})` : ''}: ${typeof value} ${shown}`);
}

// ---- Primitives (README "Value text": bool, s8 … u64, f32, f64, char, string).

export const bool = {
  wit: 'bool',
  show(v) {
    if (typeof v !== 'boolean') throw typeError('bool', v);
    return v ? 'true' : 'false';
  },
};

/** An integer type that jco represents as a `number`: decimal text. */
function smallInt(wit, min, max) {
  return {
    wit,
    show(v) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw typeError(wit, v, `an integer in [${min}, ${max}]`);
      return Object.is(v, -0) ? '0' : String(v);
    },
  };
}

/** A 64-bit integer type, a `bigint` in jco: decimal text. */
function bigInt(wit, bits, signed) {
  const convert = signed ? BigInt.asIntN : BigInt.asUintN;
  return {
    wit,
    show(v) {
      if (typeof v !== 'bigint' || convert(bits, v) !== v) throw typeError(wit, v, `a bigint in ${wit}'s range`);
      return v.toString();
    },
  };
}

export const u8 = smallInt('u8', 0, 0xff);
export const s8 = smallInt('s8', -0x80, 0x7f);
export const u16 = smallInt('u16', 0, 0xffff);
export const s16 = smallInt('s16', -0x8000, 0x7fff);
export const u32 = smallInt('u32', 0, 0xffffffff);
export const s32 = smallInt('s32', -0x80000000, 0x7fffffff);
export const u64 = bigInt('u64', 64, false);
export const s64 = bigInt('s64', 64, true);

const scratch = new DataView(new ArrayBuffer(8));

/** The IEEE 754 bits of the f32 `x` (a number that Math.fround leaves unchanged). */
export function f32Bits(x) {
  scratch.setFloat32(0, x);
  return scratch.getUint32(0);
}

/** The f32 with IEEE 754 bits `bits` (a u32), as a JS number (exact: every f32 is a double). */
export function f32FromBits(bits) {
  scratch.setUint32(0, bits);
  return scratch.getFloat32(0);
}

/** The IEEE 754 bits of the f64 `x`, as a bigint. */
export function f64Bits(x) {
  scratch.setFloat64(0, x);
  return scratch.getBigUint64(0);
}

/** The f64 with IEEE 754 bits `bits` (a bigint). */
export function f64FromBits(bits) {
  scratch.setBigUint64(0, bits);
  return scratch.getFloat64(0);
}

/** `-x` as README defines it for floats: the sign bit flipped, nothing else (NaN payloads kept). */
export function negF32(x) {
  return f32FromBits((f32Bits(x) ^ 0x80000000) >>> 0);
}

export function negF64(x) {
  return f64FromBits(f64Bits(x) ^ 0x8000000000000000n);
}

export const f32 = {
  wit: 'f32',
  show(v) {
    // An f32 is a number that rounding to f32 leaves unchanged (NaN aside): a double that is not
    // an f32 would show f32 bits of a value the guest never had.
    if (typeof v !== 'number' || (!Number.isNaN(v) && Math.fround(v) !== v)) throw typeError('f32', v, 'a number exact in f32');
    return `0x${f32Bits(v).toString(16).padStart(8, '0')}`;
  },
};

export const f64 = {
  wit: 'f64',
  show(v) {
    if (typeof v !== 'number') throw typeError('f64', v);
    return `0x${f64Bits(v).toString(16).padStart(16, '0')}`;
  },
};

/** Whether `s` is well-formed UTF-16 (no lone surrogates): the text of a component string. */
function wellFormed(s) {
  return !/\p{Surrogate}/u.test(s);
}

export const char = {
  wit: 'char',
  show(v) {
    if (typeof v !== 'string' || !wellFormed(v) || [...v].length !== 1) throw typeError('char', v, 'a string of one Unicode scalar value');
    return `U+${v.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  },
};

/** README: `"` → `\"`, `\` → `\\`, U+0000–U+001F and U+007F → `\u{xx}`, the rest as itself. */
export function quote(s) {
  let out = '"';
  for (const c of s) {
    const cp = c.codePointAt(0);
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (cp <= 0x1f || cp === 0x7f) out += `\\u{${cp.toString(16).padStart(2, '0')}}`;
    else out += c;
  }
  return `${out}"`;
}

export const string = {
  wit: 'string',
  show(v) {
    if (typeof v !== 'string' || !wellFormed(v)) throw typeError('string', v, 'well-formed UTF-16');
    return quote(v);
  },
};

// ---- Lists (README: `list<u8>` as hex or length + FNV-1a, other lists as `[a, b]`).

/** FNV-1a, 32-bit: offset basis 0x811c9dc5, prime 0x01000193. */
export function fnv1a32(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

export const bytes = {
  wit: 'list<u8>',
  show(v) {
    if (!(v instanceof Uint8Array)) throw typeError('list<u8>', v, 'a Uint8Array');
    if (v.length <= 32) return `hex:${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    return `bytes(len=${v.length}, fnv1a32=0x${fnv1a32(v).toString(16).padStart(8, '0')})`;
  },
};

/** `list<T>`; `list(u8)` is `bytes`. */
export function list(elem) {
  if (elem === u8) return bytes;
  return {
    wit: `list<${elem.wit}>`,
    show(v) {
      const ok = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
      if (!ok) throw typeError(this.wit, v, 'an Array or a typed array');
      return `[${Array.from(v, (e) => elem.show(e)).join(', ')}]`;
    },
  };
}

// ---- Records, tuples, variants, enums, options, results, flags.

/** `record name { f: T, ... }` with `fields` = [[witName, type], ...] in declaration order. */
export function record(name, fields) {
  return {
    wit: name,
    fields,
    show(v) {
      if (v === null || typeof v !== 'object') throw typeError(name, v, 'an object');
      return `{${fields.map(([f, t]) => `${f}: ${t.show(v[camel(f)])}`).join(', ')}}`;
    },
  };
}

export function tuple(...elems) {
  return {
    wit: `tuple<${elems.map((t) => t.wit).join(', ')}>`,
    show(v) {
      if (!Array.isArray(v) || v.length !== elems.length) throw typeError(this.wit, v, `an Array of ${elems.length}`);
      return `(${elems.map((t, i) => t.show(v[i])).join(', ')})`;
    },
  };
}

/** `name` or `name(payload)`: a variant, option or result case (`type` null: no payload). */
function showCase(name, type, val) {
  return type ? `${name}(${type.show(val)})` : name;
}

/** `variant name { case(T), ... }` with `cases` = [[witName, type | null], ...]. */
export function variant(name, cases) {
  const byTag = new Map(cases);
  return {
    wit: name,
    cases: cases.map(([c]) => c),
    show(v) {
      if (v === null || typeof v !== 'object' || !byTag.has(v.tag)) throw typeError(name, v, `{ tag, val } with a case of ${name}`);
      return showCase(v.tag, byTag.get(v.tag), v.val);
    },
  };
}

export function enumType(name, cases) {
  return {
    wit: name,
    cases,
    show(v) {
      if (!cases.includes(v)) throw typeError(name, v, `one of ${cases.join(', ')}`);
      return v;
    },
  };
}

/** `option<T>`: `undefined` / the value, or tagged when T is itself an option (jco's rule). */
export function option(inner) {
  const tagged = inner.isOption === true;
  return {
    wit: `option<${inner.wit}>`,
    isOption: true,
    tagged,
    show(v) {
      if (tagged) {
        if (v === null || typeof v !== 'object' || (v.tag !== 'none' && v.tag !== 'some')) throw typeError(this.wit, v, '{ tag: none | some }');
        return v.tag === 'none' ? 'none' : showCase('some', inner, v.val);
      }
      return v === undefined || v === null ? 'none' : showCase('some', inner, v);
    },
  };
}

/** `result<T, E>`, `ok`/`err` null for `_`: `{ tag: 'ok' | 'err', val }`. */
export function result(ok, err) {
  return {
    wit: `result<${ok ? ok.wit : '_'}, ${err ? err.wit : '_'}>`,
    isResult: true,
    show(v) {
      if (v === null || typeof v !== 'object' || (v.tag !== 'ok' && v.tag !== 'err')) throw typeError(this.wit, v, '{ tag: ok | err, val }');
      return v.tag === 'ok' ? showCase('ok', ok, v.val) : showCase('err', err, v.val);
    },
  };
}

/** `flags name { a, b, ... }`: `{a, c}`, the set flags in declaration order. */
export function flags(name, names) {
  return {
    wit: name,
    names,
    show(v) {
      if (v === null || typeof v !== 'object') throw typeError(name, v, 'an object of booleans');
      for (const [k, b] of Object.entries(v)) {
        if (!names.some((n) => camel(n) === k) || (b !== undefined && typeof b !== 'boolean')) throw typeError(name, v, `flag ${k}`);
      }
      return `{${names.filter((n) => v[camel(n)] === true).join(', ')}}`;
    },
  };
}

/** A function without a result: `-> ()`. */
export const unit = { wit: '()', show: () => '()' };

/** A value whose text is already made (resource handles: the worlds say what is written). */
export const shown = { wit: '(text)', show: (v) => v };

// ---- Calls into jco's exports.

/**
 * Calls `fn` (an export of jco's output whose WIT result is a `result`) and returns the result as
 * `{ tag, val }`: jco 1.35 returns the `ok` payload and throws a `ComponentError` (a generated class,
 * not exported) whose own property `payload` is the `err` payload. Anything else thrown (a trap) is
 * rethrown.
 */
export function callResult(fn) {
  try {
    return { tag: 'ok', val: fn() };
  } catch (e) {
    if (e instanceof Error && e.constructor.name === 'ComponentError' && Object.hasOwn(e, 'payload')) return { tag: 'err', val: e.payload };
    throw e;
  }
}

// ---- The transcript (README "The transcript").

export class Transcript {
  #text = '';

  /** Appends `<prefix><name>(<args>) -> <result>`; `args` and `result` are texts already. */
  call(prefix, name, args, resultText) {
    this.#text += `${prefix}${name}(${args.join(', ')}) -> ${resultText}\n`;
  }

  /** Appends `text` as it is (the guest's `run` transcript: whole lines, each ending in `\n`). */
  raw(text) {
    this.#text += text;
  }

  /** Appends one line. */
  line(line) {
    this.#text += `${line}\n`;
  }

  finish() {
    return this.#text;
  }
}

/**
 * The first line where `actual` and `expected` differ, as a message naming the line number and
 * both lines, or null when they are byte-identical.
 */
export function firstDifference(actual, expected) {
  if (actual === expected) return null;
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) {
      const show = (l) => (l === undefined ? '<end of text>' : JSON.stringify(l));
      return `line ${i + 1} differs:\n  actual:   ${show(a[i])}\n  expected: ${show(e[i])}`;
    }
  }
  return 'the texts differ (not in any line?)';
}
