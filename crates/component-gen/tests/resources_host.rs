//! The generated bindings of world `resources` (tests/generated/resources.rs), run natively:
//! the host's `counter` driven through the lowered calls exactly as the guest's `run` does
//! (tests/worlds/README.md), the own/borrow rules and their traps, and the host driver's calls
//! into a fake guest that implements `accumulator` on the flat ABI.

#![deny(warnings)]

#[allow(dead_code)]
mod bindings {
    include!("generated/resources.rs");
}

use std::collections::HashMap;

use bindings::accumulators::Accumulator;
use bindings::counters::{self, Counter};
use bindings::*;
use gfx_component::abi::testing::VecMemory;
use gfx_component::abi::{
    self, Borrow, Cx, Flat, Guest, Resource, ResourceKind, ResourceTables, Trap,
};

// ---- the host's counters ----

#[derive(Default)]
struct Counters {
    created: u32,
    /// rep → (id, value). Reps are not ids (nor handles), so a mix-up shows.
    live: HashMap<u32, (u32, u32)>,
    log: Vec<u32>,
}

impl Counters {
    fn make(&mut self, value: u32) -> Resource<Counter> {
        self.created += 1;
        let rep = 1000 + 7 * self.created;
        self.live.insert(rep, (self.created, value));
        Resource::new(rep)
    }
    fn get(&self, rep: u32) -> (u32, u32) {
        self.live[&rep]
    }
    fn destroy(&mut self, rep: u32) -> u32 {
        let (id, value) = self.live.remove(&rep).expect("live counter");
        self.log.push(id);
        value
    }
}

impl counters::Host for Counters {
    fn counter_new(&mut self, start: u32) -> Resource<Counter> {
        self.make(start)
    }
    fn counter_id(&mut self, self_: Borrow<Counter>) -> u32 {
        self.get(self_.rep()).0
    }
    fn counter_get(&mut self, self_: Borrow<Counter>) -> u32 {
        self.get(self_.rep()).1
    }
    fn counter_add(&mut self, self_: Borrow<Counter>, n: u32) -> u32 {
        let c = self.live.get_mut(&self_.rep()).expect("live");
        c.1 = c.1.wrapping_add(n);
        c.1
    }
    fn counter_merge(&mut self, a: Borrow<Counter>, b: Borrow<Counter>) -> Resource<Counter> {
        let v = self.get(a.rep()).1.wrapping_add(self.get(b.rep()).1);
        self.make(v)
    }
    fn read(&mut self, c: Borrow<Counter>) -> u32 {
        self.get(c.rep()).1
    }
    fn consume(&mut self, c: Resource<Counter>) -> u32 {
        self.destroy(c.rep())
    }
    fn pass_back(&mut self, c: Resource<Counter>) -> Resource<Counter> {
        c
    }
    fn drops(&mut self) -> Vec<u32> {
        self.log.clone()
    }
    fn counter_drop(&mut self, r: Resource<Counter>) {
        self.destroy(r.rep());
    }
}

struct Inst {
    mem: VecMemory,
    tables: ResourceTables,
}

impl Inst {
    fn new() -> Self {
        Inst {
            mem: VecMemory::new(1, 0x4000),
            tables: ResourceTables::new(),
        }
    }
    fn cx(&mut self) -> Cx<'_> {
        Cx {
            memory: &mut self.mem,
            resources: &mut self.tables,
            instance: 0,
        }
    }
}

fn drops(cx: &mut Cx<'_>, h: &mut Counters) -> Vec<u32> {
    let ret = abi::malloc(cx, 8, 4).unwrap();
    counters_drops(cx, h, ret).unwrap();
    let (p, l) = (
        abi::load_i32(cx, ret, 0).unwrap(),
        abi::load_i32(cx, ret, 4).unwrap(),
    );
    abi::list_lift_canon::<u32>(cx, p, l).unwrap()
}

