//! World `resources`: the host's `counter` resource (imported by the guest) and the driver that
//! exercises the guest's `accumulator` resource. tests/worlds/README.md, "World `resources`",
//! is the specification.

use anyhow::Result;
use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceAny, ResourceTable};
use wasmtime::{Engine, Store};

use crate::text::{Fmt, Show, Transcript, text};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../tests/worlds/wit",
        world: "gfx-test:worlds/resources",
        imports: { default: trappable },
        with: {
            "gfx-test:worlds/counters.counter": super::Counter,
        },
    });
}

use bindings::gfx_test::worlds::counters;

/// The host's counter: its id (1, 2, 3, ... in creation order) and value.
pub struct Counter {
    id: u32,
    value: u32,
}

/// Store data of a `resources` run.
struct ResourcesHost {
    table: ResourceTable,
    /// Ids handed out so far.
    created: u32,
    /// Ids of the dropped counters, in drop order.
    drops: Vec<u32>,
}

impl ResourcesHost {
    fn create(&mut self, value: u32) -> wasmtime::Result<Resource<Counter>> {
        self.created += 1;
        Ok(self.table.push(Counter {
            id: self.created,
            value,
        })?)
    }

    fn counter(&self, c: &Resource<Counter>) -> wasmtime::Result<&Counter> {
        Ok(self.table.get(c)?)
    }

    fn delete(&mut self, c: Resource<Counter>) -> wasmtime::Result<Counter> {
        let counter = self.table.delete(c)?;
        self.drops.push(counter.id);
        Ok(counter)
    }
}

impl counters::HostCounter for ResourcesHost {
    fn new(&mut self, start: u32) -> wasmtime::Result<Resource<Counter>> {
        self.create(start)
    }

    fn id(&mut self, c: Resource<Counter>) -> wasmtime::Result<u32> {
        Ok(self.counter(&c)?.id)
    }

    fn get(&mut self, c: Resource<Counter>) -> wasmtime::Result<u32> {
        Ok(self.counter(&c)?.value)
    }

    fn add(&mut self, c: Resource<Counter>, n: u32) -> wasmtime::Result<u32> {
        let counter = self.table.get_mut(&c)?;
        counter.value = counter.value.wrapping_add(n);
        Ok(counter.value)
    }

    fn merge(
        &mut self,
        a: Resource<Counter>,
        b: Resource<Counter>,
    ) -> wasmtime::Result<Resource<Counter>> {
        let value = self
            .counter(&a)?
            .value
            .wrapping_add(self.counter(&b)?.value);
        self.create(value)
    }

    fn drop(&mut self, c: Resource<Counter>) -> wasmtime::Result<()> {
        self.delete(c)?;
        Ok(())
    }
}

impl counters::Host for ResourcesHost {
    fn read(&mut self, c: Resource<Counter>) -> wasmtime::Result<u32> {
        Ok(self.counter(&c)?.value)
    }

    fn consume(&mut self, c: Resource<Counter>) -> wasmtime::Result<u32> {
        Ok(self.delete(c)?.value)
    }

    fn pass_back(&mut self, c: Resource<Counter>) -> wasmtime::Result<Resource<Counter>> {
        Ok(c)
    }

    fn drops(&mut self) -> wasmtime::Result<Vec<u32>> {
        Ok(self.drops.clone())
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

type Accumulators = bindings::exports::gfx_test::worlds::accumulators::Guest;
type AccumulatorFns<'a> = bindings::exports::gfx_test::worlds::accumulators::GuestAccumulator<'a>;

/// The text of accumulator `r` (calls its `label`).
fn acc(f: &AccumulatorFns<'_>, s: &mut Store<ResourcesHost>, r: ResourceAny) -> Result<Acc> {
    Ok(Acc(f.call_label(s, r)?))
}

/// `accumulator(<label>).<method>`: the name of a method call on `r`.
fn method(
    f: &AccumulatorFns<'_>,
    s: &mut Store<ResourcesHost>,
    r: ResourceAny,
    name: &str,
) -> Result<String> {
    Ok(format!("{}.{name}", text(&acc(f, s, r)?)))
}

/// Runs the `resources` world: `run` (the guest exercises `counter`), then the driver's calls of
/// the guest's `accumulators`, in README order.
pub(crate) fn run(engine: &Engine, component: &Component) -> Result<String> {
    let mut linker = Linker::new(engine);
    bindings::Resources::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    let mut store = Store::new(
        engine,
        ResourcesHost {
            table: ResourceTable::new(),
            created: 0,
            drops: Vec::new(),
        },
    );
    let world = bindings::Resources::instantiate(&mut store, component, &linker)?;

    let mut t = Transcript::default();
    t.line("== run ==");
    let guest_transcript = world.call_run(&mut store)?;
    t.raw(&guest_transcript);
    t.line("== exports ==");
    drive(&mut t, world.gfx_test_worlds_accumulators(), &mut store)?;
    Ok(t.finish())
}

/// The host driver's calls of README "World `resources`", in order.
fn drive(t: &mut Transcript, g: &Accumulators, s: &mut Store<ResourcesHost>) -> Result<()> {
    const P: &str = "export ";
    let none: [&dyn Fmt; 0] = [];
    let f = &g.accumulator();

    let a = f.call_constructor(&mut *s, "a")?;
    t.call(P, "accumulator.new", &[&"a"], &acc(f, s, a)?);
    for x in [1u32, 2] {
        let name = method(f, s, a, "push")?;
        f.call_push(&mut *s, a, x)?;
        t.call(P, &name, &[&x], &());
    }
    let name = method(f, s, a, "total")?;
    let r = f.call_total(&mut *s, a)?;
    t.call(P, &name, &none, &r);
    let name = method(f, s, a, "label")?;
    let r = f.call_label(&mut *s, a)?;
    t.call(P, &name, &none, &r);

    let b = f.call_constructor(&mut *s, "b")?;
    t.call(P, "accumulator.new", &[&"b"], &acc(f, s, b)?);
    let name = method(f, s, b, "push")?;
    f.call_push(&mut *s, b, 10)?;
    t.call(P, &name, &[&10u32], &());
    let arg = acc(f, s, b)?;
    let r = g.call_describe(&mut *s, b)?;
    t.call(P, "accumulators.describe", &[&arg], &r);

    let (arg_a, arg_b) = (acc(f, s, a)?, acc(f, s, b)?);
    let c = f.call_combine(&mut *s, a, b)?;
    t.call(P, "accumulator.combine", &[&arg_a, &arg_b], &acc(f, s, c)?);
    let name = method(f, s, c, "total")?;
    let r = f.call_total(&mut *s, c)?;
    t.call(P, &name, &none, &r);

    let arg = acc(f, s, a)?;
    let a2 = g.call_relabel(&mut *s, a, "a2")?;
    t.call(P, "accumulators.relabel", &[&arg, &"a2"], &acc(f, s, a2)?);
    let name = method(f, s, a2, "total")?;
    let r = f.call_total(&mut *s, a2)?;
    t.call(P, &name, &none, &r);

    let arg = acc(f, s, b)?;
    let r = g.call_finish(&mut *s, b)?;
    t.call(P, "accumulators.finish", &[&arg], &r);
    let r = g.call_dropped(&mut *s)?;
    t.call(P, "accumulators.dropped", &none, &r);

    for r in [c, a2] {
        t.line(&format!("drop {}", text(&acc(f, s, r)?)));
        r.resource_drop(&mut *s)?;
        let dropped = g.call_dropped(&mut *s)?;
        t.call(P, "accumulators.dropped", &none, &dropped);
    }
    Ok(())
}
