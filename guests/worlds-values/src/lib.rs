//! Test guest of the `values` world (`tests/worlds/wit/values.wit`).
//!
//! It exports `ops` with the behaviour tests/worlds/README.md gives every function (the same the
//! host gives the imported `ops`), and `run`, which calls every imported `ops` function with the
//! fixed inputs of [`inputs`] and returns the transcript: one line
//! `import ops.<name>(<args>) -> <result>` per call, in README order.

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../tests/worlds/wit",
        world: "gfx-test:worlds/values",
        generate_all,
    });
}

pub mod text;

use bindings::exports::gfx_test::worlds::ops as exported;
use bindings::gfx_test::worlds::ops as host;
use bindings::gfx_test::worlds::types::{
    Color, FlagSet, Full, Many, Mixed, Perms, Point, Shape, Twelve,
};
use text::{case, flags, record, Show, Transcript};

// ---- Value text of this world's types (README "Value text").

impl Show for Point {
    fn show(&self, out: &mut String) {
        record(out, &[("x", &self.x), ("y", &self.y)]);
    }
}

impl Show for Mixed {
    fn show(&self, out: &mut String) {
        record(
            out,
            &[
                ("flag", &self.flag),
                ("small", &self.small),
                ("medium", &self.medium),
                ("large", &self.large),
                ("ratio", &self.ratio),
                ("precise", &self.precise),
                ("letter", &self.letter),
                ("name", &self.name),
            ],
        );
    }
}

impl Show for Shape {
    fn show(&self, out: &mut String) {
        match self {
            Shape::Empty => case(out, "empty", &()),
            Shape::Byte(v) => case(out, "byte", v),
            Shape::Big(v) => case(out, "big", v),
            Shape::Single(v) => case(out, "single", v),
            Shape::Double(v) => case(out, "double", v),
            Shape::Text(v) => case(out, "text", v),
            Shape::Pair(v) => case(out, "pair", v),
        }
    }
}

impl Show for Color {
    fn show(&self, out: &mut String) {
        out.push_str(match self {
            Color::Red => "red",
            Color::Orange => "orange",
            Color::Yellow => "yellow",
            Color::Green => "green",
            Color::Blue => "blue",
        });
    }
}

const PERMS: [&str; 3] = ["read", "write", "exec"];
const TWELVE: [&str; 12] = [
    "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11",
];
const FULL: [&str; 32] = [
    "bit0", "bit1", "bit2", "bit3", "bit4", "bit5", "bit6", "bit7", "bit8", "bit9", "bit10",
    "bit11", "bit12", "bit13", "bit14", "bit15", "bit16", "bit17", "bit18", "bit19", "bit20",
    "bit21", "bit22", "bit23", "bit24", "bit25", "bit26", "bit27", "bit28", "bit29", "bit30",
    "bit31",
];

impl Show for Perms {
    fn show(&self, out: &mut String) {
        flags(out, &PERMS, |i| self.bits() & (1 << i) != 0);
    }
}

impl Show for Twelve {
    fn show(&self, out: &mut String) {
        flags(out, &TWELVE, |i| self.bits() & (1 << i) != 0);
    }
}

impl Show for Full {
    fn show(&self, out: &mut String) {
        flags(out, &FULL, |i| self.bits() & (1 << i) != 0);
    }
}

impl Show for FlagSet {
    fn show(&self, out: &mut String) {
        record(
            out,
            &[
                ("small", &self.small),
                ("medium", &self.medium),
                ("large", &self.large),
            ],
        );
    }
}

impl Show for Many {
    fn show(&self, out: &mut String) {
        record(
            out,
            &[
                ("a", &self.a),
                ("b", &self.b),
                ("c", &self.c),
                ("d", &self.d),
                ("e", &self.e),
                ("f", &self.f),
                ("g", &self.g),
                ("h", &self.h),
                ("i", &self.i),
                ("j", &self.j),
                ("k", &self.k),
                ("l", &self.l),
                ("m", &self.m),
                ("n", &self.n),
                ("o", &self.o),
                ("p", &self.p),
                ("q", &self.q),
            ],
        );
    }
}

