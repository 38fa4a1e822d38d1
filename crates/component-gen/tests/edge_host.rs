//! The generator's corner cases (tests/wit/edge.wit, generated with trappable host methods):
//! borrows inside lists, a borrow and an own of one handle, own handles inside records and
//! lists, keyword names, a world-level import, host traps, and borrows of host resources
//! lowered into a guest export.

#![deny(warnings)]

#[allow(dead_code)]
mod bindings {
    include!("generated/edge.rs");
}

use std::collections::HashMap;

use bindings::things::{self, Holder, Kind, Num, Thing, Tiny};
use bindings::*;
use gfx_component::abi::testing::VecMemory;
use gfx_component::abi::{
    self, Borrow, Cx, Flat, Guest, Resource, ResourceKind, ResourceTables, Trap,
};

#[derive(Default)]
struct Things {
    next: u32,
    names: HashMap<u32, String>,
    logged: Vec<String>,
    fail: bool,
}

impl Things {
    fn name(&self, rep: u32) -> Result<String, Trap> {
        self.names
            .get(&rep)
            .cloned()
            .ok_or_else(|| Trap::new("no such thing"))
    }
}

impl things::Host for Things {
    fn thing_new(&mut self, name: String) -> Result<Resource<Thing>, Trap> {
        self.next += 1;
        self.names.insert(self.next * 3, name);
        Ok(Resource::new(self.next * 3))
    }
    fn thing_name(&mut self, self_: Borrow<Thing>) -> Result<String, Trap> {
        self.name(self_.rep())
    }
    fn total(&mut self, things: Vec<Borrow<Thing>>) -> Result<u32, Trap> {
        if self.fail {
            return Err(Trap::new("host failure"));
        }
        things
            .iter()
            .map(|t| Ok(self.name(t.rep())?.len() as u32))
            .sum()
    }
    fn take_both(&mut self, a: Borrow<Thing>, b: Resource<Thing>) -> Result<String, Trap> {
        Ok(format!("{}&{}", self.name(a.rep())?, self.name(b.rep())?))
    }
    fn wrap(&mut self, t: Resource<Thing>, tag: u8) -> Result<Holder, Trap> {
        Ok(Holder { t, tag })
    }
    fn unwrap(&mut self, h: Holder) -> Result<Resource<Thing>, Trap> {
        Ok(h.t)
    }
    fn names(&mut self, h: Vec<Holder>) -> Result<Vec<String>, Trap> {
        h.iter()
            .map(|h| Ok(format!("{}:{}", self.name(h.t.rep())?, h.tag)))
            .collect()
    }
    fn nums(&mut self, n: Vec<Num>) -> Result<Vec<Num>, Trap> {
        Ok(n.into_iter().rev().collect())
    }
    fn tinies(&mut self, t: Tiny) -> Result<Tiny, Trap> {
        Ok(match t {
            Tiny::F(x) => Tiny::I(x.to_bits()),
            Tiny::I(x) => Tiny::F(f32::from_bits(x)),
        })
    }
    fn maybe(&mut self, s: Option<String>) -> Result<Result<Vec<u8>, Kind>, Trap> {
        Ok(match s.as_deref() {
            None => Err(Kind::Self_),
            Some("type") => Err(Kind::Type),
            Some(s) => Ok(s.bytes().collect()),
        })
    }
    fn nested(&mut self, l: Vec<Vec<u8>>) -> Result<Vec<Vec<String>>, Trap> {
        Ok(l.into_iter()
            .map(|v| v.into_iter().map(|b| b.to_string()).collect())
            .collect())
    }
    fn single(&mut self, t: (u64,)) -> Result<(String,), Trap> {
        Ok((t.0.to_string(),))
    }
    fn type_(&mut self, self_: u32) -> Result<u32, Trap> {
        Ok(self_ * 2)
    }
    fn thing_drop(&mut self, r: Resource<Thing>) {
        self.names.remove(&r.rep());
    }
}

#[derive(Default)]
struct World {
    things: Things,
}