#[test]
fn the_guests_run_sequence_through_the_lowered_calls() {
    let mut inst = Inst::new();
    let mut h = Counters::default();
    let cx = &mut inst.cx();
    // 1.
    let c1 = counters_counter_new(cx, &mut h, 10).unwrap();
    assert_eq!(c1, 1, "the first handle of the instance");
    assert_eq!(counters_counter_add(cx, &mut h, c1, 5).unwrap(), 15);
    assert_eq!(counters_counter_get(cx, &mut h, c1).unwrap(), 15);
    assert_eq!(counters_counter_id(cx, &mut h, c1).unwrap(), 1);
    // 2.
    let c2 = counters_counter_new(cx, &mut h, 100).unwrap();
    assert_eq!(counters_read(cx, &mut h, c2).unwrap(), 100);
    // 3. Two borrows for one call, released when it returns.
    let c3 = counters_counter_merge(cx, &mut h, c1, c2).unwrap();
    assert_eq!(counters_counter_get(cx, &mut h, c3).unwrap(), 115);
    assert_eq!(cx.resources.get(c1 as u32).unwrap().lends, 0);
    assert_eq!(cx.resources.get(c2 as u32).unwrap().lends, 0);
    assert_eq!(cx.resources.lend_mark(), 0);
    // 4. The same counter comes back under a new handle; the old one is gone.
    let rep2 = cx.resources.get(c2 as u32).unwrap().rep;
    let c2b = counters_pass_back(cx, &mut h, c2).unwrap();
    assert_eq!(cx.resources.get(c2b as u32).unwrap().rep, rep2);
    assert_eq!(counters_counter_get(cx, &mut h, c2b).unwrap(), 100);
    // 5.
    assert_eq!(counters_consume(cx, &mut h, c1).unwrap(), 15);
    assert_eq!(drops(cx, &mut h), vec![1]);
    // 6. The guest drops its handle: the host destroys the counter.
    counters_counter_drop(cx, &mut h, c3).unwrap();
    assert_eq!(drops(cx, &mut h), vec![1, 3]);
    // 7.
    let c4 = counters_counter_new(cx, &mut h, -1).unwrap();
    assert_eq!(counters_counter_add(cx, &mut h, c4, 2).unwrap(), 1);
    // 8.
    counters_counter_drop(cx, &mut h, c2b).unwrap();
    counters_counter_drop(cx, &mut h, c4).unwrap();
    assert_eq!(drops(cx, &mut h), vec![1, 3, 2, 4]);
    assert_eq!(cx.resources.live(), 0);
    assert!(h.live.is_empty());
}

#[test]
fn dangling_handles_trap() {
    let mut inst = Inst::new();
    let mut h = Counters::default();
    let cx = &mut inst.cx();
    let c = counters_counter_new(cx, &mut h, 1).unwrap();
    counters_consume(cx, &mut h, c).unwrap();
    assert_eq!(
        counters_read(cx, &mut h, c).unwrap_err().0,
        format!("unknown handle {c}")
    );
    assert!(counters_consume(cx, &mut h, c).is_err());
    assert!(counters_counter_drop(cx, &mut h, c).is_err());
    assert!(
        counters_counter_get(cx, &mut h, 0).is_err(),
        "handle 0 is never valid"
    );
    assert!(counters_counter_get(cx, &mut h, 77).is_err());
    let d = counters_counter_new(cx, &mut h, 2).unwrap();
    counters_counter_drop(cx, &mut h, d).unwrap();
    assert!(counters_counter_drop(cx, &mut h, d).is_err(), "double drop");
    assert_eq!(h.log, vec![1, 2], "the host saw each counter dropped once");
}

#[test]
fn a_handle_of_another_resource_type_traps() {
    let mut inst = Inst::new();
    let mut h = Counters::default();
    let cx = &mut inst.cx();
    // The guest's own accumulator handle (`resource.new`) passed as a counter.
    let acc = abi::resource_new::<Accumulator>(cx, 5).unwrap();
    let calls_before = h.created;
    assert!(counters_read(cx, &mut h, acc)
        .unwrap_err()
        .0
        .contains("resource type 1, expected 0"));
    assert!(counters_consume(cx, &mut h, acc).is_err());
    assert!(counters_counter_drop(cx, &mut h, acc).is_err());
    assert_eq!(h.created, calls_before);
    assert_eq!(
        abi::resource_rep::<Accumulator>(cx, acc).unwrap(),
        5,
        "and it is untouched"
    );
}

#[test]
fn a_lent_handle_can_be_neither_dropped_nor_moved() {
    let mut inst = Inst::new();
    let mut h = Counters::default();
    let cx = &mut inst.cx();
    let c = counters_counter_new(cx, &mut h, 3).unwrap();
    // While a call holds a borrow of `c` (as during `read(c)`), a reentrant drop or move traps.
    let r = abi::scoped(cx, |cx| {
        let _b = abi::lift_borrow::<Counter>(cx, c)?;
        let drop = counters_counter_drop(cx, &mut h, c);
        assert!(drop.unwrap_err().0.contains("lent"));
        let moved = counters_consume(cx, &mut h, c);
        assert!(moved.unwrap_err().0.contains("lent"));
        // More borrows of it are fine.
        assert_eq!(counters_read(cx, &mut h, c)?, 3);
        Ok(())
    });
    r.unwrap();
    assert_eq!(cx.resources.get(c as u32).unwrap().lends, 0);
    counters_counter_drop(cx, &mut h, c).unwrap();
}

