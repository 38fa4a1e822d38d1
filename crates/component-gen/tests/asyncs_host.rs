//! Async functions (tests/wit/asyncs.wit) through the generated bindings on a fake memory:
//! async-lowered imports lift their arguments during the call and write their results at the
//! return pointer only when the host's future has finished and the runtime completes the
//! `Pending`; async export callers lower their arguments when the task starts and lift the
//! result inside `task.return` (a fake `AsyncGuest` clobbers the memory right after).

#![deny(warnings)]

#[allow(dead_code)]
mod bindings {
    include!("generated/asyncs.rs");
}

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use bindings::host_calls::{self, Pair};
use bindings::*;
use gfx_component::abi::testing::VecMemory;
use gfx_component::abi::{
    AsyncCall, AsyncGuest, Borrow, Cx, Flat, LiftResult, LowerArgs, Pending, Resource,
    ResourceTables, Trap,
};
use wit_parser::abi::AbiVariant;
use wit_parser::{Resolve, SizeAlign, Type, WorldItem};

/// Ready on its second poll (it wakes itself on the first): "a later turn".
struct Later<T> {
    value: Option<T>,
    polled: bool,
    dropped: Rc<Cell<bool>>,
}

impl<T: Unpin> Future for Later<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if !self.polled {
            self.polled = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.value.take().expect("polled after Ready"))
    }
}

impl<T> Drop for Later<T> {
    fn drop(&mut self) {
        self.dropped.set(true);
    }
}

#[derive(Default)]
struct Host {
    /// Every call as the host saw its (lifted) arguments.
    calls: Vec<String>,
    /// Set when the last future was dropped.
    dropped: Rc<Cell<bool>>,
}

impl Host {
    fn later<T: Unpin + 'static>(&mut self, v: T) -> Pin<Box<dyn Future<Output = T>>> {
        self.dropped = Rc::new(Cell::new(false));
        Box::pin(Later {
            value: Some(v),
            polled: false,
            dropped: self.dropped.clone(),
        })
    }
}

impl host_calls::Host for Host {
    fn echo(&mut self, x: u32) -> Pin<Box<dyn Future<Output = u32>>> {
        self.calls.push(format!("echo({x})"));
        self.later(x)
    }
    fn reverse(&mut self, s: String) -> Pin<Box<dyn Future<Output = String>>> {
        self.calls.push(format!("reverse({s:?})"));
        self.later(s.chars().rev().collect())
    }
    fn swap(&mut self, p: Pair) -> Pin<Box<dyn Future<Output = Pair>>> {
        self.calls.push(format!("swap({p:?})"));
        self.later(Pair {
            a: p.a + 1,
            s: format!("<{}>", p.s),
        })
    }
    fn five(
        &mut self,
        a: u8,
        b: u16,
        c: u32,
        d: u64,
        e: f32,
    ) -> Pin<Box<dyn Future<Output = u64>>> {
        self.calls.push(format!("five({a}, {b}, {c}, {d}, {e})"));
        self.later(u64::from(a) + u64::from(b) + u64::from(c) + d + e as u64)
    }
    fn notify(&mut self, n: i32) -> Pin<Box<dyn Future<Output = ()>>> {
        self.calls.push(format!("notify({n})"));
        self.later(())
    }
    fn tick(&mut self) -> Pin<Box<dyn Future<Output = bool>>> {
        self.calls.push("tick()".into());
        self.later(true)
    }
    fn count(&mut self) -> u32 {
        self.calls.len() as u32
    }
    fn timer_new(&mut self) -> Resource<host_calls::Timer> {
        self.calls.push("timer()".into());
        Resource::new(7)
    }
    fn timer_wait(
        &mut self,
        timer: Borrow<host_calls::Timer>,
        ms: u32,
    ) -> Pin<Box<dyn Future<Output = u32>>> {
        self.calls.push(format!("timer{}.wait({ms})", timer.rep()));
        self.later(ms * 2)
    }
    fn timer_drop(&mut self, r: Resource<host_calls::Timer>) {
        self.calls.push(format!("drop timer{}", r.rep()));
    }
}

impl AsyncsHost for Host {
    fn host_calls(&mut self) -> &mut dyn host_calls::Host {
        self
    }
    fn sleep(&mut self, ms: u32) -> Pin<Box<dyn Future<Output = ()>>> {
        self.calls.push(format!("sleep({ms})"));
        self.later(())
    }
}

struct Inst {
    mem: VecMemory,
    tables: ResourceTables,
}

