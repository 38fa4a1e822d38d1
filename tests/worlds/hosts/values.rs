// The host side of world `values` that every Rust host shares — the wasmtime oracle
// (crates/worlds-wasmtime) and our runtime's browser host (crates/worlds-browser) — included
// with `include!` after each brings its own bindings' types into scope (`Point`, `Mixed`,
// `Shape`, `Color`, `Perms`, `Twelve`, `Full`, `FlagSet`, `Many`, the `ops` module with its
// `Host` trait) and the text helpers (`Show`, `case`, `flags`, `record`), and implements
// `FlagWord`. tests/worlds/README.md, "World `values`", is the specification.

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

/// A flags value as its one 32-bit word (both bindings store at most 32 flags); each including
/// file implements it for `Perms`, `Twelve` and `Full`.
trait FlagWord {
    fn word(&self) -> u32;
}

/// Whether flag `i` (declaration order) is set.
fn bit(bits: u32, i: usize) -> bool {
    i < 32 && bits & (1 << i) != 0
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
        flags(out, &PERMS, |i| bit(self.word(), i));
    }
}

impl Show for Twelve {
    fn show(&self, out: &mut String) {
        flags(out, &TWELVE, |i| bit(self.word(), i));
    }
}

impl Show for Full {
    fn show(&self, out: &mut String) {
        flags(out, &FULL, |i| bit(self.word(), i));
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

// ---- The host's `ops`: exactly the transformations of README "World `values`".

/// The next Unicode scalar value: skips the surrogates, wraps U+10FFFF to U+0000.
pub(crate) fn next_char(c: char) -> char {
    match c {
        '\u{d7ff}' => '\u{e000}',
        '\u{10ffff}' => '\u{0}',
        c => char::from_u32(u32::from(c) + 1).unwrap_or('\u{0}'),
    }
}

/// The string's Unicode scalar values in reverse order.
pub(crate) fn reverse(s: &str) -> String {
    s.chars().rev().collect()
}

fn invert_perms(f: Perms) -> Perms {
    !f
}

/// Store data of a `values` run: the host keeps no state.
pub(crate) struct Ops;

impl ops::Host for Ops {
    fn not_bool(&mut self, x: bool) -> bool {
        !x
    }
    fn neg_s8(&mut self, x: i8) -> i8 {
        x.wrapping_neg()
    }
    fn inc_u8(&mut self, x: u8) -> u8 {
        x.wrapping_add(1)
    }
    fn neg_s16(&mut self, x: i16) -> i16 {
        x.wrapping_neg()
    }
    fn inc_u16(&mut self, x: u16) -> u16 {
        x.wrapping_add(1)
    }
    fn neg_s32(&mut self, x: i32) -> i32 {
        x.wrapping_neg()
    }
    fn add_one(&mut self, x: u32) -> u32 {
        x.wrapping_add(1)
    }
    fn neg_s64(&mut self, x: i64) -> i64 {
        x.wrapping_neg()
    }
    fn inc_u64(&mut self, x: u64) -> u64 {
        x.wrapping_add(1)
    }
    fn neg_f32(&mut self, x: f32) -> f32 {
        -x
    }
    fn neg_f64(&mut self, x: f64) -> f64 {
        -x
    }
    fn next_char(&mut self, c: char) -> char {
        next_char(c)
    }
    fn reverse(&mut self, s: String) -> String {
        reverse(&s)
    }
    fn invert(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        bytes.into_iter().map(|b| !b).collect()
    }
    fn reverse_strings(&mut self, mut l: Vec<String>) -> Vec<String> {
        l.reverse();
        l
    }
    fn swap_points(&mut self, l: Vec<Point>) -> Vec<Point> {
        l.into_iter().map(|p| Point { x: p.y, y: p.x }).collect()
    }
    fn bump_mixed(&mut self, m: Mixed) -> Mixed {
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
    fn rotate_tuple(&mut self, t: (u8, String, f64)) -> (f64, u8, String) {
        (t.2, t.0, t.1)
    }
    fn echo_shape(&mut self, s: Shape) -> Shape {
        s
    }
    fn next_color(&mut self, c: Color) -> Color {
        match c {
            Color::Red => Color::Orange,
            Color::Orange => Color::Yellow,
            Color::Yellow => Color::Green,
            Color::Green => Color::Blue,
            Color::Blue => Color::Red,
        }
    }
    fn inc_nested(&mut self, x: Option<Option<u32>>) -> Option<Option<u32>> {
        x.map(|inner| inner.map(|n| n.wrapping_add(1)))
    }
    fn inc_ok(&mut self, r: Result<u32, ()>) -> Result<u32, ()> {
        r.map(|n| n.wrapping_add(1))
    }
    fn reverse_err(&mut self, r: Result<(), String>) -> Result<(), String> {
        r.map_err(|s| reverse(&s))
    }
    fn swap_result(&mut self, r: Result<u32, String>) -> Result<String, u32> {
        match r {
            Ok(n) => Err(n),
            Err(s) => Ok(s),
        }
    }
    fn flip_result(&mut self, r: Result<(), ()>) -> Result<(), ()> {
        match r {
            Ok(()) => Err(()),
            Err(()) => Ok(()),
        }
    }
    fn invert_perms(&mut self, f: Perms) -> Perms {
        invert_perms(f)
    }
    fn invert_full(&mut self, f: Full) -> Full {
        !f
    }
    fn invert_flag_set(&mut self, f: FlagSet) -> FlagSet {
        FlagSet {
            small: !f.small,
            medium: !f.medium,
            large: !f.large,
        }
    }
    #[allow(clippy::too_many_arguments)]
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
        ((x >> 32) as u32, x as u32)
    }
}

/// The fixed inputs of README "World `values`", in call order (the guest's `run` uses the same).
mod inputs {
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
        vec![Perms::empty(), Perms::WRITE, !Perms::empty()]
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