impl EdgeHost for World {
    fn things(&mut self) -> &mut dyn things::Host {
        &mut self.things
    }
    fn log(&mut self, msg: String) -> Result<(), Trap> {
        self.things.logged.push(msg);
        Ok(())
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

fn string_at(cx: &Cx<'_>, ptr: i32) -> String {
    abi::string_lift(
        cx,
        abi::load_i32(cx, ptr, 0).unwrap(),
        abi::load_i32(cx, ptr, 4).unwrap(),
    )
    .unwrap()
}

fn new_thing(cx: &mut Cx<'_>, h: &mut Things, name: &str) -> i32 {
    let (p, l) = abi::string_lower(cx, name).unwrap();
    things_thing_new(cx, h, p, l).unwrap()
}

fn handles(cx: &mut Cx<'_>, hs: &[i32]) -> (i32, i32) {
    let items: Vec<u32> = hs.iter().map(|h| *h as u32).collect();
    abi::list_lower_canon(cx, &items).unwrap()
}

#[test]
fn borrows_in_a_list_are_lent_for_the_call_and_released_even_on_traps() {
    let mut inst = Inst::new();
    let mut h = Things::default();
    let cx = &mut inst.cx();
    let a = new_thing(cx, &mut h, "abc");
    let b = new_thing(cx, &mut h, "de");
    let (p, l) = handles(cx, &[a, b, a]);
    assert_eq!(things_total(cx, &mut h, p, l).unwrap(), 8);
    assert_eq!(cx.resources.get(a as u32).unwrap().lends, 0);
    // A dangling handle in the middle: the lends made before it are released too.
    let (p, l) = handles(cx, &[a, 99, b]);
    assert!(things_total(cx, &mut h, p, l)
        .unwrap_err()
        .0
        .contains("unknown handle 99"));
    assert_eq!(cx.resources.get(a as u32).unwrap().lends, 0);
    assert_eq!(cx.resources.lend_mark(), 0);
    // The host traps: released as well, and the trap is the call's result.
    h.fail = true;
    let (p, l) = handles(cx, &[a, b]);
    assert_eq!(
        things_total(cx, &mut h, p, l).unwrap_err().0,
        "host failure"
    );
    assert_eq!(cx.resources.get(b as u32).unwrap().lends, 0);
}

#[test]
fn an_own_of_a_handle_lent_in_the_same_call_traps() {
    let mut inst = Inst::new();
    let mut h = Things::default();
    let cx = &mut inst.cx();
    let a = new_thing(cx, &mut h, "a");
    let b = new_thing(cx, &mut h, "b");
    assert!(things_take_both(cx, &mut h, a, a, 0x100)
        .unwrap_err()
        .0
        .contains("lent"));
    assert_eq!(cx.resources.get(a as u32).unwrap().lends, 0, "released");
    assert!(
        cx.resources.get(a as u32).is_ok(),
        "and still there: a trap changes nothing"
    );
    things_take_both(cx, &mut h, a, b, 0x100).unwrap();
    assert_eq!(string_at(cx, 0x100), "a&b");
    assert!(cx.resources.get(b as u32).is_err(), "moved to the host");
}

#[test]
fn own_handles_inside_records_and_lists_move() {
    let mut inst = Inst::new();
    let mut h = Things::default();
    let cx = &mut inst.cx();
    let a = new_thing(cx, &mut h, "x");
    // wrap(own, tag) -> holder: record { t: own (4 bytes), tag: u8 } through the retptr.
    things_wrap(cx, &mut h, a, 7, 0x100).unwrap();
    assert_eq!(
        cx.resources.live(),
        1,
        "lifted (removed) and lowered (added) again"
    );
    let a2 = abi::load_i32(cx, 0x100, 0).unwrap();
    assert_eq!(abi::load_u8(cx, 0x100, 4).unwrap(), 7);
    assert_eq!(
        cx.resources.get(a2 as u32).unwrap().rep,
        3,
        "the same thing"
    );
    assert_eq!(a2, a, "the freed slot is reused");
    // unwrap(holder) -> own: flat (handle, tag).
    let a3 = things_unwrap(cx, &mut h, a2, 7).unwrap();
    assert_eq!(cx.resources.live(), 1);
    assert_eq!(cx.resources.get(a3 as u32).unwrap().rep, 3);
    assert!(
        things_unwrap(cx, &mut h, 5, 7).is_err(),
        "a dangling handle in a record"
    );
    // names(list<holder>): every element's handle is moved.
    let b = new_thing(cx, &mut h, "y");
    let list = abi::malloc(cx, 16, 4).unwrap();
    for (i, (hd, tag)) in [(a3, 1), (b, 2)].into_iter().enumerate() {
        abi::store_i32(cx, list, 8 * i as u32, hd).unwrap();
        abi::store_i8(cx, list, 8 * i as u32 + 4, tag).unwrap();
    }
    things_names(cx, &mut h, list, 2, 0x108).unwrap();
    let (p, l) = (
        abi::load_i32(cx, 0x108, 0).unwrap(),
        abi::load_i32(cx, 0x108, 4).unwrap(),
    );
    let got = abi::list_lift(cx, p, l, 8, 4, |cx, base| Ok(string_at(cx, base))).unwrap();
    assert_eq!(got, vec!["x:1", "y:2"]);
    assert_eq!(cx.resources.live(), 0);
    // The same handle twice in one list: the second lift finds it gone.
    let c = new_thing(cx, &mut h, "z");
    abi::store_i32(cx, list, 0, c).unwrap();
    abi::store_i32(cx, list, 8, c).unwrap();
    assert!(things_names(cx, &mut h, list, 2, 0x108)
        .unwrap_err()
        .0
        .contains("unknown handle"));
}

#[test]
fn variants_options_results_nested_lists_and_keywords() {
    let mut inst = Inst::new();
    let mut h = Things::default();
    let cx = &mut inst.cx();
    // tiny: join(f32, u32) = i32.
    assert_eq!(
        things_tinies(cx, &mut h, 0, 1.5f32.to_bits() as i32, 0x100),
        Ok(())
    );
    assert_eq!(
        (
            abi::load_u8(cx, 0x100, 0).unwrap(),
            abi::load_i32(cx, 0x100, 4).unwrap() as u32
        ),
        (1, 1.5f32.to_bits())
    );
    things_tinies(cx, &mut h, 1, 0x4049_0fdb, 0x100).unwrap();
    assert_eq!(
        abi::load_f32(cx, 0x100, 4).unwrap(),
        f32::from_bits(0x4049_0fdb)
    );
    // list<num>: each element 16 bytes (tag, 8-aligned u64 payload).
    let list = abi::malloc(cx, 64, 8).unwrap();
    abi::store_i8(cx, list, 0, 0).unwrap();
    abi::store_f32(cx, list, 8, -1.25).unwrap();
    abi::store_i8(cx, list, 16, 1).unwrap();
    abi::store_i64(cx, list, 24, -2).unwrap();
    abi::store_i8(cx, list, 32, 2).unwrap();
    abi::store_i32(cx, list, 40, 9).unwrap();
    abi::store_i8(cx, list, 48, 3).unwrap();
    things_nums(cx, &mut h, list, 4, 0x110).unwrap();
    let (p, l) = (
        abi::load_i32(cx, 0x110, 0).unwrap(),
        abi::load_i32(cx, 0x110, 4).unwrap(),
    );
    assert_eq!(l, 4);
    let tags: Vec<i32> = (0..4)
        .map(|i| abi::load_u8(cx, p, 16 * i).unwrap())
        .collect();
    assert_eq!(tags, vec![3, 2, 1, 0]);
    assert_eq!(abi::load_i64(cx, p, 24 + 16).unwrap(), -2);
    assert_eq!(abi::load_f32(cx, p, 56).unwrap(), -1.25);
    abi::store_i8(cx, list, 0, 4).unwrap();
    assert!(things_nums(cx, &mut h, list, 1, 0x110)
        .unwrap_err()
        .0
        .contains("for num"));
    // option<string> → result<list<u8>, kind>.
    let (sp, sl) = abi::string_lower(cx, "hi").unwrap();
    things_maybe(cx, &mut h, 1, sp, sl, 0x120).unwrap();
    assert_eq!(abi::load_u8(cx, 0x120, 0).unwrap(), 0);
    let (p, l) = (
        abi::load_i32(cx, 0x120, 4).unwrap(),
        abi::load_i32(cx, 0x120, 8).unwrap(),
    );
    assert_eq!(abi::list_lift_canon::<u8>(cx, p, l).unwrap(), b"hi");
    things_maybe(cx, &mut h, 0, 0, 0, 0x120).unwrap();
    assert_eq!(
        (
            abi::load_u8(cx, 0x120, 0).unwrap(),
            abi::load_u8(cx, 0x120, 4).unwrap()
        ),
        (1, 1),
        "err(self)"
    );
    assert!(things_maybe(cx, &mut h, 2, 0, 0, 0x120).is_err());
    // list<list<u8>> → list<list<string>>.
    let (i0, n0) = abi::list_lower_canon::<u8>(cx, &[1, 20]).unwrap();
    let (i1, n1) = abi::list_lower_canon::<u8>(cx, &[]).unwrap();
    let outer = abi::malloc(cx, 16, 4).unwrap();
    for (i, v) in [i0, n0, i1, n1].into_iter().enumerate() {
        abi::store_i32(cx, outer, 4 * i as u32, v).unwrap();
    }
    things_nested(cx, &mut h, outer, 2, 0x130).unwrap();
    let (p, l) = (
        abi::load_i32(cx, 0x130, 0).unwrap(),
        abi::load_i32(cx, 0x130, 4).unwrap(),
    );
    let got = abi::list_lift(cx, p, l, 8, 4, |cx, base| {
        let (q, m) = (abi::load_i32(cx, base, 0)?, abi::load_i32(cx, base, 4)?);
        abi::list_lift(cx, q, m, 8, 4, |cx, b| Ok(string_at(cx, b)))
    })
    .unwrap();
    assert_eq!(got, vec![vec!["1".to_owned(), "20".to_owned()], vec![]]);
    // tuple<u64> → tuple<string>; keyword names.
    things_single(cx, &mut h, 42, 0x140).unwrap();
    assert_eq!(string_at(cx, 0x140), "42");
    assert_eq!(things_type_(cx, &mut h, 21).unwrap(), 42);
}

#[test]
fn world_level_imports_and_dispatch() {
    let mut inst = Inst::new();
    let mut w = World::default();
    let cx = &mut inst.cx();
    let (p, l) = abi::string_lower(cx, "hello").unwrap();
    root_log(cx, &mut w, p, l).unwrap();
    call_import(cx, &mut w, "$root#log", &[Flat::I32(p), Flat::I32(l)]).unwrap();
    assert_eq!(w.things.logged, vec!["hello", "hello"]);
    let r = call_import(
        cx,
        &mut w,
        "gfx-test:edge/things@0.1.0#type",
        &[Flat::I32(5)],
    )
    .unwrap();
    assert_eq!(r, vec![Flat::I32(10)]);
}

/// A guest that implements `guest-side` and `ping` on the flat ABI.
struct Side {
    inst: Inst,
    drop_borrows: bool,
    seen: Vec<(u32, bool)>,
}

impl Guest for Side {
    fn cx(&mut self) -> Cx<'_> {
        self.inst.cx()
    }
    fn call(&mut self, export: &str, args: &[Flat]) -> Result<Vec<Flat>, Trap> {
        let h = abi::flat_i32(args, 0)?;
        match export {
            "ping" => Ok(vec![Flat::I32(h + 1)]),
            "gfx-test:edge/guest-side@0.1.0#inspect" | "gfx-test:edge/guest-side@0.1.0#give" => {
                let e = *self.inst.tables.get(h as u32)?;
                self.seen.push((e.rep, e.own));
                if self.drop_borrows && !e.own {
                    abi::drop_handle::<Thing>(&mut self.inst.cx(), h)?;
                }
                Ok(vec![Flat::I32(e.rep as i32)])
            }
            _ => Err(Trap::new("unknown export")),
        }
    }
    fn post_return(&mut self, _: &str, _: &[Flat]) -> Result<(), Trap> {
        Ok(())
    }
}

#[test]
fn borrows_of_host_resources_lowered_into_the_guest_must_be_dropped() {
    let mut g = Side {
        inst: Inst::new(),
        drop_borrows: true,
        seen: Vec::new(),
    };
    assert_eq!(call_ping(&mut g, 41).unwrap(), 42);
    let t = Resource::<Thing>::new(30);
    // A borrow of a host resource becomes a borrow handle in the guest's table…
    assert_eq!(call_guest_side_inspect(&mut g, t.borrow()).unwrap(), 30);
    assert_eq!(g.seen, vec![(30, false)]);
    assert_eq!(g.inst.tables.live(), 0, "dropped by the guest");
    // …which the guest must drop before it returns.
    g.drop_borrows = false;
    assert!(call_guest_side_inspect(&mut g, t.borrow())
        .unwrap_err()
        .0
        .contains("not dropped"));
    // An own becomes an owning handle the guest keeps.
    let mut g = Side {
        inst: Inst::new(),
        drop_borrows: true,
        seen: Vec::new(),
    };
    assert_eq!(call_guest_side_give(&mut g, t).unwrap(), 30);
    let e = *g.inst.tables.get(1).unwrap();
    assert_eq!((e.ty, e.rep, e.own), (Thing::TYPE, 30, true));
}