impl Inst {
    fn new() -> Self {
        Inst {
            mem: VecMemory::new(1, 1024),
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
    fn u32_at(&self, ptr: u32) -> u32 {
        u32::from_le_bytes(self.mem.get(ptr, 4).try_into().expect("4 bytes"))
    }
    fn string_at(&self, ptr: u32) -> String {
        let (p, n) = (self.u32_at(ptr), self.u32_at(ptr + 4));
        String::from_utf8(self.mem.get(p, n).to_vec()).expect("utf-8")
    }
}

/// Polls until ready (counting polls), as the runtime's event loop would.
fn drive(p: &mut Pending) -> usize {
    let mut task = Context::from_waker(Waker::noop());
    let mut polls = 1;
    while p.poll(&mut task).is_pending() {
        polls += 1;
        assert!(polls < 10, "never ready");
    }
    polls
}

fn wit() -> (Resolve, SizeAlign) {
    let mut resolve = Resolve::default();
    resolve
        .push_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wit"))
        .expect("wit");
    let mut sizes = SizeAlign::default();
    sizes.fill(&resolve);
    (resolve, sizes)
}

/// The field offsets of the parameters of `iface#func` (their params area), from wit-parser.
fn param_offsets(iface: &str, func: &str) -> (Vec<u32>, u32, u32) {
    let (resolve, sizes) = wit();
    let i = resolve
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some(iface))
        .expect("iface")
        .1;
    let f = &i.functions[func];
    let tys: Vec<&Type> = f.params.iter().map(|p| &p.ty).collect();
    let offs = sizes
        .field_offsets(tys.iter().copied())
        .into_iter()
        .map(|(o, _)| o.size_wasm32() as u32)
        .collect();
    let info = sizes.record(tys.iter().copied());
    (
        offs,
        info.size.size_wasm32() as u32,
        info.align.align_wasm32() as u32,
    )
}

type Lowered4 =
    fn(&mut Cx<'_>, &mut dyn host_calls::Host, i32, i32, i32, i32) -> Result<Pending, Trap>;

#[test]
fn the_core_signatures_are_the_async_lowered_ones() {
    let (resolve, _) = wit();
    let w = resolve
        .worlds
        .iter()
        .find(|(_, w)| w.name == "asyncs")
        .expect("world")
        .1;
    let WorldItem::Function(sleep) = &w.imports[&wit_parser::WorldKey::Name("sleep".into())] else {
        panic!("sleep")
    };
    let sig = resolve.wasm_signature(AbiVariant::GuestImportAsync, sleep);
    assert_eq!(sig.params.len(), 1);
    assert_eq!(sig.results.len(), 1);
    // The generated functions have exactly those arities (this compiles only if so).
    let _: fn(&mut Cx<'_>, &mut dyn AsyncsHost, i32) -> Result<Pending, Trap> = root_sleep;
    let _: fn(&mut Cx<'_>, &mut dyn host_calls::Host, i32, i32) -> Result<Pending, Trap> =
        host_calls_five;
    let _: Lowered4 = host_calls_swap;
    let _: fn(&mut Cx<'_>, &mut dyn host_calls::Host, i32) -> Result<Pending, Trap> =
        host_calls_tick;
}

#[test]
fn a_u32_is_written_at_the_retptr_only_when_the_future_is_done() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let retptr = inst.mem.alloc(4, &[0xee; 4]);
    let mut p = host_calls_echo(&mut inst.cx(), &mut host, 41, retptr as i32).expect("call");
    assert_eq!(host.calls, ["echo(41)"]);
    assert!(!p.is_ready());
    assert_eq!(inst.mem.get(retptr, 4), [0xee; 4], "nothing written yet");
    assert_eq!(drive(&mut p), 2, "pending on the first poll");
    assert!(p.is_ready());
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(inst.u32_at(retptr), 41);
}

#[test]
fn a_string_is_lifted_during_the_call_and_its_result_lowered_with_realloc() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let s = inst.mem.alloc(1, "añb✓".as_bytes());
    let retptr = inst.mem.alloc(4, &[0; 8]);
    let mut p =
        host_calls_reverse(&mut inst.cx(), &mut host, s as i32, 7, retptr as i32).expect("call");
    // The guest may reuse its argument memory once the call returned.
    inst.mem.put(s, b"XXXXXXX");
    assert_eq!(host.calls, [r#"reverse("añb✓")"#]);
    let before = inst.mem.reallocs.len();
    drive(&mut p);
    assert_eq!(
        inst.mem.reallocs.len(),
        before,
        "no realloc before complete"
    );
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(inst.mem.reallocs.len(), before + 1);
    assert_eq!(inst.string_at(retptr), "✓bña");
}

#[test]
fn a_record_with_a_string_goes_both_ways() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let s = inst.mem.alloc(1, b"hi");
    let retptr = inst.mem.alloc(4, &[0; 12]);
    let mut p =
        host_calls_swap(&mut inst.cx(), &mut host, 7, s as i32, 2, retptr as i32).expect("call");
    assert_eq!(host.calls, [r#"swap(Pair { a: 7, s: "hi" })"#]);
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(inst.u32_at(retptr), 8);
    assert_eq!(inst.string_at(retptr + 4), "<hi>");
}

#[test]
fn more_than_four_flat_params_come_through_a_pointer() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let (offs, size, align) = param_offsets("host-calls", "five");
    let area = inst.mem.alloc(align, &vec![0; size as usize]);
    inst.mem.put(area + offs[0], &[200]);
    inst.mem.put(area + offs[1], &60000u16.to_le_bytes());
    inst.mem
        .put(area + offs[2], &4_000_000_000u32.to_le_bytes());
    inst.mem.put(area + offs[3], &(1u64 << 40).to_le_bytes());
    inst.mem.put(area + offs[4], &2.5f32.to_le_bytes());
    let retptr = inst.mem.alloc(8, &[0; 8]);
    let mut p =
        host_calls_five(&mut inst.cx(), &mut host, area as i32, retptr as i32).expect("call");
    assert_eq!(
        host.calls,
        ["five(200, 60000, 4000000000, 1099511627776, 2.5)"]
    );
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("complete");
    let got = u64::from_le_bytes(inst.mem.get(retptr, 8).try_into().expect("8"));
    assert_eq!(got, 200 + 60000 + 4_000_000_000 + (1 << 40) + 2);
    // A params area out of bounds traps during the call, before the host runs.
    let e = host_calls_five(&mut inst.cx(), &mut host, 65536 - 8, retptr as i32)
        .expect_err("out of bounds");
    assert!(e.0.contains("out of bounds"), "{e}");
    assert_eq!(host.calls.len(), 1);
}

#[test]
fn no_result_means_no_retptr_and_nothing_written() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let snapshot = inst.mem.bytes.clone();
    let mut p = host_calls_notify(&mut inst.cx(), &mut host, -3).expect("call");
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(inst.mem.bytes, snapshot);
    let mut p = root_sleep(&mut inst.cx(), &mut host, 5).expect("call");
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(host.calls, ["notify(-3)", "sleep(5)"]);
    // No parameters, a bool result.
    let retptr = inst.mem.alloc(1, &[0xff]);
    let mut p = host_calls_tick(&mut inst.cx(), &mut host, retptr as i32).expect("call");
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(inst.mem.get(retptr, 1), [1]);
}

#[test]
fn a_bad_retptr_traps_at_completion_and_completing_early_traps() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let p = host_calls_echo(&mut inst.cx(), &mut host, 1, 65536).expect("checked later");
    let e = p.complete(&mut inst.cx()).expect_err("not ready");
    assert!(e.0.contains("before its future finished"), "{e}");
    let mut p = host_calls_echo(&mut inst.cx(), &mut host, 1, 65536).expect("checked later");
    drive(&mut p);
    let e = p.complete(&mut inst.cx()).expect_err("out of bounds");
    assert!(e.0.contains("out of bounds"), "{e}");
    let mut p = host_calls_echo(&mut inst.cx(), &mut host, 1, 1026).expect("checked later");
    drive(&mut p);
    let e = p.complete(&mut inst.cx()).expect_err("unaligned");
    assert!(e.0.contains("unaligned"), "{e}");
}

#[test]
fn dropping_a_pending_call_drops_the_host_future() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let p = host_calls_echo(&mut inst.cx(), &mut host, 1, 1024).expect("call");
    assert!(!host.dropped.get());
    drop(p);
    assert!(host.dropped.get());
}

/// A `borrow` argument of an async import is lent until the call completes: the guest cannot
/// drop the handle while the call runs, and can once it finished (or was cancelled).
#[test]
fn an_async_calls_borrow_stays_lent_until_it_completes() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let timer = host_calls_timer_new(&mut inst.cx(), &mut host).expect("constructor");
    let retptr = inst.mem.alloc(4, &[0; 4]);
    let mut p =
        host_calls_timer_wait(&mut inst.cx(), &mut host, timer, 21, retptr as i32).expect("call");
    let e = host_calls_timer_drop(&mut inst.cx(), &mut host, timer).expect_err("lent");
    assert!(e.0.contains("lent out"), "{e}");
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(inst.u32_at(retptr), 42);
    host_calls_timer_drop(&mut inst.cx(), &mut host, timer).expect("no longer lent");
    assert_eq!(host.calls, ["timer()", "timer7.wait(21)", "drop timer7"]);

    // Cancelled: the runtime takes the lends from the dropped call and ends them.
    let timer = host_calls_timer_new(&mut inst.cx(), &mut host).expect("constructor");
    let mut p =
        host_calls_timer_wait(&mut inst.cx(), &mut host, timer, 1, retptr as i32).expect("call");
    let lends = p.take_lends();
    assert_eq!(lends, [timer as u32]);
    drop(p);
    inst.tables.unlend(&lends);
    host_calls_timer_drop(&mut inst.cx(), &mut host, timer).expect("cancelled: not lent");

    // A call that traps while lifting lends nothing.
    let e = host_calls_timer_wait(&mut inst.cx(), &mut host, 99, 1, retptr as i32)
        .expect_err("unknown handle");
    assert!(e.0.contains("99"), "{e}");
    assert_eq!(inst.tables.lend_mark(), 0);
}

#[test]
fn the_dispatchers_split_sync_and_async_imports() {
    let (mut inst, mut host) = (Inst::new(), Host::default());
    let retptr = inst.mem.alloc(4, &[0; 4]);
    let mut p = call_import_async(
        &mut inst.cx(),
        &mut host,
        "gfx-test:edge/host-calls@0.1.0#[async-lower]echo",
        &[Flat::I32(9), Flat::I32(retptr as i32)],
    )
    .expect("call");
    drive(&mut p);
    p.complete(&mut inst.cx()).expect("complete");
    assert_eq!(inst.u32_at(retptr), 9);
    let rets = call_import(
        &mut inst.cx(),
        &mut host,
        "gfx-test:edge/host-calls@0.1.0#count",
        &[],
    )
    .expect("sync");
    assert_eq!(rets, [Flat::I32(1)]);
    assert!(call_import_async(&mut inst.cx(), &mut host, "$root#[async-lower]nope", &[]).is_err());
}

/// A guest written on the flat ABI: `task.return`'s flat values per export, given the flat
/// arguments and the memory. After lifting it clobbers the memory it returned from, as a guest
/// freeing its buffers once `task.return` returned would.
type Behaviour = Box<dyn Fn(&str, &[Flat], &mut VecMemory) -> Vec<Flat>>;

struct FakeGuest {
    inst: RefCell<Inst>,
    behaviour: Behaviour,
    /// (export, flat args) of every call.
    calls: RefCell<Vec<(String, Vec<Flat>)>>,
}

impl AsyncGuest for FakeGuest {
    fn call_async(
        &self,
        export: &str,
        lower_args: LowerArgs,
        lift_result: LiftResult,
    ) -> AsyncCall<Box<dyn std::any::Any>> {
        let mut inst = self.inst.borrow_mut();
        let out = (|| {
            let args = lower_args(&mut inst.cx())?;
            self.calls
                .borrow_mut()
                .push((export.to_owned(), args.clone()));
            let rets = (self.behaviour)(export, &args, &mut inst.mem);
            let value = lift_result(&mut inst.cx(), &rets)?;
            let n = inst.mem.bytes.len();
            inst.mem.bytes[1024..n].fill(0xdd);
            Ok(value)
        })();
        Box::pin(async move { out })
    }
}

fn guest(behaviour: Behaviour) -> FakeGuest {
    FakeGuest {
        inst: RefCell::new(Inst::new()),
        behaviour,
        calls: RefCell::new(Vec::new()),
    }
}

fn run<T>(f: AsyncCall<T>) -> Result<T, Trap> {
    let mut f = f;
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the fake guest is synchronous"),
    }
}