#[test]
fn a_borrow_handle_is_no_own() {
    let mut inst = Inst::new();
    let mut h = Counters::default();
    let cx = &mut inst.cx();
    let owned = h.make(9);
    cx.resources.begin_borrows();
    let b = abi::lower_borrow(cx, owned.borrow()).unwrap();
    // The guest can pass its borrow on as a borrow…
    assert_eq!(counters_read(cx, &mut h, b).unwrap(), 9);
    // …but not as an own.
    assert!(counters_consume(cx, &mut h, b)
        .unwrap_err()
        .0
        .contains("not an own"));
    assert!(counters_pass_back(cx, &mut h, b).is_err());
    assert!(
        cx.resources.end_borrows().is_err(),
        "not dropped before the export returned"
    );
    // Dropping a borrow handle ends the borrow; the host's counter lives on.
    cx.resources.begin_borrows();
    let b = abi::lower_borrow(cx, owned.borrow()).unwrap();
    counters_counter_drop(cx, &mut h, b).unwrap();
    assert!(cx.resources.end_borrows().is_ok());
    assert!(h.log.is_empty());
}

#[test]
fn resources_are_listed_with_their_identities() {
    assert_eq!(RESOURCES.len(), 2);
    assert_eq!(
        (
            RESOURCES[0].name,
            RESOURCES[0].ty,
            RESOURCES[0].guest_defined
        ),
        ("counter", Counter::TYPE, false)
    );
    assert_eq!(RESOURCES[0].interface, "gfx-test:worlds/counters@0.1.0");
    assert_eq!(
        (
            RESOURCES[1].name,
            RESOURCES[1].ty,
            RESOURCES[1].guest_defined
        ),
        ("accumulator", Accumulator::TYPE, true)
    );
}

#[test]
fn call_import_dispatches_by_core_name() {
    struct World(Counters);
    impl ResourcesHost for World {
        fn counters(&mut self) -> &mut dyn counters::Host {
            &mut self.0
        }
    }
    let mut inst = Inst::new();
    let mut w = World(Counters::default());
    let cx = &mut inst.cx();
    let c = call_import(
        cx,
        &mut w,
        "gfx-test:worlds/counters@0.1.0#[constructor]counter",
        &[Flat::I32(4)],
    )
    .unwrap();
    assert_eq!(c, vec![Flat::I32(1)]);
    let v = call_import(
        cx,
        &mut w,
        "gfx-test:worlds/counters@0.1.0#[method]counter.add",
        &[Flat::I32(1), Flat::I32(1)],
    )
    .unwrap();
    assert_eq!(v, vec![Flat::I32(5)]);
    call_import(
        cx,
        &mut w,
        "gfx-test:worlds/counters@0.1.0#[resource-drop]counter",
        &[Flat::I32(1)],
    )
    .unwrap();
    assert_eq!(w.0.log, vec![1]);
    assert!(call_import(cx, &mut w, "nope", &[]).is_err());
    assert!(
        call_import(cx, &mut w, "gfx-test:worlds/counters@0.1.0#read", &[]).is_err(),
        "missing argument"
    );
}

// ---- the guest's accumulators, on the flat ABI ----

/// What a guest built with wit-bindgen does for `accumulators`, written against the runtime's
/// primitives: `resource.new` / `resource.rep` / `resource.drop` on its own table, strings
/// through its memory, return areas it allocates.
struct AccGuest {
    inst: Inst,
    next_rep: u32,
    accs: HashMap<u32, (String, u64)>,
    log: Vec<String>,
    post_returns: usize,
    calls: usize,
}

const ACC: &str = "gfx-test:worlds/accumulators@0.1.0#";

