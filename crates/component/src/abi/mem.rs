//! Checked loads and stores, strings, lists, scalars.
//!
//! Pointers and lengths arrive as the core `i32` values generated code holds; they are
//! reinterpreted as unsigned (`i32 as u32`), as the explainer's `CoreValueIter` does.

use super::{Cx, Flat, Memory, Trap};

/// `MAX_STRING_BYTE_LENGTH` of the explainer: longer strings trap when lifted (and, since no
/// receiver could have lifted them, when the host lowers one).
pub const MAX_STRING_BYTE_LENGTH: u32 = (1 << 28) - 1;
/// `MAX_LIST_BYTE_LENGTH` of the explainer: `length * element size` above it traps.
pub const MAX_LIST_BYTE_LENGTH: u32 = (1 << 28) - 1;

/// Lifted lists reserve at most this many elements up front: the rest grows as elements are
/// actually read, so a hostile length costs the host no more than the bytes it really copies.
const MAX_RESERVE: usize = 4096;

#[cold]
fn trap_range(ptr: u64, len: u64, size: u64) -> Trap {
    Trap(format!(
        "out of bounds: {len} bytes at {ptr:#x} (memory is {size} bytes)"
    ))
}

#[cold]
fn trap_align(ptr: u64, align: u32) -> Trap {
    Trap(format!("unaligned: {ptr:#x} is not a multiple of {align}"))
}

#[cold]
fn trap_too_long(what: &'static str, len: u64) -> Trap {
    Trap(format!("{what} of {len} bytes is too long"))
}

/// A variant, enum, option or result discriminant out of range for type `ty`.
#[cold]
pub fn bad_case(ty: &'static str, discriminant: i32) -> Trap {
    Trap(format!(
        "invalid discriminant {} for {ty}",
        discriminant as u32
    ))
}

/// Traps unless `[ptr, ptr + len)` lies within memory and `ptr` is a multiple of `align` (the
/// checks `lift_flat_values` / `lower_flat_values` make on a parameter area or return pointer,
/// `load_list_from_range` on a list).
pub fn check_range(cx: &Cx<'_>, ptr: i32, len: u32, align: u32) -> Result<(), Trap> {
    range(cx.memory, ptr as u32, u64::from(len), align)
}

#[inline]
fn range(memory: &dyn Memory, ptr: u32, len: u64, align: u32) -> Result<(), Trap> {
    if align > 1 && !ptr.is_multiple_of(align) {
        return Err(trap_align(u64::from(ptr), align));
    }
    let size = memory.size();
    if u64::from(ptr) + len > size {
        return Err(trap_range(u64::from(ptr), len, size));
    }
    Ok(())
}

#[inline]
fn address(ptr: i32, offset: u32, align: u32) -> Result<u32, Trap> {
    let at = u64::from(ptr as u32) + u64::from(offset);
    if at > u64::from(u32::MAX) {
        return Err(trap_range(at, u64::from(align), 1 << 32));
    }
    if align > 1 && !at.is_multiple_of(u64::from(align)) {
        return Err(trap_align(at, align));
    }
    Ok(at as u32)
}

