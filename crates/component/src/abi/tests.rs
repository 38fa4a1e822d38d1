use proptest::prelude::*;

use super::testing::{VecMemory, PAGE};
use super::*;

fn with<R>(mem: &mut VecMemory, f: impl FnOnce(&mut Cx<'_>) -> R) -> R {
    let mut tables = ResourceTables::new();
    let mut cx = Cx {
        memory: mem,
        resources: &mut tables,
        instance: 0,
    };
    f(&mut cx)
}

#[test]
fn loads_and_stores_are_little_endian_and_sign_correct() {
    let mut mem = VecMemory::new(1, 1024);
    mem.put(16, &[0xff, 0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x86]);
    with(&mut mem, |cx| {
        assert_eq!(load_u8(cx, 16, 0).unwrap(), 0xff);
        assert_eq!(load_s8(cx, 16, 0).unwrap(), -1);
        assert_eq!(load_u16(cx, 16, 0).unwrap(), 0x80ff);
        assert_eq!(load_s16(cx, 16, 0).unwrap(), 0x80ffu16 as i16 as i32);
        assert_eq!(load_i32(cx, 16, 0).unwrap(), 0x0201_80ff);
        assert_eq!(
            load_i64(cx, 16, 0).unwrap(),
            0x8605_0403_0201_80ffu64 as i64
        );
        store_i8(cx, 32, 0, 0x1234).unwrap();
        store_i16(cx, 32, 2, -2).unwrap();
        store_i32(cx, 32, 4, 0x0a0b_0c0d).unwrap();
        store_i64(cx, 32, 8, -1).unwrap();
        store_f32(cx, 32, 16, 1.5).unwrap();
        store_f64(cx, 32, 24, 0.1).unwrap();
        assert_eq!(load_f32(cx, 32, 16).unwrap().to_bits(), 0x3fc0_0000);
        assert_eq!(
            load_f64(cx, 32, 24).unwrap().to_bits(),
            0x3fb9_9999_9999_999a
        );
    });
    assert_eq!(
        mem.get(32, 16),
        &[
            0x34, 0, 0xfe, 0xff, 0x0d, 0x0c, 0x0b, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff
        ]
    );
}

#[test]
fn unaligned_and_out_of_bounds_accesses_trap() {
    let mut mem = VecMemory::new(1, 1024);
    with(&mut mem, |cx| {
        assert!(load_i32(cx, 2, 0).unwrap_err().0.contains("unaligned"));
        assert!(load_u16(cx, 1, 0).is_err());
        assert!(load_i64(cx, 4, 0).is_err());
        assert!(load_i32(cx, PAGE as i32 - 4, 0).is_ok());
        assert!(load_i32(cx, PAGE as i32, 0)
            .unwrap_err()
            .0
            .contains("out of bounds"));
        assert!(load_u8(cx, -1, 0).is_err());
        assert!(
            load_u8(cx, -1, 1).is_err(),
            "ptr + offset overflows 32 bits"
        );
        assert!(store_i64(cx, PAGE as i32 - 8, 8, 0).is_err());
        assert!(check_range(cx, 8, PAGE - 8, 8).is_ok());
        assert!(check_range(cx, 8, PAGE - 7, 8).is_err());
        assert!(
            check_range(cx, 4, 0, 8).is_err(),
            "alignment is checked for empty ranges"
        );
        assert!(
            check_range(cx, PAGE as i32 + 1, 0, 1).is_err(),
            "and bounds too"
        );
    });
}

#[test]
fn strings_lift_validated_and_lower_through_realloc() {
    let mut mem = VecMemory::new(1, 1024);
    mem.put(100, "añb€😀".as_bytes());
    mem.put(200, &[0x61, 0xc3]);
    with(&mut mem, |cx| {
        assert_eq!(string_lift(cx, 100, 11).unwrap(), "añb€😀");
        assert_eq!(string_lift(cx, 100, 0).unwrap(), "");
        assert!(string_lift(cx, 200, 2).unwrap_err().0.contains("UTF-8"));
        assert!(string_lift(cx, PAGE as i32 - 1, 2).is_err());
        assert!(string_lift(cx, PAGE as i32 + 1, 0).is_err());
        assert!(string_lift(cx, 0, MAX_STRING_BYTE_LENGTH as i32 + 1)
            .unwrap_err()
            .0
            .contains("too long"));
        let (p, l) = string_lower(cx, "héllo").unwrap();
        assert_eq!((p, l), (1024, 6));
    });
    assert_eq!(mem.get(1024, 6), "héllo".as_bytes());
    assert_eq!(mem.reallocs, vec![(0, 0, 1, 6, 1024)]);
}

#[test]
fn lists_lift_in_bulk_and_per_element() {
    let mut mem = VecMemory::new(1, 1024);
    mem.put(64, &[1, 0, 2, 0, 3, 0, 0xff, 0xff]);
    with(&mut mem, |cx| {
        assert_eq!(
            list_lift_canon::<u16>(cx, 64, 4).unwrap(),
            vec![1, 2, 3, 0xffff]
        );
        assert_eq!(
            list_lift_canon::<i16>(cx, 64, 4).unwrap(),
            vec![1, 2, 3, -1]
        );
        assert_eq!(list_lift_canon::<u8>(cx, 64, 3).unwrap(), vec![1, 0, 2]);
        assert!(list_lift_canon::<u16>(cx, 65, 1).is_err(), "misaligned");
        assert!(
            list_lift_canon::<u32>(cx, 66, 0).is_err(),
            "misaligned even when empty"
        );
        assert!(list_lift_canon::<u64>(cx, 0, (PAGE / 8) as i32 + 1).is_err());
        assert!(list_lift_canon::<u8>(cx, 0, -1)
            .unwrap_err()
            .0
            .contains("too long"));
        let v = list_lift(cx, 64, 2, 4, 2, |cx, base| {
            Ok((load_u16(cx, base, 0)?, load_u16(cx, base, 2)?))
        })
        .unwrap();
        assert_eq!(v, vec![(1, 2), (3, 0xffff)]);
        assert!(list_lift(cx, 64, i32::MAX, 16, 8, |_, _| Ok(())).is_err());
        let (p, l) = list_lower_canon::<f32>(cx, &[1.5, f32::from_bits(0xffc0_0001)]).unwrap();
        assert_eq!((p, l), (1024, 2));
        assert_eq!(
            load_i32(cx, p, 4).unwrap() as u32,
            0x7fc0_0000,
            "NaNs are canonicalised"
        );
        let (p, l) = list_lower(cx, vec![7u8, 9], 2, 1, |cx, x, base| {
            store_i8(cx, base, 0, i32::from(x))?;
            store_i8(cx, base, 1, i32::from(x) + 1)
        })
        .unwrap();
        assert_eq!((p, l), (1032, 2));
    });
    assert_eq!(mem.get(1032, 4), &[7, 8, 9, 10]);
}

#[test]
fn realloc_results_are_checked() {
    let mut mem = VecMemory::new(1, 1024);
    mem.rigged = Some(3);
    with(&mut mem, |cx| {
        assert!(string_lower(cx, "ab").is_ok(), "1-aligned")
    });
    mem.rigged = Some(2);
    with(&mut mem, |cx| {
        assert!(list_lower_canon::<u32>(cx, &[1])
            .unwrap_err()
            .0
            .contains("unaligned"))
    });
    mem.rigged = Some(PAGE - 2);
    with(&mut mem, |cx| {
        assert!(string_lower(cx, "abc")
            .unwrap_err()
            .0
            .contains("out of bounds"))
    });
}

#[test]
fn memory_growth_is_seen_by_later_accesses() {
    let mut mem = VecMemory::new(1, PAGE - 4);
    with(&mut mem, |cx| {
        let big = vec![0xab; 100_000];
        let (p, l) = list_lower_canon::<u8>(cx, &big).unwrap();
        assert_eq!(cx.memory.size(), 3 * u64::from(PAGE));
        assert_eq!(list_lift_canon::<u8>(cx, p, l).unwrap(), big);
    });
}

#[test]
fn scalars_follow_the_explainer() {
    assert_eq!(char_lift(0x61).unwrap(), 'a');
    assert_eq!(char_lift(0x10ffff).unwrap(), '\u{10ffff}');
    assert!(char_lift(0xd800).is_err());
    assert!(char_lift(0xdfff).is_err());
    assert!(char_lift(0x110000).is_err());
    assert!(char_lift(-1).is_err());
    assert_eq!(
        f32_canon(f32::from_bits(0xffff_ffff)).to_bits(),
        0x7fc0_0000
    );
    assert_eq!(f32_canon(-0.0).to_bits(), 0x8000_0000);
    assert_eq!(
        f64_canon(f64::from_bits(0x7ff0_0000_0000_0001)).to_bits(),
        0x7ff8_0000_0000_0000
    );
    let flat = [Flat::I32(1), Flat::I64(2), Flat::F32(3.0), Flat::F64(4.0)];
    assert_eq!(flat_i32(&flat, 0).unwrap(), 1);
    assert_eq!(flat_i64(&flat, 1).unwrap(), 2);
    assert_eq!(flat_f32(&flat, 2).unwrap(), 3.0);
    assert_eq!(flat_f64(&flat, 3).unwrap(), 4.0);
    assert!(flat_i32(&flat, 1).is_err());
    assert!(flat_i32(&flat, 4).is_err());
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Abc {
    A,
    B,
    C,
}
impl Enum for Abc {
    const CASES: &'static [Self] = &[Abc::A, Abc::B, Abc::C];
    const NAME: &'static str = "abc";
}

#[test]
fn enums_check_their_discriminant() {
    assert_eq!(enum_lift::<Abc>(2).unwrap(), Abc::C);
    assert_eq!(enum_lift::<Abc>(0).unwrap(), Abc::A);
    assert_eq!(
        enum_lift::<Abc>(3).unwrap_err().0,
        "invalid discriminant 3 for abc"
    );
    assert_eq!(
        enum_lift::<Abc>(-1).unwrap_err().0,
        "invalid discriminant 4294967295 for abc"
    );
    assert_eq!(Abc::B as i32, 1);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Perms(u32);
crate::abi_flags!(Perms, 0b111);

#[test]
fn flags_mask_undeclared_bits() {
    let f = Perms::from_bits_truncate(0xffff_fffa);
    assert_eq!(f.bits(), 0b010);
    assert_eq!((!f).bits(), 0b101);
    assert_eq!(!Perms::ALL, Perms::empty());
    assert!(Perms::ALL.contains(f));
    assert!((f & !f).is_empty());
    let mut g = f;
    g |= Perms(1);
    g &= Perms::ALL;
    assert_eq!((g ^ f).bits(), 1);
    assert_eq!((g | f).bits(), 0b011);
}

enum Counter {}
impl ResourceKind for Counter {
    const TYPE: ResourceType = ResourceType(0);
    const NAME: &'static str = "counter";
}
enum Other {}
impl ResourceKind for Other {
    const TYPE: ResourceType = ResourceType(1);
    const NAME: &'static str = "other";
}

#[test]
fn own_handles_move_and_trap_on_misuse() {
    let mut mem = VecMemory::new(1, 1024);
    with(&mut mem, |cx| {
        let h = lower_own(cx, Resource::<Counter>::new(70)).unwrap();
        assert_eq!(h, 1, "handle 0 is never used");
        let h2 = lower_own(cx, Resource::<Counter>::new(71)).unwrap();
        assert_eq!(h2, 2);
        assert!(lift_own::<Other>(cx, h)
            .unwrap_err()
            .0
            .contains("resource type 0, expected 1"));
        assert_eq!(lift_own::<Counter>(cx, h).unwrap().rep(), 70);
        assert_eq!(
            lift_own::<Counter>(cx, h).unwrap_err().0,
            "unknown handle 1"
        );
        assert!(lift_own::<Counter>(cx, 0).is_err());
        assert!(lift_own::<Counter>(cx, 99).is_err());
        assert!(lift_own::<Counter>(cx, -1).is_err());
        // Freed slots are reused.
        assert_eq!(lower_own(cx, Resource::<Counter>::new(72)).unwrap(), 1);
        assert_eq!(cx.resources.live(), 2);
        assert_eq!(
            drop_handle::<Counter>(cx, 2).unwrap(),
            Some(Resource::new(71))
        );
        assert!(drop_handle::<Counter>(cx, 2).is_err(), "double drop");
    });
}

#[test]
fn borrows_lend_for_the_call_and_are_released_even_on_traps() {
    let mut mem = VecMemory::new(1, 1024);
    with(&mut mem, |cx| {
        let h = lower_own(cx, Resource::<Counter>::new(5)).unwrap();
        let r = scoped(cx, |cx| {
            let b = lift_borrow::<Counter>(cx, h)?;
            assert_eq!(b.rep(), 5);
            assert_eq!(cx.resources.get(h as u32).unwrap().lends, 1);
            // While lent: neither moved nor dropped.
            assert!(lift_own::<Counter>(cx, h).unwrap_err().0.contains("lent"));
            assert!(drop_handle::<Counter>(cx, h)
                .unwrap_err()
                .0
                .contains("lent"));
            let _second = lift_borrow::<Counter>(cx, h)?;
            assert_eq!(cx.resources.get(h as u32).unwrap().lends, 2);
            Err::<(), _>(Trap::new("host failed"))
        });
        assert!(r.is_err());
        assert_eq!(cx.resources.get(h as u32).unwrap().lends, 0);
        assert!(lift_borrow::<Other>(cx, h).is_err());
        assert_eq!(cx.resources.lend_mark(), 0, "a failed lift lends nothing");
        assert_eq!(lift_own::<Counter>(cx, h).unwrap().rep(), 5);
    });
}

#[test]
fn borrows_lowered_into_a_guest_must_be_dropped_before_return() {
    let mut t = ResourceTables::new();
    assert!(t.lower_borrow(ResourceType(0), 9).is_err(), "no scope");
    t.begin_borrows();
    let b = t.lower_borrow(ResourceType(0), 9).unwrap();
    assert_eq!(t.rep(b, ResourceType(0)).unwrap(), 9);
    assert!(t
        .lift_own(b, ResourceType(0))
        .unwrap_err()
        .0
        .contains("not an own"));
    // The guest may pass its borrow on to the host (lending it).
    let mark = t.lend_mark();
    assert_eq!(t.lift_borrow(b, ResourceType(0)).unwrap(), 9);
    t.release_lends(mark);
    assert!(t.end_borrows().is_err(), "still held");
    t.begin_borrows();
    let b = t.lower_borrow(ResourceType(0), 9).unwrap();
    assert_eq!(t.drop(b, ResourceType(0)).unwrap(), None);
    assert!(t.end_borrows().is_ok());
    assert!(t.end_borrows().is_err(), "no scope left");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn hostile_pointers_never_panic(ptr in any::<i32>(), len in any::<i32>(), off in any::<u32>(), size in 1u32..64, align in prop::sample::select(vec![1u32, 2, 4, 8])) {
        let mut mem = VecMemory::new(1, 1024);
        with(&mut mem, |cx| {
            let _ = load_u8(cx, ptr, off);
            let _ = load_s16(cx, ptr, off);
            let _ = load_i32(cx, ptr, off);
            let _ = load_i64(cx, ptr, off);
            let _ = load_f32(cx, ptr, off);
            let _ = load_f64(cx, ptr, off);
            let _ = store_i8(cx, ptr, off, len);
            let _ = store_i64(cx, ptr, off, 0);
            let _ = check_range(cx, ptr, len as u32, align);
            let _ = string_lift(cx, ptr, len);
            let _ = list_lift_canon::<u8>(cx, ptr, len);
            let _ = list_lift_canon::<u64>(cx, ptr, len);
            let _ = list_lift_canon::<f64>(cx, ptr, len);
            let _ = list_lift(cx, ptr, len, size, align, |cx, base| load_u8(cx, base, 0));
            let _ = lift_own::<Counter>(cx, ptr);
            let _ = lift_borrow::<Counter>(cx, ptr);
            let _ = drop_handle::<Counter>(cx, ptr);
            let _ = resource_rep::<Counter>(cx, ptr);
        });
    }

    #[test]
    fn in_bounds_accesses_round_trip(ptr in 0u32..(PAGE - 8), v in any::<i64>()) {
        let mut mem = VecMemory::new(1, 1024);
        let ptr = (ptr & !7) as i32;
        with(&mut mem, |cx| {
            store_i64(cx, ptr, 0, v).unwrap();
            prop_assert_eq!(load_i64(cx, ptr, 0).unwrap(), v);
            prop_assert_eq!(load_i32(cx, ptr, 4).unwrap(), (v >> 32) as i32);
            Ok(())
        })?;
    }

    #[test]
    fn realloc_returning_garbage_never_panics(p in any::<u32>(), s in ".{0,40}", items in prop::collection::vec(any::<u32>(), 0..20)) {
        let mut mem = VecMemory::new(1, 1024);
        mem.rigged = Some(p);
        with(&mut mem, |cx| { let _ = string_lower(cx, &s); });
        mem.rigged = Some(p);
        with(&mut mem, |cx| { let _ = list_lower_canon::<u32>(cx, &items); });
        mem.rigged = Some(p);
        with(&mut mem, |cx| { let _ = list_lower(cx, items.clone(), 12, 4, |cx, x, base| store_i32(cx, base, 8, x as i32)); });
    }

    #[test]
    fn handle_tables_never_panic(ops in prop::collection::vec((0u8..6, 0u32..8, 0u32..3), 0..64)) {
        let mut t = ResourceTables::new();
        let mut marks = Vec::new();
        for (op, h, ty) in ops {
            let ty = ResourceType(ty);
            match op {
                0 => { let _ = t.new_own(ty, h); }
                1 => { let _ = t.lift_own(h, ty); }
                2 => { marks.push(t.lend_mark()); let _ = t.lift_borrow(h, ty); }
                3 => { if let Some(m) = marks.pop() { t.release_lends(m) } }
                4 => { let _ = t.drop(h, ty); }
                _ => { t.begin_borrows(); let _ = t.lower_borrow(ty, h); let _ = t.end_borrows(); }
            }
            // Invariant: nothing lent is ever freed.
            for i in 0..16 {
                if let Ok(e) = t.get(i) { prop_assert!(e.lends <= 64); }
            }
        }
    }
}
