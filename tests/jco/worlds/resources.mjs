// World `resources` for jco: the host's `counter` resource (imported by the guest) and the host
// driver that exercises the guest's `accumulator` resource. tests/worlds/README.md, "World
// `resources`", is the specification; the wasmtime oracle's copy is
// crates/worlds-wasmtime/src/resources.rs.
//
// jco 1.35 and resources (read off the generated code):
// - A host resource is a JS class in the import object (`Counter`): the guest's constructor is
//   `new Counter(start)`, its methods are instance methods, `[static]counter.merge` is
//   `Counter.merge(a, b)`. Borrow and own parameters arrive as the very objects the host created
//   (jco keeps them in a rep → object table). When the guest drops its own handle
//   (`[resource-drop]counter`) jco calls the object's `[Symbol.dispose]()` (or
//   `Counter[Symbol.for('cabiDispose')](rep)` if the object is gone).
// - A guest resource is a class jco generates (`root.accumulators.Accumulator`): `new
//   Accumulator(label)`, instance methods, `Accumulator.combine(a, b)`. Passing an instance as an
//   own parameter (`finish`, `relabel`) moves it: jco disarms that JS object. The host drops its
//   own handle with `obj[Symbol.dispose]()`, which calls the guest's destructor synchronously.
import { list, quote, string, u32, u64 } from './text.mjs';

const symbolDispose = Symbol.dispose ?? Symbol.for('dispose'); // what jco 1.35 uses

// ---- The host's `counters` (README "What the host does").

/**
 * A fresh host state (one per instance: a count of created counters and a drop log) and the
 * `counters` interface jco's output destructures as `imports['gfx-test:worlds/counters']`.
 */
export function createCountersHost() {
  let created = 0;
  const dropLog = [];
  let valueOf; // (c) → the value of live counter c (set by Counter's static block)

  class Counter {
    #id;
    #value;
    #alive = true;

    /** README `[constructor]counter(start)`: id = the number of counters created so far. */
    constructor(start) {
      created += 1;
      this.#id = created;
      this.#value = start;
    }

    /** The counter behind a borrow or own the guest passed: must be a live counter of this host. */
    static #live(c) {
      if (!(c instanceof Counter) || !(#alive in c)) throw new TypeError(`not a host counter: ${c}`);
      if (!c.#alive) throw new Error(`counter#${c.#id} used after it was dropped`);
      return c;
    }

    id() {
      return Counter.#live(this).#id;
    }

    get() {
      return Counter.#live(this).#value;
    }

    /** README `add(n)`: value + n wrapping, returns the new value. */
    add(n) {
      Counter.#live(this).#value = (this.#value + n) >>> 0;
      return this.#value;
    }

    /** README `[static]counter.merge(a, b)`: a new counter (next id), a and b are borrows. */
    static merge(a, b) {
      return new Counter((Counter.#live(a).#value + Counter.#live(b).#value) >>> 0);
    }

    /** Destroys the counter: logs its id. jco calls it for `[resource-drop]counter`. */
    [symbolDispose]() {
      Counter.#live(this).#alive = false;
      dropLog.push(this.#id);
    }

    static {
      valueOf = (c) => Counter.#live(c).#value;
    }
  }

  return {
    Counter,
    /** README `read(c)`: the value of the borrowed `c`. */
    read: (c) => valueOf(c),
    /** README `consume(c)`: takes ownership, drops it (logged), returns its value. */
    consume: (c) => {
      const value = valueOf(c);
      c[symbolDispose]();
      return value;
    },
    /** README `pass-back(c)`: the same counter back, as a new own handle. */
    passBack: (c) => {
      valueOf(c); // must be live
      return c;
    },
    /** README `drops()`: the drop log. */
    drops: () => [...dropLog],
  };
}

/** The import object of jco's `instantiate` (keyed WITHOUT `@0.1.0`: that is what jco 1.35 reads). */
export function importObject() {
  return { 'gfx-test:worlds/counters': createCountersHost() };
}

// ---- The driver (README "Transcript" and the host driver's list).

/**
 * Runs the host driver's calls of README "World `resources`" on `root` (jco's instantiated world),
 * in order, appending their lines to `t`. An accumulator is written `accumulator(<label>)`, its
 * label read with `label()` (no line of its own) whenever one is written: before the call that
 * takes it when it is an argument. Follows crates/worlds-wasmtime/src/resources.rs call for call.
 */
export function drive(t, root) {
  const P = 'export ';
  const g = root.accumulators;
  const { Accumulator } = g;
  if (typeof Accumulator !== 'function') throw new Error('jco\'s accumulators export has no Accumulator class');

  /** `accumulator("<label>")`: calls `label`. */
  const acc = (a) => `accumulator(${quote(a.label())})`;
  /** `accumulator("<label>").<method>`. */
  const method = (a, name) => `${acc(a)}.${name}`;

  const a = new Accumulator('a');
  t.call(P, 'accumulator.new', [string.show('a')], acc(a));
  for (const x of [1, 2]) {
    const name = method(a, 'push');
    a.push(x);
    t.call(P, name, [u32.show(x)], '()');
  }
  let name = method(a, 'total');
  t.call(P, name, [], u64.show(a.total()));
  name = method(a, 'label');
  t.call(P, name, [], string.show(a.label()));

  const b = new Accumulator('b');
  t.call(P, 'accumulator.new', [string.show('b')], acc(b));
  name = method(b, 'push');
  b.push(10);
  t.call(P, name, [u32.show(10)], '()');
  let arg = acc(b);
  t.call(P, 'accumulators.describe', [arg], string.show(g.describe(b)));

  const [argA, argB] = [acc(a), acc(b)];
  const c = Accumulator.combine(a, b);
  t.call(P, 'accumulator.combine', [argA, argB], acc(c));
  name = method(c, 'total');
  t.call(P, name, [], u64.show(c.total()));

  arg = acc(a);
  const a2 = g.relabel(a, 'a2');
  t.call(P, 'accumulators.relabel', [arg, string.show('a2')], acc(a2));
  name = method(a2, 'total');
  t.call(P, name, [], u64.show(a2.total()));

  arg = acc(b);
  t.call(P, 'accumulators.finish', [arg], u64.show(g.finish(b)));
  t.call(P, 'accumulators.dropped', [], list(string).show(g.dropped()));

  for (const r of [c, a2]) {
    t.line(`drop ${acc(r)}`);
    r[symbolDispose]();
    t.call(P, 'accumulators.dropped', [], list(string).show(g.dropped()));
  }
}
