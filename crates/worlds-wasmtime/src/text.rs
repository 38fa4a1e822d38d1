//! The transcript text of component values, as tests/worlds/README.md ("Value text") defines it.
//!
//! The host side's copy of guests/worlds-values/src/text.rs: the host driver formats what it
//! passes to and gets back from the guest's exports exactly as the guest formats its imports.
//! Primitive and generic types are here; each world module adds its records, variants and flags.

use std::fmt::Write as _;

/// A value that has a transcript text.
pub trait Show {
    /// `true` only for `()`: a `result` case without a payload prints no parentheses.
    const UNIT: bool = false;

    /// Appends the text of `self`.
    fn show(&self, out: &mut String);

    /// Appends the text of a `list` of `Self`: `[a, b, c]` (`list<u8>` overrides it).
    fn show_list(items: &[Self], out: &mut String)
    where
        Self: Sized,
    {
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            item.show(out);
        }
        out.push(']');
    }
}

/// The text of one value.
pub fn text<T: Show + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.show(&mut out);
    out
}

impl Show for () {
    const UNIT: bool = true;
    fn show(&self, out: &mut String) {
        out.push_str("()");
    }
}

impl Show for bool {
    fn show(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

macro_rules! show_integers {
    ($($t:ty)*) => {$(
        impl Show for $t {
            fn show(&self, out: &mut String) {
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
show_integers!(i8 i16 i32 i64 u16 u32 u64);

impl Show for u8 {
    fn show(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }

    /// `list<u8>`: `hex:<bytes>` up to 32 bytes, else its length and FNV-1a 32-bit hash.
    fn show_list(items: &[u8], out: &mut String) {
        if items.len() <= 32 {
            out.push_str("hex:");
            for b in items {
                let _ = write!(out, "{b:02x}");
            }
        } else {
            let _ = write!(
                out,
                "bytes(len={}, fnv1a32=0x{:08x})",
                items.len(),
                fnv1a32(items)
            );
        }
    }
}

/// FNV-1a, 32-bit: offset basis 0x811c9dc5, prime 0x01000193.
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h: u32, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Floats are their IEEE 754 bits, so every host prints them alike.
impl Show for f32 {
    fn show(&self, out: &mut String) {
        let _ = write!(out, "0x{:08x}", self.to_bits());
    }
}

impl Show for f64 {
    fn show(&self, out: &mut String) {
        let _ = write!(out, "0x{:016x}", self.to_bits());
    }
}

impl Show for char {
    fn show(&self, out: &mut String) {
        let _ = write!(out, "U+{:04X}", u32::from(*self));
    }
}

impl Show for str {
    fn show(&self, out: &mut String) {
        out.push('"');
        for c in self.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{0}'..='\u{1f}' | '\u{7f}' => {
                    let _ = write!(out, "\\u{{{:02x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

impl Show for String {
    fn show(&self, out: &mut String) {
        self.as_str().show(out);
    }
}

impl<T: Show + ?Sized> Show for &T {
    const UNIT: bool = T::UNIT;
    fn show(&self, out: &mut String) {
        (**self).show(out);
    }
}

impl<T: Show> Show for Vec<T> {
    fn show(&self, out: &mut String) {
        T::show_list(self, out);
    }
}

impl<T: Show> Show for [T] {
    fn show(&self, out: &mut String) {
        T::show_list(self, out);
    }
}

impl<T: Show> Show for Option<T> {
    fn show(&self, out: &mut String) {
        match self {
            None => out.push_str("none"),
            Some(v) => case(out, "some", v),
        }
    }
}

impl<T: Show, E: Show> Show for Result<T, E> {
    fn show(&self, out: &mut String) {
        match self {
            Ok(v) => case(out, "ok", v),
            Err(e) => case(out, "err", e),
        }
    }
}

/// `name` or `name(payload)`: a variant, option or result case (no parentheses for `()`).
pub fn case<T: Show + ?Sized>(out: &mut String, name: &str, payload: &T) {
    out.push_str(name);
    if !T::UNIT {
        out.push('(');
        payload.show(out);
        out.push(')');
    }
}

/// `{name: value, ...}`: a record's fields in declaration order.
pub fn record(out: &mut String, fields: &[(&str, &dyn Fmt)]) {
    out.push('{');
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push_str(": ");
        value.fmt_into(out);
    }
    out.push('}');
}

/// `{a, c}`: the set flags, in declaration order.
pub fn flags(out: &mut String, names: &[&str], is_set: impl Fn(usize) -> bool) {
    out.push('{');
    let mut first = true;
    for (i, name) in names.iter().enumerate() {
        if is_set(i) {
            if !first {
                out.push_str(", ");
            }
            first = false;
            out.push_str(name);
        }
    }
    out.push('}');
}

/// Object-safe view of [`Show`] (for heterogeneous argument and field lists).
pub trait Fmt {
    /// Appends the text of `self`.
    fn fmt_into(&self, out: &mut String);
}

impl<T: Show + ?Sized> Fmt for T {
    fn fmt_into(&self, out: &mut String) {
        self.show(out);
    }
}

impl<A: Show, B: Show> Show for (A, B) {
    fn show(&self, out: &mut String) {
        out.push('(');
        self.0.show(out);
        out.push_str(", ");
        self.1.show(out);
        out.push(')');
    }
}

impl<A: Show, B: Show, C: Show> Show for (A, B, C) {
    fn show(&self, out: &mut String) {
        out.push('(');
        self.0.show(out);
        out.push_str(", ");
        self.1.show(out);
        out.push_str(", ");
        self.2.show(out);
        out.push(')');
    }
}

/// A transcript: one line per call.
#[derive(Default)]
pub struct Transcript {
    text: String,
}

impl Transcript {
    /// Appends `<prefix><name>(<args>) -> <result>`.
    pub fn call(&mut self, prefix: &str, name: &str, args: &[&dyn Fmt], result: &dyn Fmt) {
        self.text.push_str(prefix);
        self.text.push_str(name);
        self.text.push('(');
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            arg.fmt_into(&mut self.text);
        }
        self.text.push_str(") -> ");
        result.fmt_into(&mut self.text);
        self.text.push('\n');
    }

    /// Appends `text` as it is (the guest's own transcript: whole lines, each ending in `\n`).
    pub fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Appends one line as it is.
    pub fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// The text so far.
    pub fn finish(self) -> String {
        self.text
    }
}
