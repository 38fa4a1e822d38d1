//! World `values`: the host's `ops` (imported by the guest) and the driver that calls the
//! guest's `ops` exports. tests/worlds/README.md, "World `values`", is the specification.

use anyhow::Result;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use crate::text::{Fmt, Show, Transcript, case, flags, record};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../tests/worlds/wit",
        world: "gfx-test:worlds/values",
    });
}

use bindings::gfx_test::worlds::ops;
use bindings::gfx_test::worlds::types::{
    Color, FlagSet, Full, Many, Mixed, Perms, Point, Shape, Twelve,
};

include!("../../../tests/worlds/hosts/values.rs");

impl FlagWord for Perms {
    fn word(&self) -> u32 {
        self.as_array()[0]
    }
}
impl FlagWord for Twelve {
    fn word(&self) -> u32 {
        self.as_array()[0]
    }
}
impl FlagWord for Full {
    fn word(&self) -> u32 {
        self.as_array()[0]
    }
}

impl bindings::gfx_test::worlds::types::Host for Ops {}

/// Runs the `values` world: `run` (the guest calls the host's `ops`), then every guest `ops`
/// export with the fixed inputs (README "World `values`").
pub(crate) fn run(engine: &Engine, component: &Component) -> Result<String> {
    let mut linker = Linker::new(engine);
    bindings::Values::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    let mut store = Store::new(engine, Ops);
    let world = bindings::Values::instantiate(&mut store, component, &linker)?;

    let mut t = Transcript::default();
    t.line("== run ==");
    let guest_transcript = world.call_run(&mut store)?;
    t.raw(&guest_transcript);
    t.line("== exports ==");

    let g = world.gfx_test_worlds_ops();
    let s = &mut store;
    const P: &str = "export ops.";
    macro_rules! each {
        ($name:literal, $inputs:expr, |$x:ident| $call:expr) => {
            for $x in $inputs {
                let r = $call?;
                t.call(P, $name, &[&$x], &r);
            }
        };
    }
    each!("not-bool", inputs::NOT_BOOL, |x| g
        .call_not_bool(&mut *s, x));
    each!("neg-s8", inputs::NEG_S8, |x| g.call_neg_s8(&mut *s, x));
    each!("inc-u8", inputs::INC_U8, |x| g.call_inc_u8(&mut *s, x));
    each!("neg-s16", inputs::NEG_S16, |x| g.call_neg_s16(&mut *s, x));
    each!("inc-u16", inputs::INC_U16, |x| g.call_inc_u16(&mut *s, x));
    each!("neg-s32", inputs::NEG_S32, |x| g.call_neg_s32(&mut *s, x));
    each!("add-one", inputs::ADD_ONE, |x| g.call_add_one(&mut *s, x));
    each!("neg-s64", inputs::NEG_S64, |x| g.call_neg_s64(&mut *s, x));
    each!("inc-u64", inputs::INC_U64, |x| g.call_inc_u64(&mut *s, x));
    each!("neg-f32", inputs::NEG_F32.map(f32::from_bits), |x| g
        .call_neg_f32(&mut *s, x));
    each!("neg-f64", inputs::NEG_F64.map(f64::from_bits), |x| g
        .call_neg_f64(&mut *s, x));
    each!("next-char", inputs::NEXT_CHAR, |x| g
        .call_next_char(&mut *s, x));
    each!("reverse", inputs::REVERSE, |x| g.call_reverse(&mut *s, x));
    each!("invert", inputs::invert(), |x| g.call_invert(&mut *s, &x));
    each!("reverse-strings", inputs::reverse_strings(), |x| g
        .call_reverse_strings(&mut *s, &x));
    each!("swap-points", inputs::swap_points(), |x| g
        .call_swap_points(&mut *s, &x));
    each!("bump-mixed", inputs::bump_mixed(), |x| g
        .call_bump_mixed(&mut *s, &x));
    each!("rotate-tuple", inputs::rotate_tuple(), |x| g
        .call_rotate_tuple(&mut *s, (x.0, &x.1, x.2)));
    each!("echo-shape", inputs::echo_shape(), |x| g
        .call_echo_shape(&mut *s, &x));
    each!("next-color", inputs::NEXT_COLOR, |x| g
        .call_next_color(&mut *s, x));
    each!("inc-nested", inputs::INC_NESTED, |x| g
        .call_inc_nested(&mut *s, x));
    each!("inc-ok", inputs::INC_OK, |x| g.call_inc_ok(&mut *s, x));
    each!("reverse-err", inputs::reverse_err(), |x| g
        .call_reverse_err(
            &mut *s,
            x.as_ref().map(|_| ()).map_err(|e| e.as_str())
        ));
    each!("swap-result", inputs::swap_result(), |x| g
        .call_swap_result(
            &mut *s,
            x.as_ref().map(|n| *n).map_err(|e| e.as_str())
        ));
    each!("flip-result", inputs::FLIP_RESULT, |x| g
        .call_flip_result(&mut *s, x));
    each!("invert-perms", inputs::invert_perms(), |x| g
        .call_invert_perms(&mut *s, x));
    each!("invert-full", inputs::invert_full(), |x| g
        .call_invert_full(&mut *s, x));
    each!("invert-flag-set", inputs::invert_flag_set(), |x| g
        .call_invert_flag_set(&mut *s, x));
    for m in inputs::many_params() {
        let r = g.call_many_params(
            &mut *s, m.a, m.b, m.c, m.d, m.e, m.f, m.g, m.h, m.i, m.j, m.k, m.l, &m.m, m.n, m.o,
            m.p, m.q,
        )?;
        let args: [&dyn Fmt; 17] = [
            &m.a, &m.b, &m.c, &m.d, &m.e, &m.f, &m.g, &m.h, &m.i, &m.j, &m.k, &m.l, &m.m, &m.n,
            &m.o, &m.p, &m.q,
        ];
        t.call(P, "many-params", &args, &r);
    }
    each!("split-u64", inputs::SPLIT_U64, |x| g
        .call_split_u64(&mut *s, x));
    Ok(t.finish())
}
