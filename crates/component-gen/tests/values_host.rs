//! The generated bindings of world `values` (tests/generated/values.rs), run natively: the
//! lowered calls against a fake guest memory with a Rust host behaving as
//! tests/worlds/README.md says, and the export callers looped back through them. Expected
//! layouts come from wit-parser's `SizeAlign`, never from hand-written offsets.

#![deny(warnings)]

#[allow(dead_code)]
mod bindings {
    include!("generated/values.rs");
}

use std::path::Path;

use bindings::types::{Color, FlagSet, Full, Many, Mixed, Perms, Point, Shape, Twelve};
use bindings::*;
use gfx_component::abi::testing::VecMemory;
use gfx_component::abi::{Cx, Flat, Guest, ResourceTables, Trap};
use wit_parser::abi::AbiVariant;
use wit_parser::{Resolve, SizeAlign, Type, TypeDefKind};

// ---- the host, as tests/worlds/README.md specifies ----

#[derive(Default)]
struct Ops {
    calls: usize,
}

fn next_char(c: char) -> char {
    match c as u32 {
        0xd7ff => '\u{e000}',
        0x10ffff => '\0',
        n => char::from_u32(n + 1).expect("scalar"),
    }
}

fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

impl ops::Host for Ops {
    fn not_bool(&mut self, x: bool) -> bool {
        self.calls += 1;
        !x
    }
    fn neg_s8(&mut self, x: i8) -> i8 {
        self.calls += 1;
        x.wrapping_neg()
    }
    fn inc_u8(&mut self, x: u8) -> u8 {
        self.calls += 1;
        x.wrapping_add(1)
    }
    fn neg_s16(&mut self, x: i16) -> i16 {
        self.calls += 1;
        x.wrapping_neg()
    }
    fn inc_u16(&mut self, x: u16) -> u16 {
        self.calls += 1;
        x.wrapping_add(1)
    }
    fn neg_s32(&mut self, x: i32) -> i32 {
        self.calls += 1;
        x.wrapping_neg()
    }
    fn add_one(&mut self, x: u32) -> u32 {
        self.calls += 1;
        x.wrapping_add(1)
    }
    fn neg_s64(&mut self, x: i64) -> i64 {
        self.calls += 1;
        x.wrapping_neg()
    }
    fn inc_u64(&mut self, x: u64) -> u64 {
        self.calls += 1;
        x.wrapping_add(1)
    }
    fn neg_f32(&mut self, x: f32) -> f32 {
        self.calls += 1;
        -x
    }
    fn neg_f64(&mut self, x: f64) -> f64 {
        self.calls += 1;
        -x
    }
    fn next_char(&mut self, c: char) -> char {
        self.calls += 1;
        next_char(c)
    }
    fn reverse(&mut self, s: String) -> String {
        self.calls += 1;
        reverse(&s)
    }
    fn invert(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        self.calls += 1;
        bytes.into_iter().map(|b| 255 - b).collect()
    }
    fn reverse_strings(&mut self, mut l: Vec<String>) -> Vec<String> {
        self.calls += 1;
        l.reverse();
        l
    }
    fn swap_points(&mut self, l: Vec<Point>) -> Vec<Point> {
        self.calls += 1;
        l.into_iter().map(|p| Point { x: p.y, y: p.x }).collect()
    }
    fn bump_mixed(&mut self, m: Mixed) -> Mixed {
        self.calls += 1;
        Mixed {
            flag: !m.flag,
            small: m.small.wrapping_add(1),
            medium: m.medium.wrapping_add(1),
            large: m.large.wrapping_add(1),
            ratio: -m.ratio,
            precise: -m.precise,
            letter: next_char(m.letter),
            name: reverse(&m.name),
        }
    }
    fn rotate_tuple(&mut self, (a, b, c): (u8, String, f64)) -> (f64, u8, String) {
        self.calls += 1;
        (c, a, b)
    }
    fn echo_shape(&mut self, s: Shape) -> Shape {
        self.calls += 1;
        s
    }
    fn next_color(&mut self, c: Color) -> Color {
        self.calls += 1;
        match c {
            Color::Red => Color::Orange,
            Color::Orange => Color::Yellow,
            Color::Yellow => Color::Green,
            Color::Green => Color::Blue,
            Color::Blue => Color::Red,
        }
    }
    fn inc_nested(&mut self, x: Option<Option<u32>>) -> Option<Option<u32>> {
        self.calls += 1;
        x.map(|o| o.map(|n| n.wrapping_add(1)))
    }
    fn inc_ok(&mut self, r: Result<u32, ()>) -> Result<u32, ()> {
        self.calls += 1;
        r.map(|n| n.wrapping_add(1))
    }
    fn reverse_err(&mut self, r: Result<(), String>) -> Result<(), String> {
        self.calls += 1;
        r.map_err(|s| reverse(&s))
    }
    fn swap_result(&mut self, r: Result<u32, String>) -> Result<String, u32> {
        self.calls += 1;
        match r {
            Ok(n) => Err(n),
            Err(s) => Ok(s),
        }
    }
    fn flip_result(&mut self, r: Result<(), ()>) -> Result<(), ()> {
        self.calls += 1;
        match r {
            Ok(()) => Err(()),
            Err(()) => Ok(()),
        }
    }
    fn invert_perms(&mut self, f: Perms) -> Perms {
        self.calls += 1;
        !f
    }
    fn invert_full(&mut self, f: Full) -> Full {
        self.calls += 1;
        !f
    }
    fn invert_flag_set(&mut self, f: FlagSet) -> FlagSet {
        self.calls += 1;
        FlagSet {
            small: !f.small,
            medium: !f.medium,
            large: !f.large,
        }
    }
    fn many_params(
        &mut self,
        a: u8,
        b: i8,
        c: u16,
        d: i16,
        e: u32,
        f: i32,
        g: u64,
        h: i64,
        i: f32,
        j: f64,
        k: bool,
        l: char,
        m: String,
        n: u32,
        o: u64,
        p: f32,
        q: f64,
    ) -> Many {
        self.calls += 1;
        Many {
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h,
            i,
            j,
            k,
            l,
            m,
            n,
            o,
            p,
            q,
        }
    }
    fn split_u64(&mut self, x: u64) -> (u32, u32) {
        self.calls += 1;
        ((x >> 32) as u32, x as u32)
    }
}

#[derive(Default)]
struct Host {
    ops: Ops,
}

impl ValuesHost for Host {
    fn ops(&mut self) -> &mut dyn ops::Host {
        &mut self.ops
    }
}

// ---- the guest side: memory, table, and layouts from wit-parser ----