impl AccGuest {
    fn new() -> Self {
        AccGuest {
            inst: Inst::new(),
            next_rep: 0x40,
            accs: HashMap::new(),
            log: Vec::new(),
            post_returns: 0,
            calls: 0,
        }
    }
    fn create(&mut self, label: String, total: u64) -> Result<i32, Trap> {
        self.next_rep += 0x10;
        self.accs.insert(self.next_rep, (label, total));
        abi::resource_new::<Accumulator>(&mut self.inst.cx(), self.next_rep as i32)
    }
    fn ret_string(&mut self, s: &str) -> Result<Vec<Flat>, Trap> {
        let cx = &mut self.inst.cx();
        let ret = abi::malloc(cx, 8, 4)?;
        let (p, l) = abi::string_lower(cx, s)?;
        abi::store_i32(cx, ret, 0, p)?;
        abi::store_i32(cx, ret, 4, l)?;
        Ok(vec![Flat::I32(ret)])
    }
    fn destroy(&mut self, rep: u32) {
        let (label, _) = self.accs.remove(&rep).expect("live accumulator");
        self.log.push(label);
    }
    /// The guest takes an own handle: `resource.rep`, later `resource.drop`.
    fn rep_of(&mut self, handle: i32) -> Result<u32, Trap> {
        Ok(abi::resource_rep::<Accumulator>(&mut self.inst.cx(), handle)? as u32)
    }
}

fn i32_arg(args: &[Flat], i: usize) -> Result<i32, Trap> {
    abi::flat_i32(args, i)
}

impl Guest for AccGuest {
    fn cx(&mut self) -> Cx<'_> {
        self.inst.cx()
    }
    fn call(&mut self, export: &str, args: &[Flat]) -> Result<Vec<Flat>, Trap> {
        self.calls += 1;
        let name = export
            .strip_prefix(ACC)
            .ok_or_else(|| Trap::new("unknown export"))?;
        match name {
            "[constructor]accumulator" => {
                let label =
                    abi::string_lift(&self.inst.cx(), i32_arg(args, 0)?, i32_arg(args, 1)?)?;
                Ok(vec![Flat::I32(self.create(label, 0)?)])
            }
            // Methods get the rep itself: the borrow is of a resource this guest implements.
            "[method]accumulator.label" => {
                let label = self.accs[&(i32_arg(args, 0)? as u32)].0.clone();
                self.ret_string(&label)
            }
            "[method]accumulator.push" => {
                let x = i32_arg(args, 1)? as u32;
                self.accs
                    .get_mut(&(i32_arg(args, 0)? as u32))
                    .ok_or_else(|| Trap::new("bad rep"))?
                    .1 += u64::from(x);
                Ok(vec![])
            }
            "[method]accumulator.total" => Ok(vec![Flat::I64(
                self.accs[&(i32_arg(args, 0)? as u32)].1 as i64,
            )]),
            "[static]accumulator.combine" => {
                let a = self.accs[&(i32_arg(args, 0)? as u32)].clone();
                let b = self.accs[&(i32_arg(args, 1)? as u32)].clone();
                Ok(vec![Flat::I32(
                    self.create(format!("{}+{}", a.0, b.0), a.1 + b.1)?,
                )])
            }
            "describe" => {
                let (label, total) = self.accs[&(i32_arg(args, 0)? as u32)].clone();
                self.ret_string(&format!("{label}={total}"))
            }
            "finish" => {
                let h = i32_arg(args, 0)?;
                let rep = self.rep_of(h)?;
                let total = self.accs[&rep].1;
                // Dropping its own handle runs its own destructor.
                let dropped = abi::drop_handle::<Accumulator>(&mut self.inst.cx(), h)?;
                assert_eq!(dropped.map(|r| r.rep()), Some(rep));
                self.destroy(rep);
                Ok(vec![Flat::I64(total as i64)])
            }
            "relabel" => {
                let h = i32_arg(args, 0)?;
                let label =
                    abi::string_lift(&self.inst.cx(), i32_arg(args, 1)?, i32_arg(args, 2)?)?;
                let rep = self.rep_of(h)?;
                self.accs
                    .get_mut(&rep)
                    .ok_or_else(|| Trap::new("bad rep"))?
                    .0 = label;
                // Returned as it came: the caller lifts (removes) the handle.
                Ok(vec![Flat::I32(h)])
            }
            "dropped" => {
                let log = self.log.clone();
                let cx = &mut self.inst.cx();
                let ret = abi::malloc(cx, 8, 4)?;
                let (p, l) = abi::list_lower(cx, log, 8, 4, |cx, s, base| {
                    let (sp, sl) = abi::string_lower(cx, &s)?;
                    abi::store_i32(cx, base, 0, sp)?;
                    abi::store_i32(cx, base, 4, sl)
                })?;
                abi::store_i32(cx, ret, 0, p)?;
                abi::store_i32(cx, ret, 4, l)?;
                Ok(vec![Flat::I32(ret)])
            }
            "[dtor]accumulator" => {
                self.destroy(i32_arg(args, 0)? as u32);
                Ok(vec![])
            }
            _ => Err(Trap::new("unknown export")),
        }
    }
    fn post_return(&mut self, _: &str, _: &[Flat]) -> Result<(), Trap> {
        self.post_returns += 1;
        Ok(())
    }
}