fn i32_arg(args: &[Flat], i: usize) -> u32 {
    match args[i] {
        Flat::I32(x) => x as u32,
        other => panic!("{other:?}"),
    }
}

fn string_arg(mem: &VecMemory, args: &[Flat], i: usize) -> String {
    let (p, n) = (i32_arg(args, i), i32_arg(args, i + 1));
    String::from_utf8(mem.get(p, n).to_vec()).expect("utf-8")
}

#[test]
fn export_scalars_and_no_results() {
    let g = guest(Box::new(|export, args, _| match export {
        "gfx-test:edge/guest-calls@0.1.0#double" => vec![Flat::I32(i32_arg(args, 0) as i32 * 2)],
        "gfx-test:edge/guest-calls@0.1.0#fire" => Vec::new(),
        other => panic!("{other}"),
    }));
    assert_eq!(run(call_guest_calls_double(&g, 21)), Ok(42));
    assert_eq!(run(call_guest_calls_fire(&g, -1)), Ok(()));
    assert_eq!(
        *g.calls.borrow(),
        [
            (
                "gfx-test:edge/guest-calls@0.1.0#double".to_owned(),
                vec![Flat::I32(21)]
            ),
            (
                "gfx-test:edge/guest-calls@0.1.0#fire".to_owned(),
                vec![Flat::I32(-1)]
            ),
        ]
    );
}