struct Inst {
    mem: VecMemory,
    tables: ResourceTables,
}

impl Inst {
    fn new() -> Self {
        Inst {
            mem: VecMemory::new(1, 0x8000),
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
        let (p, l) = (self.u32_at(ptr), self.u32_at(ptr + 4));
        String::from_utf8(self.mem.get(p, l).to_vec()).expect("utf-8")
    }
}

struct Wit {
    resolve: Resolve,
    sizes: SizeAlign,
}

impl Wit {
    fn load() -> Self {
        let mut resolve = Resolve::default();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/worlds/wit");
        resolve.push_path(dir).expect("WIT");
        let mut sizes = SizeAlign::default();
        sizes.fill(&resolve);
        Wit { resolve, sizes }
    }
    fn ty(&self, name: &str) -> Type {
        let iface = self
            .resolve
            .interfaces
            .iter()
            .find(|(_, i)| i.name.as_deref() == Some("types"))
            .expect("types")
            .1;
        Type::Id(iface.types[name])
    }
    /// Field offsets of record `name`, by field name.
    fn offsets(&self, name: &str) -> std::collections::HashMap<String, u32> {
        let Type::Id(id) = self.ty(name) else {
            unreachable!()
        };
        let TypeDefKind::Record(r) = &self.resolve.types[id].kind else {
            panic!("{name}")
        };
        self.sizes
            .field_offsets(r.fields.iter().map(|f| &f.ty))
            .into_iter()
            .zip(&r.fields)
            .map(|((off, _), f)| (f.name.clone(), off.size_wasm32() as u32))
            .collect()
    }
    fn size(&self, name: &str) -> (u32, u32) {
        let t = self.ty(name);
        (
            self.sizes.size(&t).size_wasm32() as u32,
            self.sizes.align(&t).align_wasm32() as u32,
        )
    }
    fn func(&self, name: &str) -> &wit_parser::Function {
        let iface = self
            .resolve
            .interfaces
            .iter()
            .find(|(_, i)| i.name.as_deref() == Some("ops"))
            .expect("ops")
            .1;
        &iface.functions[name]
    }
}

fn hostrun<R>(f: impl FnOnce(&mut Cx<'_>, &mut Ops) -> R) -> (R, Inst, Ops) {
    let mut inst = Inst::new();
    let mut ops = Ops::default();
    let r = f(&mut inst.cx(), &mut ops);
    (r, inst, ops)
}

// ---- scalars ----

#[test]
fn scalars_lift_and_lower_as_the_explainer_says() {
    let mut inst = Inst::new();
    let mut h = Ops::default();
    let cx = &mut inst.cx();
    // bool: any non-zero value is true.
    assert_eq!(ops_not_bool(cx, &mut h, 0).unwrap(), 1);
    assert_eq!(ops_not_bool(cx, &mut h, 1).unwrap(), 0);
    assert_eq!(ops_not_bool(cx, &mut h, 2).unwrap(), 0);
    assert_eq!(ops_not_bool(cx, &mut h, -1).unwrap(), 0);
    // Narrow integers drop the high bits; signed results are sign-extended.
    assert_eq!(
        ops_neg_s8(cx, &mut h, 0x180).unwrap(),
        -128,
        "0x180 lifts as -128"
    );
    assert_eq!(ops_neg_s8(cx, &mut h, 1).unwrap(), -1);
    assert_eq!(ops_neg_s8(cx, &mut h, 127).unwrap(), -127);
    assert_eq!(ops_inc_u8(cx, &mut h, 255).unwrap(), 0);
    assert_eq!(
        ops_inc_u8(cx, &mut h, 0x1fe).unwrap(),
        255,
        "0x1fe lifts as 254"
    );
    assert_eq!(ops_neg_s16(cx, &mut h, -32768).unwrap(), -32768);
    assert_eq!(ops_neg_s16(cx, &mut h, 300).unwrap(), -300);
    assert_eq!(ops_inc_u16(cx, &mut h, 65535).unwrap(), 0);
    assert_eq!(ops_inc_u16(cx, &mut h, 0x7_0001).unwrap(), 2);
    assert_eq!(ops_neg_s32(cx, &mut h, i32::MIN).unwrap(), i32::MIN);
    assert_eq!(ops_add_one(cx, &mut h, -1).unwrap(), 0, "4294967295 + 1");
    assert_eq!(ops_add_one(cx, &mut h, 41).unwrap(), 42);
    assert_eq!(ops_neg_s64(cx, &mut h, i64::MIN).unwrap(), i64::MIN);
    assert_eq!(
        ops_inc_u64(cx, &mut h, 9007199254740993).unwrap(),
        9007199254740994
    );
    assert_eq!(ops_inc_u64(cx, &mut h, -1).unwrap(), 0);
    // Floats: the sign bit flips; every NaN becomes the canonical NaN.
    for (bits, want) in [
        (0x3fc0_0000u32, 0xbfc0_0000u32),
        (0, 0x8000_0000),
        (0x8000_0000, 0),
        (0x7f80_0000, 0xff80_0000),
        (1, 0x8000_0001),
    ] {
        assert_eq!(
            ops_neg_f32(cx, &mut h, f32::from_bits(bits))
                .unwrap()
                .to_bits(),
            want
        );
    }
    assert_eq!(
        ops_neg_f32(cx, &mut h, f32::from_bits(0xffc0_1234))
            .unwrap()
            .to_bits(),
        0x7fc0_0000
    );
    assert_eq!(
        ops_neg_f64(cx, &mut h, 0.1).unwrap().to_bits(),
        0xbfb9_9999_9999_999a
    );
    assert_eq!(
        ops_neg_f64(cx, &mut h, f64::from_bits(0x7ff0_0000_0000_0001))
            .unwrap()
            .to_bits(),
        0x7ff8_0000_0000_0000
    );
    // char: scalar values only.
    assert_eq!(ops_next_char(cx, &mut h, 0x61).unwrap(), 0x62);
    assert_eq!(ops_next_char(cx, &mut h, 0xd7ff).unwrap(), 0xe000);
    assert_eq!(ops_next_char(cx, &mut h, 0x10ffff).unwrap(), 0);
    let calls = h.calls;
    assert!(ops_next_char(cx, &mut h, 0xd800)
        .unwrap_err()
        .0
        .contains("invalid char"));
    assert!(ops_next_char(cx, &mut h, 0xdfff).is_err());
    assert!(ops_next_char(cx, &mut h, 0x11_0000).is_err());
    assert!(ops_next_char(cx, &mut h, -1).is_err());
    assert_eq!(
        h.calls, calls,
        "a trap while lifting never reaches the host"
    );
    assert!(inst.mem.reallocs.is_empty(), "scalars never allocate");
}

// ---- strings and lists ----

#[test]
fn strings_are_read_validated_and_returned_through_realloc_and_the_retptr() {
    let ((), inst, _) = hostrun(|cx, h| {
        for s in ["", "hello", "añb€😀", "q\"b\\n\nt\u{7f}"] {
            let ptr = cx.memory.realloc(0, 0, 1, s.len() as u32).unwrap();
            cx.memory.write(ptr, s.as_bytes()).unwrap();
            let ret = cx.memory.realloc(0, 0, 4, 8).unwrap();
            ops_reverse(cx, h, ptr as i32, s.len() as i32, ret as i32).unwrap();
            let mut b = [0; 8];
            cx.memory.read(ret, &mut b).unwrap();
            let (p, l) = (
                u32::from_le_bytes(b[..4].try_into().unwrap()),
                u32::from_le_bytes(b[4..].try_into().unwrap()),
            );
            let mut out = vec![0; l as usize];
            cx.memory.read(p, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), reverse(s));
        }
    });
    // Each result string: one realloc(0, 0, 1, len) (empty strings too).
    let result_allocs: Vec<_> = inst
        .mem
        .reallocs
        .iter()
        .filter(|r| r.2 == 1)
        .skip(1)
        .step_by(2)
        .map(|r| r.3)
        .collect();
    assert_eq!(result_allocs, vec![0, 5, 11, 8]);
}

#[test]
fn hostile_string_arguments_trap_before_the_host_runs() {
    let ((), inst, h) = hostrun(|cx, h| {
        cx.memory.write(0x100, &[0x61, 0xff, 0x62]).unwrap();
        assert!(ops_reverse(cx, h, 0x100, 3, 0x200)
            .unwrap_err()
            .0
            .contains("UTF-8"));
        assert!(ops_reverse(cx, h, 0xfffe, 3, 0x200)
            .unwrap_err()
            .0
            .contains("out of bounds"));
        assert!(
            ops_reverse(cx, h, 0x1_0001, 0, 0x200).is_err(),
            "empty, but past the end"
        );
        assert!(ops_reverse(cx, h, -1, -1, 0x200).is_err());
        assert!(ops_reverse(cx, h, 0, 1 << 28, 0x200)
            .unwrap_err()
            .0
            .contains("too long"));
    });
    assert_eq!(h.calls, 0);
    assert!(inst.mem.reallocs.is_empty());
}

#[test]
fn a_bad_return_pointer_traps_after_the_host_call_as_in_lower_flat_values() {
    let ((), inst, h) = hostrun(|cx, h| {
        assert!(ops_reverse(cx, h, 0, 0, 0x202)
            .unwrap_err()
            .0
            .contains("unaligned"));
        assert!(ops_reverse(cx, h, 0, 0, 0xfffc)
            .unwrap_err()
            .0
            .contains("out of bounds"));
        assert!(ops_split_u64(cx, h, 1, 0x1_0000).is_err());
        assert!(
            ops_split_u64(cx, h, 1, 0xfff8).is_ok(),
            "exactly at the end"
        );
    });
    assert_eq!(h.calls, 4);
    assert!(
        inst.mem.reallocs.is_empty(),
        "nothing lowered before the check"
    );
}

#[test]
fn byte_lists_move_in_bulk() {
    let input: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
    let ((), inst, _) = hostrun(|cx, h| {
        cx.memory.write(0x1000, &input).unwrap();
        ops_invert(cx, h, 0x1000, 4096, 0x10).unwrap();
        ops_invert(cx, h, 0x3000, 0, 0x18).unwrap();
        assert!(ops_invert(cx, h, 0xf000, 0x1001, 0x10).is_err());
    });
    let (p, l) = (inst.u32_at(0x10), inst.u32_at(0x14));
    assert_eq!(l, 4096);
    assert!(inst
        .mem
        .get(p, l)
        .iter()
        .zip(&input)
        .all(|(o, i)| o + i == 255));
    assert_eq!(inst.u32_at(0x1c), 0);
    assert_eq!(
        {
            let r = inst.mem.reallocs[0];
            [r.0, r.1, r.2, r.3]
        },
        [0, 0, 1, 4096],
        "one allocation for the whole list"
    );
}

#[test]
fn lists_of_strings_and_records_use_the_canonical_element_layout() {
    let wit = Wit::load();
    let (psize, palign) = wit.size("point");
    let off = wit.offsets("point");
    let ((), inst, _) = hostrun(|cx, h| {
        // ["one", "two", "three"]: (ptr, len) pairs, 8 bytes each.
        let strs = ["one", "two", "three"];
        let mut elems = Vec::new();
        for s in strs {
            let p = cx.memory.realloc(0, 0, 1, s.len() as u32).unwrap();
            cx.memory.write(p, s.as_bytes()).unwrap();
            elems.extend_from_slice(&p.to_le_bytes());
            elems.extend_from_slice(&(s.len() as u32).to_le_bytes());
        }
        let list = cx.memory.realloc(0, 0, 4, elems.len() as u32).unwrap();
        cx.memory.write(list, &elems).unwrap();
        ops_reverse_strings(cx, h, list as i32, 3, 0x40).unwrap();
        assert!(ops_reverse_strings(cx, h, list as i32 + 2, 3, 0x40)
            .unwrap_err()
            .0
            .contains("unaligned"));
        // [{1, -2}, {i32::MAX, i32::MIN}]
        let pts = [(1i32, -2i32), (i32::MAX, i32::MIN)];
        let base = cx.memory.realloc(0, 0, palign, psize * 2).unwrap();
        for (i, (x, y)) in pts.iter().enumerate() {
            let at = base + i as u32 * psize;
            cx.memory.write(at + off["x"], &x.to_le_bytes()).unwrap();
            cx.memory.write(at + off["y"], &y.to_le_bytes()).unwrap();
        }
        ops_swap_points(cx, h, base as i32, 2, 0x48).unwrap();
    });
    let (p, l) = (inst.u32_at(0x40), inst.u32_at(0x44));
    assert_eq!(l, 3);
    let got: Vec<String> = (0..l).map(|i| inst.string_at(p + 8 * i)).collect();
    assert_eq!(got, vec!["three", "two", "one"]);
    let (p, l) = (inst.u32_at(0x48), inst.u32_at(0x4c));
    assert_eq!(l, 2);
    assert_eq!(p % palign, 0);
    let at = |i: u32, f: &str| inst.u32_at(p + i * psize + off[f]) as i32;
    assert_eq!(
        (at(0, "x"), at(0, "y"), at(1, "x"), at(1, "y")),
        (-2, 1, i32::MIN, i32::MAX)
    );
}

// ---- records, tuples ----

#[test]
fn records_of_mixed_alignment_come_back_at_the_wit_parser_offsets() {
    let wit = Wit::load();
    let off = wit.offsets("mixed");
    let (size, align) = wit.size("mixed");
    let ((), inst, _) = hostrun(|cx, h| {
        let name = cx.memory.realloc(0, 0, 1, 5).unwrap();
        cx.memory.write(name, b"mixed").unwrap();
        let ret = cx.memory.realloc(0, 0, align, size).unwrap() as i32;
        // Flat: flag, small, medium, large, ratio, precise, letter, name ptr, name len, retptr.
        ops_bump_mixed(
            cx,
            h,
            7,
            127,
            65535,
            -1,
            1.5,
            -0.0,
            0xdf,
            name as i32,
            5,
            ret,
        )
        .unwrap();
        cx.memory.write(0x20, &(ret as u32).to_le_bytes()).unwrap();
    });
    let ret = inst.u32_at(0x20);
    let b = |f: &str, n: u32| inst.mem.get(ret + off[f], n).to_vec();
    assert_eq!(b("flag", 1), [0], "not true (7 was true)");
    assert_eq!(b("small", 1), [0x80], "127 + 1 wraps");
    assert_eq!(b("medium", 2), [0, 0]);
    assert_eq!(b("large", 8), [0; 8]);
    assert_eq!(b("ratio", 4), (-1.5f32).to_le_bytes());
    assert_eq!(b("precise", 8), 0.0f64.to_le_bytes());
    assert_eq!(b("letter", 4), 0xe0u32.to_le_bytes());
    assert_eq!(inst.string_at(ret + off["name"]), "dexim");
}

#[test]
fn tuples_and_split_results_use_the_retptr() {
    let ((), inst, _) = hostrun(|cx, h| {
        let s = cx.memory.realloc(0, 0, 1, 5).unwrap();
        cx.memory.write(s, b"seven").unwrap();
        ops_rotate_tuple(cx, h, 7, s as i32, 5, 7.5, 0x40).unwrap();
        ops_split_u64(cx, h, 0x0123_4567_89ab_cdef, 0x60).unwrap();
    });
    // tuple<f64, u8, string>: 0, 8, 12 (16 + 8 = 24 bytes? no: align 8, size 24).
    assert_eq!(inst.mem.get(0x40, 8), 7.5f64.to_le_bytes());
    assert_eq!(inst.mem.get(0x48, 1), [7]);
    assert_eq!(inst.string_at(0x4c), "seven");
    assert_eq!(
        (inst.u32_at(0x60), inst.u32_at(0x64)),
        (0x0123_4567, 0x89ab_cdef)
    );
}

#[test]
fn tuple_layout_matches_wit_parser() {
    let wit = Wit::load();
    let f = wit.func("rotate-tuple");
    let info = wit.sizes.params(&f.result);
    assert_eq!(
        (info.size.size_wasm32(), info.align.align_wasm32()),
        (24, 8)
    );
    let Some(Type::Id(t)) = f.result else {
        panic!()
    };
    let TypeDefKind::Tuple(tt) = &wit.resolve.types[t].kind else {
        panic!()
    };
    let offs: Vec<usize> = wit
        .sizes
        .field_offsets(&tt.types)
        .iter()
        .map(|(o, _)| o.size_wasm32())
        .collect();
    assert_eq!(offs, vec![0, 8, 12], "the offsets the test above reads at");
}

// ---- variants ----

#[test]
fn variants_use_the_joined_flat_types_and_ignore_unused_bits() {
    let wit = Wit::load();
    let sig = wit
        .resolve
        .wasm_signature(AbiVariant::GuestImport, wit.func("echo-shape"));
    // wit-parser keeps pointer-ness: PointerOrI64 and Length are i64 and i32 on wasm32.
    assert_eq!(
        format!("{:?}", sig.params),
        "[I32, PointerOrI64, Length, Pointer]",
        "discriminant, join(u8, s64, f32, f64, ptr, u32), join(len, f32), retptr"
    );
    let (size, _) = wit.size("shape");
    let Type::Id(sid) = wit.ty("shape") else {
        unreachable!()
    };
    let TypeDefKind::Variant(v) = &wit.resolve.types[sid].kind else {
        unreachable!()
    };
    let payload = wit
        .sizes
        .payload_offset(v.tag(), v.cases.iter().map(|c| c.ty.as_ref()))
        .size_wasm32() as u32;
    assert_eq!(payload, 8);
    let ((), inst, h) = hostrun(|cx, h| {
        let text = cx.memory.realloc(0, 0, 1, 9).unwrap();
        cx.memory.write(text, "shape ✓".as_bytes()).unwrap();
        let junk = 0x5a5a_5a5a_0000_0000i64;
        let cases: [(i32, i64, i32); 7] = [
            (0, junk, 77),
            (1, junk | 200 | 0x1200, 0), // only the low 8 bits of the u8
            (2, -9007199254740993, 0),
            (3, junk | i64::from((-2.5f32).to_bits()), 0),
            (4, 1e100f64.to_bits() as i64, 0),
            (5, junk | i64::from(text), 9), // the pointer is the low 32 bits
            (6, junk | 4_000_000_000, 0.25f32.to_bits() as i32),
        ];
        for (i, (d, a, b)) in cases.into_iter().enumerate() {
            ops_echo_shape(cx, h, d, a, b, 0x100 + 16 * i as i32).unwrap();
        }
        assert!(ops_echo_shape(cx, h, 7, 0, 0, 0x200)
            .unwrap_err()
            .0
            .contains("invalid discriminant 7 for shape"));
        assert!(ops_echo_shape(cx, h, -1, 0, 0, 0x200).is_err());
    });
    assert_eq!(h.calls, 7);
    assert_eq!(size, 16);
    let at = |i: u32| 0x100 + 16 * i;
    assert_eq!(inst.mem.get(at(0), 1), [0]);
    assert_eq!(inst.mem.get(at(1), 1), [1]);
    assert_eq!(inst.mem.get(at(1) + payload, 1), [200]);
    assert_eq!(
        inst.mem.get(at(2) + payload, 8),
        (-9007199254740993i64).to_le_bytes()
    );
    assert_eq!(inst.mem.get(at(3) + payload, 4), (-2.5f32).to_le_bytes());
    assert_eq!(inst.mem.get(at(4) + payload, 8), 1e100f64.to_le_bytes());
    assert_eq!(inst.mem.get(at(5), 1), [5]);
    assert_eq!(inst.string_at(at(5) + payload), "shape ✓");
    assert_eq!(inst.u32_at(at(6) + payload), 4_000_000_000);
    assert_eq!(inst.mem.get(at(6) + payload + 4, 4), 0.25f32.to_le_bytes());
}

#[test]
fn enums_options_and_results_check_their_discriminants() {
    let ((), inst, h) = hostrun(|cx, h| {
        assert_eq!(ops_next_color(cx, h, 0).unwrap(), 1);
        assert_eq!(ops_next_color(cx, h, 4).unwrap(), 0);
        assert!(ops_next_color(cx, h, 5)
            .unwrap_err()
            .0
            .contains("for color"));
        // option<option<u32>>: flat (d0, d1, n); memory result: d0 @0, d1 @4, n @8.
        ops_inc_nested(cx, h, 0, 9, 9, 0x100).unwrap();
        ops_inc_nested(cx, h, 1, 0, 9, 0x110).unwrap();
        ops_inc_nested(cx, h, 1, 1, 7, 0x120).unwrap();
        ops_inc_nested(cx, h, 1, 1, -1, 0x130).unwrap();
        assert!(ops_inc_nested(cx, h, 2, 0, 0, 0x140)
            .unwrap_err()
            .0
            .contains("for option"));
        assert!(ops_inc_nested(cx, h, 1, 2, 0, 0x140).is_err());
        // result<u32>: flat (d, n) in and out (2 flat results → retptr).
        ops_inc_ok(cx, h, 0, 1, 0x150).unwrap();
        ops_inc_ok(cx, h, 1, 99, 0x158).unwrap();
        assert!(ops_inc_ok(cx, h, 2, 0, 0x160)
            .unwrap_err()
            .0
            .contains("for result"));
        // result (no payloads): one flat value each way.
        assert_eq!(ops_flip_result(cx, h, 0).unwrap(), 1);
        assert_eq!(ops_flip_result(cx, h, 1).unwrap(), 0);
        assert!(ops_flip_result(cx, h, 2).is_err());
        // result<u32, string> → result<string, u32>.
        ops_swap_result(cx, h, 0, 5, 0, 0x170).unwrap();
    });
    assert_eq!(h.calls, 11);
    let w = |p: u32| inst.u32_at(p);
    assert_eq!(inst.mem.get(0x100, 1), [0]);
    assert_eq!(inst.mem.get(0x110, 1), [1]);
    assert_eq!(inst.mem.get(0x114, 1), [0]);
    assert_eq!(
        (
            inst.mem.get(0x120, 1)[0],
            inst.mem.get(0x124, 1)[0],
            w(0x128)
        ),
        (1, 1, 8)
    );
    assert_eq!(w(0x138), 0, "4294967295 + 1");
    assert_eq!((inst.mem.get(0x150, 1)[0], w(0x154)), (0, 2));
    assert_eq!(inst.mem.get(0x158, 1), [1]);
    assert_eq!(
        (inst.mem.get(0x170, 1)[0], w(0x174)),
        (1, 5),
        "ok(5) → err(5)"
    );
}

#[test]
fn flags_drop_undeclared_bits_and_keep_their_sizes() {
    let wit = Wit::load();
    assert_eq!(wit.size("perms"), (1, 1));
    assert_eq!(wit.size("twelve"), (2, 2));
    assert_eq!(wit.size("full"), (4, 4));
    let off = wit.offsets("flag-set");
    assert_eq!((off["small"], off["medium"], off["large"]), (0, 2, 4));
    let ((), inst, _) = hostrun(|cx, h| {
        assert_eq!(ops_invert_perms(cx, h, 0).unwrap(), 0b111);
        assert_eq!(ops_invert_perms(cx, h, 0b010).unwrap(), 0b101);
        assert_eq!(
            ops_invert_perms(cx, h, -8 | 0b010).unwrap(),
            0b101,
            "bits past the three labels are ignored"
        );
        assert_eq!(ops_invert_full(cx, h, 0).unwrap(), -1);
        assert_eq!(
            ops_invert_full(cx, h, (1 << 31) | 1).unwrap() as u32,
            0x7fff_fffe
        );
        ops_invert_flag_set(cx, h, 0b001 | 0x100, 0x801 | 0xf000, 1 << 31, 0x40).unwrap();
    });
    assert_eq!(inst.mem.get(0x40 + off["small"], 1), [0b110]);
    assert_eq!(
        inst.mem.get(0x40 + off["medium"], 2),
        0x7feu16.to_le_bytes()
    );
    assert_eq!(inst.u32_at(0x40 + off["large"]), 0x7fff_ffff);
    assert_eq!(Perms::READ | Perms::EXEC, Perms::from_bits_truncate(0b101));
    assert_eq!(!Twelve::empty(), Twelve::ALL);
    assert_eq!(Full::BIT31.bits(), 1 << 31);
}

// ---- more than 16 flat parameters ----

#[test]
fn seventeen_parameters_travel_through_memory() {
    let wit = Wit::load();
    let f = wit.func("many-params");
    let sig = wit.resolve.wasm_signature(AbiVariant::GuestImport, f);
    assert!(sig.indirect_params && sig.retptr);
    assert_eq!(
        sig.params.len(),
        2,
        "one pointer to the parameters, one return pointer"
    );
    let layout = wit.sizes.record(f.params.iter().map(|p| &p.ty));
    let offs: Vec<u32> = wit
        .sizes
        .field_offsets(f.params.iter().map(|p| &p.ty))
        .iter()
        .map(|(o, _)| o.size_wasm32() as u32)
        .collect();
    let (msize, malign) = wit.size("many");
    let moff = wit.offsets("many");
    let ((), inst, h) = hostrun(|cx, h| {
        let m = cx.memory.realloc(0, 0, 1, 4).unwrap();
        cx.memory.write(m, b"many").unwrap();
        let args = cx
            .memory
            .realloc(
                0,
                0,
                layout.align.align_wasm32() as u32,
                layout.size.size_wasm32() as u32,
            )
            .unwrap();
        let put = |cx: &mut Cx<'_>, i: usize, b: &[u8]| cx.memory.write(args + offs[i], b).unwrap();
        put(cx, 0, &[1]);
        put(cx, 1, &[(-2i8) as u8]);
        put(cx, 2, &3u16.to_le_bytes());
        put(cx, 3, &(-4i16).to_le_bytes());
        put(cx, 4, &5u32.to_le_bytes());
        put(cx, 5, &(-6i32).to_le_bytes());
        put(cx, 6, &7u64.to_le_bytes());
        put(cx, 7, &(-8i64).to_le_bytes());
        put(cx, 8, &9.5f32.to_le_bytes());
        put(cx, 9, &(-10.25f64).to_le_bytes());
        put(cx, 10, &[1]);
        put(cx, 11, &0x3bbu32.to_le_bytes());
        put(cx, 12, &[m.to_le_bytes(), 4u32.to_le_bytes()].concat());
        put(cx, 13, &14u32.to_le_bytes());
        put(cx, 14, &15u64.to_le_bytes());
        put(cx, 15, &16.5f32.to_le_bytes());
        put(cx, 16, &(-17.75f64).to_le_bytes());
        let ret = cx.memory.realloc(0, 0, malign, msize).unwrap();
        ops_many_params(cx, h, args as i32, ret as i32).unwrap();
        cx.memory.write(0x10, &ret.to_le_bytes()).unwrap();
        // The parameter area is checked as a whole, before anything is read.
        assert!(ops_many_params(cx, h, args as i32 + 4, ret as i32)
            .unwrap_err()
            .0
            .contains("unaligned"));
        assert!(ops_many_params(cx, h, 0x1_0000 - 8, ret as i32)
            .unwrap_err()
            .0
            .contains("out of bounds"));
    });
    assert_eq!(h.calls, 1);
    let ret = inst.u32_at(0x10);
    let g = |f: &str, n: u32| inst.mem.get(ret + moff[f], n).to_vec();
    assert_eq!(g("a", 1), [1]);
    assert_eq!(g("b", 1), [0xfe]);
    assert_eq!(g("c", 2), 3u16.to_le_bytes());
    assert_eq!(g("d", 2), (-4i16).to_le_bytes());
    assert_eq!(g("e", 4), 5u32.to_le_bytes());
    assert_eq!(g("f", 4), (-6i32).to_le_bytes());
    assert_eq!(g("g", 8), 7u64.to_le_bytes());
    assert_eq!(g("h", 8), (-8i64).to_le_bytes());
    assert_eq!(g("i", 4), 9.5f32.to_le_bytes());
    assert_eq!(g("j", 8), (-10.25f64).to_le_bytes());
    assert_eq!(g("k", 1), [1]);
    assert_eq!(g("l", 4), 0x3bbu32.to_le_bytes());
    assert_eq!(inst.string_at(ret + moff["m"]), "many");
    assert_eq!(g("n", 4), 14u32.to_le_bytes());
    assert_eq!(g("o", 8), 15u64.to_le_bytes());
    assert_eq!(g("p", 4), 16.5f32.to_le_bytes());
    assert_eq!(g("q", 8), (-17.75f64).to_le_bytes());
}

// ---- the export callers, looped back through the import glue ----

/// A "guest" whose exports are the host's imports: `call` runs the import glue on the same
/// memory (allocating the return area a real guest would return a pointer to).
struct Loopback {
    inst: Inst,
    host: Host,
    wit: Wit,
    calls: Vec<String>,
    post_returns: Vec<(String, Vec<Flat>)>,
}

impl Guest for Loopback {
    fn cx(&mut self) -> Cx<'_> {
        self.inst.cx()
    }
    fn call(&mut self, export: &str, args: &[Flat]) -> Result<Vec<Flat>, Trap> {
        self.calls.push(export.to_owned());
        let name = export.rsplit('#').next().unwrap_or_default();
        let f = self.wit.func(name);
        let sig = self.wit.resolve.wasm_signature(AbiVariant::GuestImport, f);
        let mut args = args.to_vec();
        let mut ret = None;
        if sig.retptr {
            let info = self.wit.sizes.params(&f.result);
            let p = gfx_component::abi::malloc(
                &mut self.inst.cx(),
                info.size.size_wasm32() as u32,
                info.align.align_wasm32() as u32,
            )?;
            args.push(Flat::I32(p));
            ret = Some(p);
        }
        let rets = call_import(&mut self.inst.cx(), &mut self.host, export, &args)?;
        Ok(match ret {
            Some(p) => vec![Flat::I32(p)],
            None => rets,
        })
    }
    fn post_return(&mut self, export: &str, results: &[Flat]) -> Result<(), Trap> {
        self.post_returns
            .push((export.to_owned(), results.to_vec()));
        Ok(())
    }
}