#[inline]
fn read<const N: usize>(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<[u8; N], Trap> {
    let at = address(ptr, offset, N as u32)?;
    let mut bytes = [0; N];
    cx.memory.read(at, &mut bytes)?;
    Ok(bytes)
}

#[inline]
fn write<const N: usize>(
    cx: &mut Cx<'_>,
    ptr: i32,
    offset: u32,
    bytes: [u8; N],
) -> Result<(), Trap> {
    let at = address(ptr, offset, N as u32)?;
    cx.memory.write(at, &bytes)
}

/// `i32.load8_u` at `ptr + offset`.
pub fn load_u8(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<i32, Trap> {
    Ok(i32::from(read::<1>(cx, ptr, offset)?[0]))
}
/// `i32.load8_s` at `ptr + offset`.
pub fn load_s8(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<i32, Trap> {
    Ok(i32::from(read::<1>(cx, ptr, offset)?[0] as i8))
}
/// `i32.load16_u` at `ptr + offset` (2-byte aligned).
pub fn load_u16(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<i32, Trap> {
    Ok(i32::from(u16::from_le_bytes(read(cx, ptr, offset)?)))
}
/// `i32.load16_s` at `ptr + offset` (2-byte aligned).
pub fn load_s16(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<i32, Trap> {
    Ok(i32::from(i16::from_le_bytes(read(cx, ptr, offset)?)))
}
/// `i32.load` at `ptr + offset` (4-byte aligned).
pub fn load_i32(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<i32, Trap> {
    Ok(i32::from_le_bytes(read(cx, ptr, offset)?))
}
/// `i64.load` at `ptr + offset` (8-byte aligned).
pub fn load_i64(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<i64, Trap> {
    Ok(i64::from_le_bytes(read(cx, ptr, offset)?))
}
/// `f32.load` at `ptr + offset` (4-byte aligned; the bits as they are, see [`f32_canon`]).
pub fn load_f32(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<f32, Trap> {
    Ok(f32::from_le_bytes(read(cx, ptr, offset)?))
}
/// `f64.load` at `ptr + offset` (8-byte aligned).
pub fn load_f64(cx: &Cx<'_>, ptr: i32, offset: u32) -> Result<f64, Trap> {
    Ok(f64::from_le_bytes(read(cx, ptr, offset)?))
}

/// `i32.store8` of the low 8 bits of `v` at `ptr + offset`.
pub fn store_i8(cx: &mut Cx<'_>, ptr: i32, offset: u32, v: i32) -> Result<(), Trap> {
    write(cx, ptr, offset, [v as u8])
}
/// `i32.store16` of the low 16 bits of `v` at `ptr + offset` (2-byte aligned).
pub fn store_i16(cx: &mut Cx<'_>, ptr: i32, offset: u32, v: i32) -> Result<(), Trap> {
    write(cx, ptr, offset, (v as u16).to_le_bytes())
}
/// `i32.store` at `ptr + offset` (4-byte aligned).
pub fn store_i32(cx: &mut Cx<'_>, ptr: i32, offset: u32, v: i32) -> Result<(), Trap> {
    write(cx, ptr, offset, v.to_le_bytes())
}
/// `i64.store` at `ptr + offset` (8-byte aligned).
pub fn store_i64(cx: &mut Cx<'_>, ptr: i32, offset: u32, v: i64) -> Result<(), Trap> {
    write(cx, ptr, offset, v.to_le_bytes())
}
/// `f32.store` at `ptr + offset` (4-byte aligned).
pub fn store_f32(cx: &mut Cx<'_>, ptr: i32, offset: u32, v: f32) -> Result<(), Trap> {
    write(cx, ptr, offset, v.to_le_bytes())
}
/// `f64.store` at `ptr + offset` (8-byte aligned).
pub fn store_f64(cx: &mut Cx<'_>, ptr: i32, offset: u32, v: f64) -> Result<(), Trap> {
    write(cx, ptr, offset, v.to_le_bytes())
}

/// The canonical NaN for every NaN (`canonicalize_nan32`); other values unchanged.
#[inline]
pub fn f32_canon(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        x
    }
}

/// The canonical NaN for every NaN (`canonicalize_nan64`); other values unchanged.
#[inline]
pub fn f64_canon(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        x
    }
}

/// `convert_i32_to_char`: a Unicode scalar value, else a trap.
#[inline]
pub fn char_lift(i: i32) -> Result<char, Trap> {
    char::from_u32(i as u32).ok_or_else(|| bad_char(i))
}

#[cold]
fn bad_char(i: i32) -> Trap {
    Trap(format!("invalid char {:#x}", i as u32))
}

/// `cabi_realloc(0, 0, align, size)`, then the explainer's checks on the result (aligned,
/// within memory). Called for zero sizes too, as `store_list_into_range` does.
pub fn malloc(cx: &mut Cx<'_>, size: u32, align: u32) -> Result<i32, Trap> {
    let ptr = cx.memory.realloc(0, 0, align, size)?;
    range(cx.memory, ptr, u64::from(size), align)?;
    Ok(ptr as i32)
}

/// `load_string_from_range` for UTF-8: a string of `len` bytes at `ptr`.
pub fn string_lift(cx: &Cx<'_>, ptr: i32, len: i32) -> Result<String, Trap> {
    let (ptr, len) = (ptr as u32, len as u32);
    if len > MAX_STRING_BYTE_LENGTH {
        return Err(trap_too_long("string", u64::from(len)));
    }
    range(cx.memory, ptr, u64::from(len), 1)?;
    let mut bytes = vec![0; len as usize];
    cx.memory.read(ptr, &mut bytes)?;
    String::from_utf8(bytes).map_err(|e| bad_utf8(e.utf8_error().valid_up_to()))
}

#[cold]
fn bad_utf8(at: usize) -> Trap {
    Trap(format!("invalid UTF-8 in string at byte {at}"))
}

/// `store_string_into_range` for UTF-8 to UTF-8: `realloc`s `s.len()` bytes (1-aligned) and
/// copies; returns `(ptr, len)`.
pub fn string_lower(cx: &mut Cx<'_>, s: &str) -> Result<(i32, i32), Trap> {
    let len = u32::try_from(s.len())
        .ok()
        .filter(|&n| n <= MAX_STRING_BYTE_LENGTH)
        .ok_or_else(|| trap_too_long("string", s.len() as u64))?;
    let ptr = malloc(cx, len, 1)?;
    cx.memory.write(ptr as u32, s.as_bytes())?;
    Ok((ptr, len as i32))
}

fn list_bytes(len: u32, elem_size: u32) -> Result<u32, Trap> {
    let bytes = u64::from(len) * u64::from(elem_size);
    if bytes > u64::from(MAX_LIST_BYTE_LENGTH) {
        return Err(trap_too_long("list", bytes));
    }
    Ok(bytes as u32)
}

/// `load_list_from_range` for any element type: checks the whole range first, then calls
/// `elem(cx, base)` with each element's address, in order.
pub fn list_lift<T>(
    cx: &mut Cx<'_>,
    ptr: i32,
    len: i32,
    elem_size: u32,
    align: u32,
    mut elem: impl FnMut(&mut Cx<'_>, i32) -> Result<T, Trap>,
) -> Result<Vec<T>, Trap> {
    let (base, len) = (ptr as u32, len as u32);
    let bytes = list_bytes(len, elem_size)?;
    range(cx.memory, base, u64::from(bytes), align)?;
    let mut out = Vec::with_capacity((len as usize).min(MAX_RESERVE));
    for i in 0..len {
        // In range (checked above), so no overflow.
        out.push(elem(cx, (base + i * elem_size) as i32)?);
    }
    Ok(out)
}

/// `store_list_into_range` for any element type: `realloc`s `len * elem_size` bytes, then calls
/// `elem(cx, value, base)` with each element and its address, in order; returns `(ptr, len)`.
pub fn list_lower<T>(
    cx: &mut Cx<'_>,
    items: Vec<T>,
    elem_size: u32,
    align: u32,
    mut elem: impl FnMut(&mut Cx<'_>, T, i32) -> Result<(), Trap>,
) -> Result<(i32, i32), Trap> {
    let len = u32::try_from(items.len()).map_err(|_| trap_too_long("list", items.len() as u64))?;
    let bytes = list_bytes(len, elem_size)?;
    let ptr = malloc(cx, bytes, align)?;
    for (i, item) in (0..len).zip(items) {
        elem(cx, item, (ptr as u32 + i * elem_size) as i32)?;
    }
    Ok((ptr, len as i32))
}

/// An element type whose canonical layout is its little-endian bytes: `list<T>` of it is lifted
/// and lowered as one bulk copy.
pub trait Canon: Sized + Copy {
    /// Size (and alignment) in bytes.
    const SIZE: u32;
    /// Decodes `bytes` (a multiple of `SIZE` long).
    fn decode(bytes: Vec<u8>) -> Vec<Self>;
    /// Appends the little-endian bytes of `items`.
    fn encode(items: &[Self], out: &mut Vec<u8>);
}

impl Canon for u8 {
    const SIZE: u32 = 1;
    fn decode(bytes: Vec<u8>) -> Vec<Self> {
        bytes
    }
    fn encode(items: &[Self], out: &mut Vec<u8>) {
        out.extend_from_slice(items);
    }
}

macro_rules! canon {
    ($($t:ty => $fix:expr),* $(,)?) => {$(
        impl Canon for $t {
            const SIZE: u32 = core::mem::size_of::<$t>() as u32;
            fn decode(bytes: Vec<u8>) -> Vec<Self> {
                let fix: fn($t) -> $t = $fix;
                bytes
                    .chunks_exact(core::mem::size_of::<$t>())
                    .map(|c| {
                        let mut a = [0; core::mem::size_of::<$t>()];
                        a.copy_from_slice(c);
                        fix(<$t>::from_le_bytes(a))
                    })
                    .collect()
            }
            fn encode(items: &[Self], out: &mut Vec<u8>) {
                let fix: fn($t) -> $t = $fix;
                out.reserve(items.len() * core::mem::size_of::<$t>());
                for &x in items {
                    out.extend_from_slice(&fix(x).to_le_bytes());
                }
            }
        }
    )*};
}

canon! {
    i8 => |x| x, u16 => |x| x, i16 => |x| x, u32 => |x| x, i32 => |x| x,
    u64 => |x| x, i64 => |x| x, f32 => f32_canon, f64 => f64_canon,
}

/// `load_list_from_range` for a [`Canon`] element: one bulk read.
pub fn list_lift_canon<T: Canon>(cx: &Cx<'_>, ptr: i32, len: i32) -> Result<Vec<T>, Trap> {
    let (ptr, len) = (ptr as u32, len as u32);
    let bytes = list_bytes(len, T::SIZE)?;
    range(cx.memory, ptr, u64::from(bytes), T::SIZE)?;
    let mut buf = vec![0; bytes as usize];
    cx.memory.read(ptr, &mut buf)?;
    Ok(T::decode(buf))
}

/// `store_list_into_range` for a [`Canon`] element: one `realloc`, one bulk write.
pub fn list_lower_canon<T: Canon>(cx: &mut Cx<'_>, items: &[T]) -> Result<(i32, i32), Trap> {
    let len = u32::try_from(items.len()).map_err(|_| trap_too_long("list", items.len() as u64))?;
    let bytes = list_bytes(len, T::SIZE)?;
    let ptr = malloc(cx, bytes, T::SIZE)?;
    let mut buf = Vec::new();
    T::encode(items, &mut buf);
    cx.memory.write(ptr as u32, &buf)?;
    Ok((ptr, len as i32))
}

/// A WIT `enum` as generated code declares it: its cases in declaration order.
pub trait Enum: Copy + 'static {
    /// The cases, index = discriminant.
    const CASES: &'static [Self];
    /// The WIT name (for trap messages).
    const NAME: &'static str;
}

/// Lifts an enum discriminant; out of range traps.
#[inline]
pub fn enum_lift<E: Enum>(i: i32) -> Result<E, Trap> {
    E::CASES
        .get(i as u32 as usize)
        .copied()
        .ok_or_else(|| bad_case(E::NAME, i))
}

#[cold]
fn trap_flat(i: usize) -> Trap {
    Trap(format!("core result {i} is missing or of the wrong type"))
}

/// Flat result `i` of a guest call as an `i32`.
pub fn flat_i32(v: &[Flat], i: usize) -> Result<i32, Trap> {
    match v.get(i) {
        Some(Flat::I32(x)) => Ok(*x),
        _ => Err(trap_flat(i)),
    }
}
/// Flat result `i` of a guest call as an `i64`.
pub fn flat_i64(v: &[Flat], i: usize) -> Result<i64, Trap> {
    match v.get(i) {
        Some(Flat::I64(x)) => Ok(*x),
        _ => Err(trap_flat(i)),
    }
}
/// Flat result `i` of a guest call as an `f32`. JavaScript does not say which core type a
/// number had, so the browser reports an integral result as `I32` and others as `F64`; both
/// convert back exactly to the `f32` the guest returned.
pub fn flat_f32(v: &[Flat], i: usize) -> Result<f32, Trap> {
    match v.get(i) {
        Some(Flat::F32(x)) => Ok(*x),
        Some(Flat::F64(x)) => Ok(*x as f32),
        Some(Flat::I32(x)) => Ok(*x as f32),
        _ => Err(trap_flat(i)),
    }
}
/// Flat result `i` of a guest call as an `f64` (an `I32` too: see [`flat_f32`]).
pub fn flat_f64(v: &[Flat], i: usize) -> Result<f64, Trap> {
    match v.get(i) {
        Some(Flat::F64(x)) => Ok(*x),
        Some(Flat::I32(x)) => Ok(f64::from(*x)),
        _ => Err(trap_flat(i)),
    }
}

/// The bit operations and accessors of a generated flags type `$name(u32)` whose declared
/// labels are the bits of `$all`. Values never carry undeclared bits: `from_bits_truncate`
/// masks them (as lifting does) and `!` complements within the declared flags.
#[macro_export]
macro_rules! abi_flags {
    ($name:ident, $all:expr) => {
        impl $name {
            /// Every declared flag.
            pub const ALL: Self = Self($all);
            /// No flag.
            pub const fn empty() -> Self {
                Self(0)
            }
            /// The flags as bits (bit `i` = the `i`-th declared flag).
            pub const fn bits(self) -> u32 {
                self.0
            }
            /// The declared flags among `bits`; other bits are dropped.
            pub const fn from_bits_truncate(bits: u32) -> Self {
                Self(bits & $all)
            }
            /// Whether no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }
            /// Whether every flag of `other` is set.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }
        }
        impl ::core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, o: Self) -> Self {
                Self(self.0 | o.0)
            }
        }
        impl ::core::ops::BitAnd for $name {
            type Output = Self;
            fn bitand(self, o: Self) -> Self {
                Self(self.0 & o.0)
            }
        }
        impl ::core::ops::BitXor for $name {
            type Output = Self;
            fn bitxor(self, o: Self) -> Self {
                Self(self.0 ^ o.0)
            }
        }
        impl ::core::ops::Not for $name {
            type Output = Self;
            fn not(self) -> Self {
                Self(!self.0 & $all)
            }
        }
        impl ::core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, o: Self) {
                self.0 |= o.0;
            }
        }
        impl ::core::ops::BitAndAssign for $name {
            fn bitand_assign(&mut self, o: Self) {
                self.0 &= o.0;
            }
        }
    };
}
