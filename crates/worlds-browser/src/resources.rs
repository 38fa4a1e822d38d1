//! World `resources` through our runtime: the host's `counter` resource (imported by the guest)
//! and the driver that exercises the guest's `accumulator` resource — tests/worlds/README.md,
//! "World `resources`", is the specification; the driver's call sequence is the wasmtime
//! oracle's (crates/worlds-wasmtime/src/resources.rs).

use std::collections::BTreeMap;

use gfx_component::abi::{Borrow, Guest, Resource, Trap};

use crate::bindings::resources::{self as bindings, accumulators, counters};
use crate::text::{text, Fmt, Show, Transcript};

/// A host counter: its id (1, 2, 3, … in creation order) and value.
struct Counter {
    id: u32,
    value: u32,
}

/// The host's counters (keyed by rep), how many it created, and its drop log.
#[derive(Default)]
pub(crate) struct Counters {
    live: BTreeMap<u32, Counter>,
    created: u32,
    drops: Vec<u32>,
}

impl Counters {
    fn create(&mut self, value: u32) -> Resource<counters::Counter> {
        self.created += 1;
        let rep = self.created;
        self.live.insert(rep, Counter { id: rep, value });
        Resource::new(rep)
    }

    fn get(&mut self, rep: u32) -> &mut Counter {
        // The runtime only hands out reps of live handles; a missing one is a host bug.
        self.live.entry(rep).or_insert(Counter { id: 0, value: 0 })
    }

    fn delete(&mut self, rep: u32) -> u32 {
        let c = self
            .live
            .remove(&rep)
            .unwrap_or(Counter { id: 0, value: 0 });
        self.drops.push(c.id);
        c.value
    }
}

impl counters::Host for Counters {
    fn counter_new(&mut self, start: u32) -> Resource<counters::Counter> {
        self.create(start)
    }
    fn counter_id(&mut self, c: Borrow<counters::Counter>) -> u32 {
        self.get(c.rep()).id
    }
    fn counter_get(&mut self, c: Borrow<counters::Counter>) -> u32 {
        self.get(c.rep()).value
    }
    fn counter_add(&mut self, c: Borrow<counters::Counter>, n: u32) -> u32 {
        let c = self.get(c.rep());
        c.value = c.value.wrapping_add(n);
        c.value
    }
    fn counter_merge(
        &mut self,
        a: Borrow<counters::Counter>,
        b: Borrow<counters::Counter>,
    ) -> Resource<counters::Counter> {
        let value = self
            .get(a.rep())
            .value
            .wrapping_add(self.get(b.rep()).value);
        self.create(value)
    }
    fn read(&mut self, c: Borrow<counters::Counter>) -> u32 {
        self.get(c.rep()).value
    }
    fn consume(&mut self, c: Resource<counters::Counter>) -> u32 {
        self.delete(c.rep())
    }
    fn pass_back(&mut self, c: Resource<counters::Counter>) -> Resource<counters::Counter> {
        c
    }
    fn drops(&mut self) -> Vec<u32> {
        self.drops.clone()
    }
    fn counter_drop(&mut self, c: Resource<counters::Counter>) {
        self.delete(c.rep());
    }
}

/// The host object the trampolines find (a `Box<dyn ResourcesHost>`).
pub(crate) struct World(pub(crate) Counters);

impl bindings::ResourcesHost for World {
    fn counters(&mut self) -> &mut dyn counters::Host {
        &mut self.0
    }
}

/// An accumulator's text: `accumulator(<label>)`, its label read with `label` (unlogged).
struct Acc(String);

impl Show for Acc {
    fn show(&self, out: &mut String) {
        out.push_str("accumulator(");
        self.0.show(out);
        out.push(')');
    }
}

type Handle = Resource<accumulators::Accumulator>;

fn borrow(r: &Handle) -> Borrow<accumulators::Accumulator> {
    Borrow::new(r.rep())
}

/// The text of accumulator `r` (calls its `label`).
fn acc(g: &mut dyn Guest, r: &Handle) -> Result<Acc, Trap> {
    Ok(Acc(bindings::call_accumulators_accumulator_label(
        g,
        borrow(r),
    )?))
}

/// `accumulator(<label>).<method>`: the name of a method call on `r`.
fn method(g: &mut dyn Guest, r: &Handle, name: &str) -> Result<String, Trap> {
    Ok(format!("{}.{name}", text(&acc(g, r)?)))
}

/// Runs the `resources` world: `run` (the guest exercises `counter`), then the driver's calls
/// of the guest's `accumulators`, in README order.
pub(crate) fn run(g: &mut dyn Guest) -> Result<String, Trap> {
    use bindings::{
        call_accumulators_accumulator_combine as combine, call_accumulators_accumulator_new as new,
        call_accumulators_accumulator_push as push, call_accumulators_accumulator_total as total,
        call_accumulators_describe as describe, call_accumulators_dropped as dropped,
        call_accumulators_finish as finish, call_accumulators_relabel as relabel,
    };
    let mut t = Transcript::default();
    t.line("== run ==");
    let guest_transcript = bindings::call_run(g)?;
    t.raw(&guest_transcript);
    t.line("== exports ==");
    const P: &str = "export ";
    let none: [&dyn Fmt; 0] = [];

    let a = new(g, "a".into())?;
    let shown = acc(g, &a)?;
    t.call(P, "accumulator.new", &[&"a"], &shown);
    for x in [1u32, 2] {
        let name = method(g, &a, "push")?;
        push(g, borrow(&a), x)?;
        t.call(P, &name, &[&x], &());
    }
    let name = method(g, &a, "total")?;
    let r = total(g, borrow(&a))?;
    t.call(P, &name, &none, &r);
    let name = method(g, &a, "label")?;
    let r = bindings::call_accumulators_accumulator_label(g, borrow(&a))?;
    t.call(P, &name, &none, &r);

    let b = new(g, "b".into())?;
    let shown = acc(g, &b)?;
    t.call(P, "accumulator.new", &[&"b"], &shown);
    let name = method(g, &b, "push")?;
    push(g, borrow(&b), 10)?;
    t.call(P, &name, &[&10u32], &());
    let arg = acc(g, &b)?;
    let r = describe(g, borrow(&b))?;
    t.call(P, "accumulators.describe", &[&arg], &r);

    let (arg_a, arg_b) = (acc(g, &a)?, acc(g, &b)?);
    let c = combine(g, borrow(&a), borrow(&b))?;
    let shown = acc(g, &c)?;
    t.call(P, "accumulator.combine", &[&arg_a, &arg_b], &shown);
    let name = method(g, &c, "total")?;
    let r = total(g, borrow(&c))?;
    t.call(P, &name, &none, &r);

    let arg = acc(g, &a)?;
    let a2 = relabel(g, a, "a2".into())?;
    let shown = acc(g, &a2)?;
    t.call(P, "accumulators.relabel", &[&arg, &"a2"], &shown);
    let name = method(g, &a2, "total")?;
    let r = total(g, borrow(&a2))?;
    t.call(P, &name, &none, &r);

    let arg = acc(g, &b)?;
    let r = finish(g, b)?;
    t.call(P, "accumulators.finish", &[&arg], &r);
    let r = dropped(g)?;
    t.call(P, "accumulators.dropped", &none, &r);

    for r in [c, a2] {
        t.line(&format!("drop {}", text(&acc(g, &r)?)));
        bindings::drop_accumulators_accumulator(g, r)?;
        let log = dropped(g)?;
        t.call(P, "accumulators.dropped", &none, &log);
    }
    Ok(t.finish())
}