fn loopback() -> Loopback {
    Loopback {
        inst: Inst::new(),
        host: Host::default(),
        wit: Wit::load(),
        calls: Vec::new(),
        post_returns: Vec::new(),
    }
}

#[test]
fn export_callers_lower_call_lift_and_post_return() {
    let mut g = loopback();
    let mut h = Ops::default();
    use ops::Host as _;
    for x in [true, false] {
        assert_eq!(call_ops_not_bool(&mut g, x).unwrap(), h.not_bool(x));
    }
    for x in [0, 1, -128, 127] {
        assert_eq!(call_ops_neg_s8(&mut g, x).unwrap(), h.neg_s8(x));
    }
    for x in [0, 254, 255] {
        assert_eq!(call_ops_inc_u8(&mut g, x).unwrap(), h.inc_u8(x));
    }
    for x in [-32768, 300] {
        assert_eq!(call_ops_neg_s16(&mut g, x).unwrap(), h.neg_s16(x));
    }
    for x in [1, 65535] {
        assert_eq!(call_ops_inc_u16(&mut g, x).unwrap(), h.inc_u16(x));
    }
    for x in [i32::MIN, 5] {
        assert_eq!(call_ops_neg_s32(&mut g, x).unwrap(), h.neg_s32(x));
    }
    for x in [0, 41, u32::MAX] {
        assert_eq!(call_ops_add_one(&mut g, x).unwrap(), h.add_one(x));
    }
    for x in [i64::MIN, 1234567890123] {
        assert_eq!(call_ops_neg_s64(&mut g, x).unwrap(), h.neg_s64(x));
    }
    for x in [9007199254740993, u64::MAX] {
        assert_eq!(call_ops_inc_u64(&mut g, x).unwrap(), h.inc_u64(x));
    }
    for bits in [
        0x3fc0_0000u32,
        0,
        0x8000_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7f7f_ffff,
        1,
    ] {
        let x = f32::from_bits(bits);
        assert_eq!(
            call_ops_neg_f32(&mut g, x).unwrap().to_bits(),
            h.neg_f32(x).to_bits()
        );
    }
    for bits in [
        0x3fb9_9999_9999_999au64,
        0x8000_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0x7fef_ffff_ffff_ffff,
        1,
    ] {
        let x = f64::from_bits(bits);
        assert_eq!(
            call_ops_neg_f64(&mut g, x).unwrap().to_bits(),
            h.neg_f64(x).to_bits()
        );
    }
    for c in ['a', '\u{d7ff}', '\u{ffff}', '😀', '\u{10ffff}'] {
        assert_eq!(call_ops_next_char(&mut g, c).unwrap(), h.next_char(c));
    }
    for s in ["", "hello", "añb€😀", "q\"b\\n\nt\u{7f}"] {
        assert_eq!(call_ops_reverse(&mut g, s.into()).unwrap(), reverse(s));
    }
    let big: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
    for b in [vec![], vec![0, 1, 127, 128, 255], big] {
        assert_eq!(call_ops_invert(&mut g, b.clone()).unwrap(), h.invert(b));
    }
    for l in [vec![], vec!["one", "two", "three"], vec!["", "ü", "😀"]] {
        let l: Vec<String> = l.into_iter().map(String::from).collect();
        assert_eq!(
            call_ops_reverse_strings(&mut g, l.clone()).unwrap(),
            h.reverse_strings(l)
        );
    }
    for l in [
        vec![],
        vec![
            Point { x: 1, y: -2 },
            Point {
                x: i32::MAX,
                y: i32::MIN,
            },
        ],
    ] {
        assert_eq!(
            call_ops_swap_points(&mut g, l.clone()).unwrap(),
            h.swap_points(l)
        );
    }
    let mixed = [
        Mixed {
            flag: true,
            small: 127,
            medium: 65535,
            large: -1,
            ratio: 1.5,
            precise: -0.0,
            letter: 'ß',
            name: "mixed".into(),
        },
        Mixed {
            flag: false,
            small: -128,
            medium: 0,
            large: i64::MAX,
            ratio: f32::NEG_INFINITY,
            precise: f64::from_bits(0x0010_0000_0000_0000),
            letter: '\u{10ffff}',
            name: String::new(),
        },
    ];
    for m in mixed {
        assert_eq!(
            call_ops_bump_mixed(&mut g, m.clone()).unwrap(),
            h.bump_mixed(m)
        );
    }
    for t in [
        (7u8, "seven".to_owned(), 7.5f64),
        (255, String::new(), -0.0),
    ] {
        let got = call_ops_rotate_tuple(&mut g, t.clone()).unwrap();
        let want = h.rotate_tuple(t);
        assert_eq!(
            (got.0.to_bits(), got.1, got.2),
            (want.0.to_bits(), want.1, want.2)
        );
    }
    let shapes = [
        Shape::Empty,
        Shape::Byte(200),
        Shape::Big(-9007199254740993),
        Shape::Single(-2.5),
        Shape::Double(1e100),
        Shape::Text("shape ✓".into()),
        Shape::Pair((4_000_000_000, 0.25)),
    ];
    for s in shapes {
        assert_eq!(call_ops_echo_shape(&mut g, s.clone()).unwrap(), s);
    }
    for c in [
        Color::Red,
        Color::Orange,
        Color::Yellow,
        Color::Green,
        Color::Blue,
    ] {
        assert_eq!(call_ops_next_color(&mut g, c).unwrap(), h.next_color(c));
    }
    for x in [None, Some(None), Some(Some(7)), Some(Some(u32::MAX))] {
        assert_eq!(call_ops_inc_nested(&mut g, x).unwrap(), h.inc_nested(x));
    }
    for r in [Ok(1), Ok(u32::MAX), Err(())] {
        assert_eq!(call_ops_inc_ok(&mut g, r).unwrap(), h.inc_ok(r));
    }
    for r in [Ok(()), Err("abc".to_owned())] {
        assert_eq!(
            call_ops_reverse_err(&mut g, r.clone()).unwrap(),
            h.reverse_err(r)
        );
    }
    for r in [Ok(5), Err("five".to_owned())] {
        assert_eq!(
            call_ops_swap_result(&mut g, r.clone()).unwrap(),
            h.swap_result(r)
        );
    }
    for r in [Ok(()), Err(())] {
        assert_eq!(call_ops_flip_result(&mut g, r).unwrap(), h.flip_result(r));
    }
    for f in [Perms::empty(), Perms::WRITE, Perms::ALL] {
        assert_eq!(call_ops_invert_perms(&mut g, f).unwrap(), !f);
    }
    for f in [
        Full::empty(),
        Full::BIT0 | Full::BIT31,
        Full::BIT15 | Full::BIT16,
    ] {
        assert_eq!(call_ops_invert_full(&mut g, f).unwrap(), !f);
    }
    let fs = FlagSet {
        small: Perms::READ,
        medium: Twelve::T0 | Twelve::T11,
        large: Full::BIT31,
    };
    assert_eq!(
        call_ops_invert_flag_set(&mut g, fs.clone()).unwrap(),
        h.invert_flag_set(fs)
    );
    let many = call_ops_many_params(
        &mut g,
        1,
        -2,
        3,
        -4,
        5,
        -6,
        7,
        -8,
        9.5,
        -10.25,
        true,
        'λ',
        "many".into(),
        14,
        15,
        16.5,
        -17.75,
    )
    .unwrap();
    assert_eq!(
        many,
        Many {
            a: 1,
            b: -2,
            c: 3,
            d: -4,
            e: 5,
            f: -6,
            g: 7,
            h: -8,
            i: 9.5,
            j: -10.25,
            k: true,
            l: 'λ',
            m: "many".into(),
            n: 14,
            o: 15,
            p: 16.5,
            q: -17.75
        }
    );
    let many = call_ops_many_params(
        &mut g,
        255,
        -128,
        65535,
        -32768,
        u32::MAX,
        i32::MIN,
        u64::MAX,
        i64::MIN,
        -0.0,
        f64::INFINITY,
        false,
        '\u{10ffff}',
        String::new(),
        0,
        0,
        f32::from_bits(1),
        -f64::MAX,
    )
    .unwrap();
    assert_eq!(
        (many.a, many.g, many.i.to_bits(), many.p.to_bits(), many.q),
        (255, u64::MAX, 0x8000_0000, 1, -f64::MAX)
    );
    for x in [0x0123_4567_89ab_cdefu64, u64::MAX, 0] {
        assert_eq!(call_ops_split_u64(&mut g, x).unwrap(), h.split_u64(x));
    }
    // Every call was followed by its post-return, with the call's own results.
    assert_eq!(g.post_returns.len(), g.calls.len());
    assert!(g
        .post_returns
        .iter()
        .zip(&g.calls)
        .all(|((p, _), c)| p == c));
    let (_, rets) = g
        .post_returns
        .iter()
        .find(|(n, _)| n.ends_with("#reverse"))
        .unwrap();
    assert!(matches!(rets[..], [Flat::I32(_)]), "a retptr");
    assert_eq!(
        g.host.ops.calls,
        g.calls.len(),
        "one host call per export call"
    );
}