#[test]
fn the_host_drivers_sequence_through_the_export_callers() {
    let mut g = AccGuest::new();
    // 1.
    let a = call_accumulators_accumulator_new(&mut g, "a".into()).unwrap();
    call_accumulators_accumulator_push(&mut g, a.borrow(), 1).unwrap();
    call_accumulators_accumulator_push(&mut g, a.borrow(), 2).unwrap();
    assert_eq!(
        call_accumulators_accumulator_total(&mut g, a.borrow()).unwrap(),
        3
    );
    assert_eq!(
        call_accumulators_accumulator_label(&mut g, a.borrow()).unwrap(),
        "a"
    );
    assert_eq!(
        g.inst.tables.live(),
        0,
        "the host's own handle left the guest's table"
    );
    // 2.
    let b = call_accumulators_accumulator_new(&mut g, "b".into()).unwrap();
    call_accumulators_accumulator_push(&mut g, b.borrow(), 10).unwrap();
    assert_eq!(
        call_accumulators_describe(&mut g, b.borrow()).unwrap(),
        "b=10"
    );
    // 3.
    let c = call_accumulators_accumulator_combine(&mut g, a.borrow(), b.borrow()).unwrap();
    assert_eq!(
        call_accumulators_accumulator_total(&mut g, c.borrow()).unwrap(),
        13
    );
    // 4. Handed over and back: the same rep.
    let rep_a = a.rep();
    let a2 = call_accumulators_relabel(&mut g, a, "a2".into()).unwrap();
    assert_eq!(a2.rep(), rep_a);
    assert_eq!(
        call_accumulators_accumulator_total(&mut g, a2.borrow()).unwrap(),
        3
    );
    // 5.
    assert_eq!(call_accumulators_finish(&mut g, b).unwrap(), 10);
    assert_eq!(call_accumulators_dropped(&mut g).unwrap(), vec!["b"]);
    // 6. The host drops its own handles: the guest's destructor runs.
    drop_accumulators_accumulator(&mut g, c).unwrap();
    assert_eq!(call_accumulators_dropped(&mut g).unwrap(), vec!["b", "a+b"]);
    drop_accumulators_accumulator(&mut g, a2).unwrap();
    assert_eq!(
        call_accumulators_dropped(&mut g).unwrap(),
        vec!["b", "a+b", "a2"]
    );
    assert!(g.accs.is_empty());
    assert_eq!(g.inst.tables.live(), 0);
    // Every call but the destructors (no post-return there) was followed by post-return.
    assert_eq!(g.post_returns, g.calls - 2);
}

#[test]
fn guest_results_are_checked_handles() {
    let mut g = AccGuest::new();
    let a = call_accumulators_accumulator_new(&mut g, "a".into()).unwrap();
    // relabel hands back a handle the guest no longer has (here: a made-up one).
    let h = abi::lower_own(&mut g.inst.cx(), Resource::<Accumulator>::new(a.rep())).unwrap();
    abi::drop_handle::<Accumulator>(&mut g.inst.cx(), h).unwrap();
    struct Bad(AccGuest, Vec<Flat>);
    impl Guest for Bad {
        fn cx(&mut self) -> Cx<'_> {
            self.0.cx()
        }
        fn call(&mut self, _: &str, _: &[Flat]) -> Result<Vec<Flat>, Trap> {
            Ok(self.1.clone())
        }
        fn post_return(&mut self, _: &str, _: &[Flat]) -> Result<(), Trap> {
            Ok(())
        }
    }
    let mut bad = Bad(g, vec![Flat::I32(h)]);
    assert!(call_accumulators_accumulator_new(&mut bad, "x".into())
        .unwrap_err()
        .0
        .contains("unknown handle"));
    // A handle of the wrong type: a counter in the guest's table.
    let counter = abi::lower_own(&mut bad.0.inst.cx(), Resource::<Counter>::new(1)).unwrap();
    bad.1 = vec![Flat::I32(counter)];
    assert!(call_accumulators_accumulator_new(&mut bad, "x".into())
        .unwrap_err()
        .0
        .contains("resource type 0, expected 1"));
    // A borrow handle returned as an own.
    bad.0.inst.tables.begin_borrows();
    let b = bad
        .0
        .inst
        .tables
        .lower_borrow(Accumulator::TYPE, 3)
        .unwrap();
    bad.1 = vec![Flat::I32(b as i32)];
    assert!(call_accumulators_accumulator_new(&mut bad, "x".into())
        .unwrap_err()
        .0
        .contains("not an own"));
}