#[test]
fn export_strings_are_lifted_inside_task_return() {
    let g = guest(Box::new(|_, args, mem| {
        let name = string_arg(mem, args, 0);
        let out = format!("hello, {name}");
        let p = mem.alloc(1, out.as_bytes());
        vec![Flat::I32(p as i32), Flat::I32(out.len() as i32)]
    }));
    assert_eq!(
        run(call_guest_calls_greet(&g, "wörld".into())).as_deref(),
        Ok("hello, wörld")
    );
    // The argument string went through the guest's realloc (align 1, 6 bytes).
    let inst = g.inst.borrow();
    assert!(inst.mem.reallocs.iter().any(|r| r.2 == 1 && r.3 == 6));
}

#[test]
fn export_records_and_world_level_exports() {
    let g = guest(Box::new(|export, args, mem| match export {
        "gfx-test:edge/guest-calls@0.1.0#swap" => {
            let s = string_arg(mem, args, 1);
            let out: String = s.chars().rev().collect();
            let p = mem.alloc(1, out.as_bytes());
            vec![
                Flat::I32(i32_arg(args, 0) as i32 + 1),
                Flat::I32(p as i32),
                Flat::I32(out.len() as i32),
            ]
        }
        "run" => {
            assert!(args.is_empty());
            let p = mem.alloc(1, b"ok");
            vec![Flat::I32(p as i32), Flat::I32(2)]
        }
        other => panic!("{other}"),
    }));
    let got = run(call_guest_calls_swap(
        &g,
        Pair {
            a: 1,
            s: "abc".into(),
        },
    ));
    assert_eq!(
        got,
        Ok(Pair {
            a: 2,
            s: "cba".into()
        })
    );
    assert_eq!(run(call_run(&g)).as_deref(), Ok("ok"));
}