#[test]
fn export_callers_lower_params_through_realloc() {
    let mut g = loopback();
    call_ops_reverse(&mut g, "añb".into()).unwrap();
    // The argument: realloc(0, 0, 1, 4) by the caller, then the return area and the result.
    assert_eq!(
        {
            let r = g.inst.mem.reallocs[0];
            [r.0, r.1, r.2, r.3]
        },
        [0, 0, 1, 4]
    );
    g.inst.mem.reallocs.clear();
    call_ops_many_params(
        &mut g,
        1,
        -2,
        3,
        -4,
        5,
        -6,
        7,
        -8,
        9.5,
        -10.25,
        true,
        'λ',
        "m".into(),
        14,
        15,
        16.5,
        -17.75,
    )
    .unwrap();
    let f = g.wit.func("many-params");
    let layout = g.wit.sizes.record(f.params.iter().map(|p| &p.ty));
    // First the parameter area (`Malloc`), then the string inside it.
    assert_eq!(
        {
            let r = g.inst.mem.reallocs[1];
            [r.0, r.1, r.2, r.3]
        },
        [0, 0, 1, 1]
    );
    assert_eq!(
        {
            let r = g.inst.mem.reallocs[0];
            [r.0, r.1, r.2, r.3]
        },
        [
            0,
            0,
            layout.align.align_wasm32() as u32,
            layout.size.size_wasm32() as u32
        ]
    );
}