// ---- The behaviour of every `ops` function (README "World `values`"), shared by the exports.

/// The next Unicode scalar value: skips the surrogates, wraps U+10FFFF to U+0000.
pub fn next_char(c: char) -> char {
    match c {
        '\u{d7ff}' => '\u{e000}',
        '\u{10ffff}' => '\u{0}',
        c => char::from_u32(u32::from(c) + 1).unwrap_or('\u{0}'),
    }
}

/// The string's Unicode scalar values in reverse order.
pub fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

fn bump_mixed(m: Mixed) -> Mixed {
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

fn next_color(c: Color) -> Color {
    match c {
        Color::Red => Color::Orange,
        Color::Orange => Color::Yellow,
        Color::Yellow => Color::Green,
        Color::Green => Color::Blue,
        Color::Blue => Color::Red,
    }
}

fn invert_perms(f: Perms) -> Perms {
    Perms::from_bits_truncate(!f.bits())
}

fn invert_twelve(f: Twelve) -> Twelve {
    Twelve::from_bits_truncate(!f.bits())
}

fn invert_full(f: Full) -> Full {
    Full::from_bits_truncate(!f.bits())
}

struct Component;

impl exported::Guest for Component {
    fn not_bool(x: bool) -> bool {
        !x
    }
    fn neg_s8(x: i8) -> i8 {
        x.wrapping_neg()
    }
    fn inc_u8(x: u8) -> u8 {
        x.wrapping_add(1)
    }
    fn neg_s16(x: i16) -> i16 {
        x.wrapping_neg()
    }
    fn inc_u16(x: u16) -> u16 {
        x.wrapping_add(1)
    }
    fn neg_s32(x: i32) -> i32 {
        x.wrapping_neg()
    }
    fn add_one(x: u32) -> u32 {
        x.wrapping_add(1)
    }
    fn neg_s64(x: i64) -> i64 {
        x.wrapping_neg()
    }
    fn inc_u64(x: u64) -> u64 {
        x.wrapping_add(1)
    }
    fn neg_f32(x: f32) -> f32 {
        -x
    }
    fn neg_f64(x: f64) -> f64 {
        -x
    }
    fn next_char(c: char) -> char {
        next_char(c)
    }
    fn reverse(s: String) -> String {
        reverse(&s)
    }
    fn invert(bytes: Vec<u8>) -> Vec<u8> {
        bytes.into_iter().map(|b| !b).collect()
    }
    fn reverse_strings(mut l: Vec<String>) -> Vec<String> {
        l.reverse();
        l
    }
    fn swap_points(l: Vec<Point>) -> Vec<Point> {
        l.into_iter().map(|p| Point { x: p.y, y: p.x }).collect()
    }
    fn bump_mixed(m: Mixed) -> Mixed {
        bump_mixed(m)
    }
    fn rotate_tuple(t: (u8, String, f64)) -> (f64, u8, String) {
        (t.2, t.0, t.1)
    }
    fn echo_shape(s: Shape) -> Shape {
        s
    }
    fn next_color(c: Color) -> Color {
        next_color(c)
    }
    fn inc_nested(x: Option<Option<u32>>) -> Option<Option<u32>> {
        x.map(|inner| inner.map(|n| n.wrapping_add(1)))
    }
    fn inc_ok(r: Result<u32, ()>) -> Result<u32, ()> {
        r.map(|n| n.wrapping_add(1))
    }
    fn reverse_err(r: Result<(), String>) -> Result<(), String> {
        r.map_err(|s| reverse(&s))
    }
    fn swap_result(r: Result<u32, String>) -> Result<String, u32> {
        match r {
            Ok(n) => Err(n),
            Err(s) => Ok(s),
        }
    }
    fn flip_result(r: Result<(), ()>) -> Result<(), ()> {
        match r {
            Ok(()) => Err(()),
            Err(()) => Ok(()),
        }
    }
    fn invert_perms(f: Perms) -> Perms {
        invert_perms(f)
    }
    fn invert_full(f: Full) -> Full {
        invert_full(f)
    }
    fn invert_flag_set(f: FlagSet) -> FlagSet {
        FlagSet {
            small: invert_perms(f.small),
            medium: invert_twelve(f.medium),
            large: invert_full(f.large),
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn many_params(
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
    fn split_u64(x: u64) -> (u32, u32) {
        ((x >> 32) as u32, x as u32)
    }
}

impl bindings::Guest for Component {
    fn run() -> String {
        let mut t = Transcript::default();
        run_imports(&mut t);
        t.finish()
    }
}

bindings::export!(Component with_types_in bindings);

/// The fixed inputs of README "World `values`", in call order.
pub mod inputs {
    use super::{Color, FlagSet, Full, Many, Mixed, Perms, Point, Shape, Twelve};

    pub const NOT_BOOL: [bool; 2] = [true, false];
    pub const NEG_S8: [i8; 4] = [0, 1, -128, 127];
    pub const INC_U8: [u8; 3] = [0, 254, 255];
    pub const NEG_S16: [i16; 2] = [-32768, 300];
    pub const INC_U16: [u16; 2] = [1, 65535];
    pub const NEG_S32: [i32; 2] = [-2147483648, 5];
    pub const ADD_ONE: [u32; 3] = [0, 41, 4294967295];
    pub const NEG_S64: [i64; 2] = [-9223372036854775808, 1234567890123];
    pub const INC_U64: [u64; 2] = [9007199254740993, 18446744073709551615];
    /// 1.5, 0.0, -0.0, +inf, -inf, the largest finite f32, the smallest subnormal f32.
    pub const NEG_F32: [u32; 7] = [
        0x3fc0_0000,
        0x0000_0000,
        0x8000_0000,
        0x7f80_0000,
        0xff80_0000,
        0x7f7f_ffff,
        0x0000_0001,
    ];
    /// 0.1, -0.0, +inf, the largest finite f64, the smallest subnormal f64.
    pub const NEG_F64: [u64; 5] = [
        0x3fb9_9999_9999_999a,
        0x8000_0000_0000_0000,
        0x7ff0_0000_0000_0000,
        0x7fef_ffff_ffff_ffff,
        0x0000_0000_0000_0001,
    ];
    pub const NEXT_CHAR: [char; 5] = ['a', '\u{d7ff}', '\u{ffff}', '\u{1f600}', '\u{10ffff}'];
    pub const REVERSE: [&str; 4] = ["", "hello", "añb€😀", "q\"b\\n\nt\u{7f}"];

    /// `[]`, five edge bytes, and 4096 bytes with byte i = i mod 256.
    pub fn invert() -> Vec<Vec<u8>> {
        vec![
            vec![],
            vec![0, 1, 127, 128, 255],
            (0..4096u32).map(|i| (i % 256) as u8).collect(),
        ]
    }

    pub fn reverse_strings() -> Vec<Vec<String>> {
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        vec![
            vec![],
            owned(&["one", "two", "three"]),
            owned(&["", "ü", "😀"]),
        ]
    }

    pub fn swap_points() -> Vec<Vec<Point>> {
        vec![
            vec![],
            vec![
                Point { x: 1, y: -2 },
                Point {
                    x: 2147483647,
                    y: -2147483648,
                },
            ],
        ]
    }

    pub fn bump_mixed() -> Vec<Mixed> {
        vec![
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
                large: 9223372036854775807,
                ratio: f32::NEG_INFINITY,
                precise: f64::from_bits(0x0010_0000_0000_0000),
                letter: '\u{10ffff}',
                name: String::new(),
            },
        ]
    }

    pub fn rotate_tuple() -> Vec<(u8, String, f64)> {
        vec![(7, "seven".into(), 7.5), (255, String::new(), -0.0)]
    }

    pub fn echo_shape() -> Vec<Shape> {
        vec![
            Shape::Empty,
            Shape::Byte(200),
            Shape::Big(-9007199254740993),
            Shape::Single(-2.5),
            Shape::Double(1e100),
            Shape::Text("shape ✓".into()),
            Shape::Pair((4000000000, 0.25)),
        ]
    }

    pub const NEXT_COLOR: [Color; 5] = [
        Color::Red,
        Color::Orange,
        Color::Yellow,
        Color::Green,
        Color::Blue,
    ];
    pub const INC_NESTED: [Option<Option<u32>>; 4] =
        [None, Some(None), Some(Some(7)), Some(Some(4294967295))];
    pub const INC_OK: [Result<u32, ()>; 3] = [Ok(1), Ok(4294967295), Err(())];

    pub fn reverse_err() -> Vec<Result<(), String>> {
        vec![Ok(()), Err("abc".into())]
    }

    pub fn swap_result() -> Vec<Result<u32, String>> {
        vec![Ok(5), Err("five".into())]
    }

    pub const FLIP_RESULT: [Result<(), ()>; 2] = [Ok(()), Err(())];

    pub fn invert_perms() -> Vec<Perms> {
        vec![Perms::empty(), Perms::WRITE, Perms::all()]
    }

    pub fn invert_full() -> Vec<Full> {
        vec![
            Full::empty(),
            Full::BIT0 | Full::BIT31,
            Full::BIT15 | Full::BIT16,
        ]
    }

    pub fn invert_flag_set() -> Vec<FlagSet> {
        vec![FlagSet {
            small: Perms::READ,
            medium: Twelve::T0 | Twelve::T11,
            large: Full::BIT31,
        }]
    }

    pub fn many_params() -> Vec<Many> {
        vec![
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
                q: -17.75,
            },
            Many {
                a: 255,
                b: -128,
                c: 65535,
                d: -32768,
                e: 4294967295,
                f: -2147483648,
                g: 18446744073709551615,
                h: -9223372036854775808,
                i: -0.0,
                j: f64::INFINITY,
                k: false,
                l: '\u{10ffff}',
                m: String::new(),
                n: 0,
                o: 0,
                p: f32::from_bits(1),
                q: -f64::MAX,
            },
        ]
    }

    pub const SPLIT_U64: [u64; 3] = [0x0123_4567_89ab_cdef, 18446744073709551615, 0];
}

/// Calls every imported `ops` function with every input, in README order.
fn run_imports(t: &mut Transcript) {
    const P: &str = "import ops.";
    macro_rules! each {
        ($name:literal, $inputs:expr, |$x:ident| $call:expr) => {
            for $x in $inputs {
                let r = $call;
                t.call(P, $name, &[&$x], &r);
            }
        };
    }
    each!("not-bool", inputs::NOT_BOOL, |x| host::not_bool(x));
    each!("neg-s8", inputs::NEG_S8, |x| host::neg_s8(x));
    each!("inc-u8", inputs::INC_U8, |x| host::inc_u8(x));
    each!("neg-s16", inputs::NEG_S16, |x| host::neg_s16(x));
    each!("inc-u16", inputs::INC_U16, |x| host::inc_u16(x));
    each!("neg-s32", inputs::NEG_S32, |x| host::neg_s32(x));
    each!("add-one", inputs::ADD_ONE, |x| host::add_one(x));
    each!("neg-s64", inputs::NEG_S64, |x| host::neg_s64(x));
    each!("inc-u64", inputs::INC_U64, |x| host::inc_u64(x));
    each!("neg-f32", inputs::NEG_F32.map(f32::from_bits), |x| {
        host::neg_f32(x)
    });
    each!("neg-f64", inputs::NEG_F64.map(f64::from_bits), |x| {
        host::neg_f64(x)
    });
    each!("next-char", inputs::NEXT_CHAR, |x| host::next_char(x));
    each!("reverse", inputs::REVERSE, |x| host::reverse(x));
    each!("invert", inputs::invert(), |x| host::invert(&x));
    each!("reverse-strings", inputs::reverse_strings(), |x| {
        host::reverse_strings(&x)
    });
    each!("swap-points", inputs::swap_points(), |x| host::swap_points(
        &x
    ));
    each!("bump-mixed", inputs::bump_mixed(), |x| host::bump_mixed(&x));
    for x in inputs::rotate_tuple() {
        let r = host::rotate_tuple((x.0, &x.1, x.2));
        t.call(P, "rotate-tuple", &[&x], &r);
    }
    each!("echo-shape", inputs::echo_shape(), |x| host::echo_shape(&x));
    each!("next-color", inputs::NEXT_COLOR, |x| host::next_color(x));
    each!("inc-nested", inputs::INC_NESTED, |x| host::inc_nested(x));
    each!("inc-ok", inputs::INC_OK, |x| host::inc_ok(x));
    for x in inputs::reverse_err() {
        let r = host::reverse_err(x.as_ref().map(|_| ()).map_err(|s| s.as_str()));
        t.call(P, "reverse-err", &[&x], &r);
    }
    for x in inputs::swap_result() {
        let r = host::swap_result(x.as_ref().map(|n| *n).map_err(|s| s.as_str()));
        t.call(P, "swap-result", &[&x], &r);
    }
    each!("flip-result", inputs::FLIP_RESULT, |x| host::flip_result(x));
    each!("invert-perms", inputs::invert_perms(), |x| {
        host::invert_perms(x)
    });
    each!("invert-full", inputs::invert_full(), |x| host::invert_full(
        x
    ));
    each!("invert-flag-set", inputs::invert_flag_set(), |x| {
        host::invert_flag_set(x)
    });
    for m in inputs::many_params() {
        let r = host::many_params(
            m.a, m.b, m.c, m.d, m.e, m.f, m.g, m.h, m.i, m.j, m.k, m.l, &m.m, m.n, m.o, m.p, m.q,
        );
        let args: [&dyn text::Fmt; 17] = [
            &m.a, &m.b, &m.c, &m.d, &m.e, &m.f, &m.g, &m.h, &m.i, &m.j, &m.k, &m.l, &m.m, &m.n,
            &m.o, &m.p, &m.q,
        ];
        t.call(P, "many-params", &args, &r);
    }
    each!("split-u64", inputs::SPLIT_U64, |x| host::split_u64(x));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_char_skips_surrogates_and_wraps() {
        assert_eq!(next_char('a'), 'b');
        assert_eq!(next_char('\u{d7ff}'), '\u{e000}');
        assert_eq!(next_char('\u{ffff}'), '\u{10000}');
        assert_eq!(next_char('\u{10ffff}'), '\u{0}');
    }

    #[test]
    fn reverse_is_by_scalar_value() {
        assert_eq!(reverse("añb€😀"), "😀€bña");
        assert_eq!(reverse(""), "");
    }

    #[test]
    fn value_text_follows_the_readme() {
        assert_eq!(text::text(&-0.0f32), "0x80000000");
        assert_eq!(text::text(&1.5f64), "0x3ff8000000000000");
        assert_eq!(text::text(&'😀'), "U+1F600");
        assert_eq!(text::text("a\"\\\n\u{7f}é"), "\"a\\\"\\\\\\u{0a}\\u{7f}é\"");
        assert_eq!(text::text(&vec![0u8, 255]), "hex:00ff");
        assert_eq!(
            text::text(&vec![0u8; 33]),
            format!("bytes(len=33, fnv1a32=0x{:08x})", text::fnv1a32(&[0; 33]))
        );
        assert_eq!(text::fnv1a32(b""), 0x811c9dc5);
        assert_eq!(text::fnv1a32(b"a"), 0xe40c292c);
        assert_eq!(text::text(&Some(Some(7u32))), "some(some(7))");
        assert_eq!(text::text(&Ok::<(), ()>(())), "ok");
        assert_eq!(text::text(&Err::<u32, String>("x".into())), "err(\"x\")");
        assert_eq!(text::text(&(Full::BIT0 | Full::BIT31)), "{bit0, bit31}");
        assert_eq!(text::text(&Perms::empty()), "{}");
        assert_eq!(text::text(&Shape::Empty), "empty");
        assert_eq!(text::text(&(1u8, "s".to_string())), "(1, \"s\")");
        assert_eq!(
            text::text(&vec!["a".to_string(), "b".to_string()]),
            "[\"a\", \"b\"]"
        );
    }
}