#[test]
fn export_more_than_sixteen_flat_params_and_results_go_through_memory() {
    let (offs, size, align) = param_offsets("guest-calls", "wide");
    let g = guest(Box::new(move |export, args, mem| match export {
        "gfx-test:edge/guest-calls@0.1.0#wide" => {
            assert_eq!(args.len(), 1, "one pointer to the params area");
            let area = i32_arg(args, 0);
            assert_eq!(area % align, 0);
            let mut sum = 0u64;
            for (i, o) in offs.iter().enumerate() {
                sum += if i == 16 {
                    u64::from(mem.get(area + o, 1)[0])
                } else {
                    u64::from_le_bytes(mem.get(area + o, 8).try_into().expect("8"))
                };
            }
            vec![Flat::I64(sum as i64)]
        }
        "gfx-test:edge/guest-calls@0.1.0#many" => {
            let bytes: Vec<u8> = (1..=17u32).flat_map(|i| (i * 10).to_le_bytes()).collect();
            let p = mem.alloc(4, &bytes);
            vec![Flat::I32(p as i32)]
        }
        other => panic!("{other}"),
    }));
    let got = run(call_guest_calls_wide(
        &g, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 200,
    ));
    assert_eq!(got, Ok(136 + 200));
    let inst = g.inst.borrow();
    assert!(
        inst.mem
            .reallocs
            .iter()
            .any(|r| r.2 == align && r.3 == size),
        "the params area came from realloc"
    );
    drop(inst);
    let t = run(call_guest_calls_many(&g)).expect("many");
    assert_eq!(t.0, 10);
    assert_eq!(t.16, 170);
}

#[test]
fn export_bad_task_return_values_trap() {
    let g = guest(Box::new(|export, _, _| match export {
        "gfx-test:edge/guest-calls@0.1.0#double" => vec![Flat::I64(1)],
        "gfx-test:edge/guest-calls@0.1.0#greet" => vec![Flat::I32(60000), Flat::I32(10000)],
        "gfx-test:edge/guest-calls@0.1.0#many" => vec![Flat::I32(65535)],
        other => panic!("{other}"),
    }));
    assert!(run(call_guest_calls_double(&g, 1)).is_err());
    let e = run(call_guest_calls_greet(&g, "x".into())).expect_err("out of bounds");
    assert!(e.0.contains("out of bounds"), "{e}");
    let Err(e) = run(call_guest_calls_many(&g)) else {
        panic!("unaligned")
    };
    assert!(e.0.contains("unaligned"), "{e}");
}
