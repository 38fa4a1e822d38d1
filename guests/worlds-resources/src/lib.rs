//! Test guest of the `resources` world (`tests/worlds/wit/resources.wit`).
//!
//! It exports the resource `accumulator` (README "World `resources`": a label and a running
//! total; its destructor logs the label, which `dropped` returns) and `run`, which exercises the
//! host's `counter` resource in the fixed order of README and returns the transcript.

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../tests/worlds/wit",
        world: "gfx-test:worlds/resources",
        generate_all,
    });
}

#[path = "../../worlds-values/src/text.rs"]
#[allow(dead_code)]
mod text;

use std::cell::{Cell, RefCell};

use bindings::exports::gfx_test::worlds::accumulators::{
    self, Accumulator, AccumulatorBorrow, GuestAccumulator,
};
use bindings::gfx_test::worlds::counters::{self, Counter};
use text::{Fmt, Transcript};

/// Labels of the accumulators whose destructor ran, in order.
static DROPPED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The guest's accumulator: a label and the sum of the pushed values.
pub struct MyAccumulator {
    label: RefCell<String>,
    total: Cell<u64>,
}

impl Drop for MyAccumulator {
    fn drop(&mut self) {
        if let Ok(mut dropped) = DROPPED.lock() {
            dropped.push(self.label.take());
        }
    }
}

impl GuestAccumulator for MyAccumulator {
    fn new(label: String) -> Self {
        MyAccumulator {
            label: RefCell::new(label),
            total: Cell::new(0),
        }
    }

    fn label(&self) -> String {
        self.label.borrow().clone()
    }

    fn push(&self, x: u32) {
        self.total.set(self.total.get().wrapping_add(u64::from(x)));
    }

    fn total(&self) -> u64 {
        self.total.get()
    }

    fn combine(a: AccumulatorBorrow<'_>, b: AccumulatorBorrow<'_>) -> Accumulator {
        let (a, b) = (a.get::<MyAccumulator>(), b.get::<MyAccumulator>());
        let combined = MyAccumulator {
            label: RefCell::new(format!("{}+{}", a.label.borrow(), b.label.borrow())),
            total: Cell::new(a.total.get().wrapping_add(b.total.get())),
        };
        Accumulator::new(combined)
    }
}

struct Component;

impl accumulators::Guest for Component {
    type Accumulator = MyAccumulator;

    fn describe(a: AccumulatorBorrow<'_>) -> String {
        let a = a.get::<MyAccumulator>();
        format!("{}={}", a.label.borrow(), a.total.get())
    }

    fn finish(a: Accumulator) -> u64 {
        // Dropping `a` at the end of this function runs the destructor (logs the label).
        a.get::<MyAccumulator>().total.get()
    }

    fn relabel(a: Accumulator, label: String) -> Accumulator {
        *a.get::<MyAccumulator>().label.borrow_mut() = label;
        a
    }

    fn dropped() -> Vec<String> {
        DROPPED.lock().map(|d| d.clone()).unwrap_or_default()
    }
}

impl bindings::Guest for Component {
    fn run() -> String {
        let mut t = Transcript::default();
        run_counters(&mut t);
        t.finish()
    }
}

bindings::export!(Component with_types_in bindings);

/// A counter's text, `counter#<id>` (README "World `resources`"); it calls `id`, unlogged.
struct Id(u32);

impl text::Show for Id {
    fn show(&self, out: &mut String) {
        out.push_str("counter#");
        self.0.show(out);
    }
}

fn id(c: &Counter) -> Id {
    Id(c.id())
}

/// The calls of README "World `resources`", guest side, in order.
fn run_counters(t: &mut Transcript) {
    const P: &str = "import ";
    let none: [&dyn Fmt; 0] = [];

    let c1 = Counter::new(10);
    t.call(P, "counter.new", &[&10u32], &id(&c1));
    let r = c1.add(5);
    t.call(P, &format!("{}.add", text::text(&id(&c1))), &[&5u32], &r);
    let r = c1.get();
    t.call(P, &format!("{}.get", text::text(&id(&c1))), &none, &r);
    let r = c1.id();
    t.call(P, &format!("{}.id", text::text(&id(&c1))), &none, &r);

    let c2 = Counter::new(100);
    t.call(P, "counter.new", &[&100u32], &id(&c2));
    let r = counters::read(&c2);
    t.call(P, "counters.read", &[&id(&c2)], &r);

    let c3 = Counter::merge(&c1, &c2);
    t.call(P, "counter.merge", &[&id(&c1), &id(&c2)], &id(&c3));
    let r = c3.get();
    t.call(P, &format!("{}.get", text::text(&id(&c3))), &none, &r);

    let arg = id(&c2);
    let c2 = counters::pass_back(c2);
    t.call(P, "counters.pass-back", &[&arg], &id(&c2));
    let r = c2.get();
    t.call(P, &format!("{}.get", text::text(&id(&c2))), &none, &r);

    let arg = id(&c1);
    let r = counters::consume(c1);
    t.call(P, "counters.consume", &[&arg], &r);
    t.call(P, "counters.drops", &none, &counters::drops());

    t.line(&format!("drop {}", text::text(&id(&c3))));
    drop(c3);
    t.call(P, "counters.drops", &none, &counters::drops());

    let c4 = Counter::new(4294967295);
    t.call(P, "counter.new", &[&4294967295u32], &id(&c4));
    let r = c4.add(2);
    t.call(P, &format!("{}.add", text::text(&id(&c4))), &[&2u32], &r);

    t.line(&format!("drop {}", text::text(&id(&c2))));
    drop(c2);
    t.line(&format!("drop {}", text::text(&id(&c4))));
    drop(c4);
    t.call(P, "counters.drops", &none, &counters::drops());
}