/// A guest that returns whatever it is told to.
struct Rigged {
    inst: Inst,
    rets: Vec<Flat>,
}

impl Guest for Rigged {
    fn cx(&mut self) -> Cx<'_> {
        self.inst.cx()
    }
    fn call(&mut self, _: &str, _: &[Flat]) -> Result<Vec<Flat>, Trap> {
        Ok(self.rets.clone())
    }
    fn post_return(&mut self, _: &str, _: &[Flat]) -> Result<(), Trap> {
        Ok(())
    }
}

#[test]
fn hostile_export_results_trap() {
    let mut g = Rigged {
        inst: Inst::new(),
        rets: vec![Flat::I64(1)],
    };
    assert!(call_ops_add_one(&mut g, 1)
        .unwrap_err()
        .0
        .contains("wrong type"));
    g.rets = vec![];
    assert!(call_ops_add_one(&mut g, 1).is_err());
    g.rets = vec![Flat::I32(0x1_0000 - 4)];
    assert!(
        call_ops_reverse(&mut g, "x".into())
            .unwrap_err()
            .0
            .contains("out of bounds"),
        "retptr area past the end"
    );
    g.rets = vec![Flat::I32(2)];
    assert!(call_ops_reverse(&mut g, "x".into())
        .unwrap_err()
        .0
        .contains("unaligned"));
    g.inst.mem.put(0x40, &[0x10, 0, 0, 0, 0xff, 0xff, 0, 0]);
    g.rets = vec![Flat::I32(0x40)];
    assert!(
        call_ops_reverse(&mut g, "x".into()).is_err(),
        "a string past the end"
    );
    g.rets = vec![Flat::I32(9)];
    assert!(call_ops_next_color(&mut g, Color::Red)
        .unwrap_err()
        .0
        .contains("color"));
    g.rets = vec![Flat::I32(0xd800)];
    assert!(call_ops_next_char(&mut g, 'a').is_err());
    g.rets = vec![Flat::I32(-8)];
    assert_eq!(
        call_ops_invert_perms(&mut g, Perms::ALL).unwrap(),
        Perms::empty(),
        "undeclared bits dropped"
    );
}

mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// No flat argument a guest can pass makes the glue panic.
        #[test]
        fn hostile_flat_arguments_never_panic(a in any::<i32>(), b in any::<i32>(), c in any::<i32>(), d in any::<i64>(), r in any::<i32>()) {
            let mut inst = Inst::new();
            inst.mem.put(0x200, &[0xaa; 0x100]);
            let mut host = Host::default();
            let cx = &mut inst.cx();
            let names = [
                ("reverse", vec![Flat::I32(a), Flat::I32(b), Flat::I32(r)]),
                ("invert", vec![Flat::I32(a), Flat::I32(b), Flat::I32(r)]),
                ("reverse-strings", vec![Flat::I32(a), Flat::I32(b), Flat::I32(r)]),
                ("swap-points", vec![Flat::I32(a), Flat::I32(b), Flat::I32(r)]),
                ("echo-shape", vec![Flat::I32(a), Flat::I64(d), Flat::I32(b), Flat::I32(r)]),
                ("inc-nested", vec![Flat::I32(a), Flat::I32(b), Flat::I32(c), Flat::I32(r)]),
                ("many-params", vec![Flat::I32(a), Flat::I32(r)]),
                ("swap-result", vec![Flat::I32(a), Flat::I32(b), Flat::I32(c), Flat::I32(r)]),
                ("next-char", vec![Flat::I32(a)]),
                ("next-color", vec![Flat::I32(a)]),
                ("bump-mixed", vec![Flat::I32(a), Flat::I32(b), Flat::I32(c), Flat::I64(d), Flat::F32(f32::from_bits(a as u32)), Flat::F64(f64::from_bits(d as u64)), Flat::I32(c), Flat::I32(0x200), Flat::I32(b), Flat::I32(r)]),
            ];
            for (name, args) in names {
                let _ = call_import(cx, &mut host, &format!("gfx-test:worlds/ops@0.1.0#{name}"), &args);
            }
        }

        /// Strings and byte lists survive the round trip through guest memory.
        #[test]
        fn values_round_trip(s in ".{0,64}", bytes in proptest::collection::vec(any::<u8>(), 0..300), x in any::<u64>()) {
            let mut g = loopback();
            prop_assert_eq!(call_ops_reverse(&mut g, s.clone()).unwrap(), reverse(&s));
            prop_assert_eq!(call_ops_invert(&mut g, bytes.clone()).unwrap(), bytes.iter().map(|b| 255 - b).collect::<Vec<_>>());
            prop_assert_eq!(call_ops_split_u64(&mut g, x).unwrap(), ((x >> 32) as u32, x as u32));
            prop_assert_eq!(call_ops_reverse_err(&mut g, Err(s.clone())).unwrap(), Err(reverse(&s)));
        }
    }
}
