//! One function's glue: a [`Bindgen`] that turns wit-bindgen-core's instruction stream into
//! Rust source over the runtime's helpers.
//!
//! Operands are Rust expressions that are always a plain identifier or literal: every
//! instruction whose result is not one binds it to a fresh `let t_N` (temporaries are `t_N`,
//! `e_N`, `base_N`, which no WIT name can become), so evaluation order is the instruction
//! order and no expression is duplicated.

use std::fmt::Write as _;
use std::mem;

use anyhow::{bail, Result};
use wit_bindgen_core::abi::{
    self, Bindgen, Bitcast, Instruction, LiftLower, WasmSignature, WasmType,
};
use wit_parser::{
    abi::AbiVariant, Alignment, ArchitectureSize, FunctionKind, Handle, Param, Resolve, SizeAlign,
    Type, TypeDefKind,
};

use crate::names::{case, lit, snake, uses_ident};
use crate::{FuncRef, Gen};

enum Mode {
    /// The guest calls a host import: lift the flat arguments, call `host`, lower the result.
    Import { host: String, method: String },
    /// The host calls a guest export.
    Export { core: String },
    /// The guest calls a host `async func` (`[async-lower]`): lift the flat arguments, call
    /// `host` for its future; what wit-bindgen-core emits after the call is discarded (the
    /// results are lowered later, by [`Mode::Lower`]).
    AsyncImport { host: String, method: String },
    /// `abi::lower_to_memory` of an async import's result at its return pointer.
    Lower,
    /// An async export's arguments (the stream of a synchronous export without results):
    /// `CallWasm` ends the lowering closure with the flat arguments.
    AsyncArgs,
    /// A stream or future element codec: `abi::lift_from_memory` / `lower_to_memory` of one
    /// element at `ptr`.
    Codec,
    /// Lifting `task.return`'s flat arguments (the stream of a synchronous import
    /// `[task-return]f: func(result: T)`): `CallInterface` ends the lifting closure.
    TaskReturn,
}

#[derive(Default)]
struct Frame {
    src: String,
    /// The code ends with `let <name> = <expr>;` starting at this offset.
    tail: Option<(usize, String, String)>,
    payload: Option<String>,
    base: Option<String>,
    elem: Option<String>,
}

struct Block {
    src: String,
    tail: Option<(usize, String, String)>,
    results: Vec<String>,
    payload: Option<String>,
    base: Option<String>,
    elem: Option<String>,
}

pub(crate) struct FnGen<'a> {
    g: &'a Gen<'a>,
    f: FuncRef<'a>,
    mode: Mode,
    sig: WasmSignature,
    params: Vec<String>,
    cur: Frame,
    stack: Vec<Frame>,
    blocks: Vec<Block>,
    tmp: usize,
    /// The interface call has been emitted (import: lowering results from now on).
    called: bool,
    /// Export: where the code after the guest call starts.
    lift_start: usize,
    /// Export: the call lowers borrows of host resources into the guest.
    host_borrows: bool,
    /// Async import: the code from here on is discarded.
    discard_from: Option<usize>,
    err: Option<String>,
}

fn wasm_ty(t: &WasmType) -> &'static str {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => "i32",
        WasmType::I64 | WasmType::PointerOrI64 => "i64",
        WasmType::F32 => "f32",
        WasmType::F64 => "f64",
    }
}

fn flat_ctor(t: &WasmType) -> &'static str {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => "I32",
        WasmType::I64 | WasmType::PointerOrI64 => "I64",
        WasmType::F32 => "F32",
        WasmType::F64 => "F64",
    }
}

fn off(o: &ArchitectureSize) -> usize {
    o.size_wasm32()
}

fn al(a: &Alignment) -> usize {
    a.align_wasm32()
}

/// The block as an expression yielding `result`: `{ src result }`, or, when the block ends by
/// binding `result`, with that binding folded into the value (no `let x = e; x`).
fn block_expr(b: &Block, result: &str) -> String {
    let (src, value) = match &b.tail {
        Some((at, name, expr)) if name == result => (b.src[..*at].trim_end(), expr.as_str()),
        _ => (b.src.trim_end(), result),
    };
    if src.is_empty() {
        value.to_owned()
    } else {
        format!("{{\n{src}\n{value}\n}}")
    }
}

impl<'a> FnGen<'a> {
    fn with_mode(
        g: &'a Gen<'a>,
        f: FuncRef<'a>,
        mode: Mode,
        sig: WasmSignature,
        params: Vec<String>,
    ) -> Self {
        FnGen {
            g,
            f,
            mode,
            sig,
            params,
            cur: Frame::default(),
            stack: Vec::new(),
            blocks: Vec::new(),
            tmp: 0,
            called: false,
            lift_start: 0,
            host_borrows: false,
            discard_from: None,
            err: None,
        }
    }

    fn new(g: &'a Gen<'a>, f: FuncRef<'a>, import: bool) -> Self {
        let variant = if import {
            AbiVariant::GuestImport
        } else {
            AbiVariant::GuestExport
        };
        let sig = g.resolve.wasm_signature(variant, f.func);
        let (mode, params) = if import {
            (
                Mode::Import {
                    host: "host".into(),
                    method: g.method_name(f.func),
                },
                (0..sig.params.len()).map(|i| format!("arg{i}")).collect(),
            )
        } else {
            (
                Mode::Export {
                    core: g.core_name(&f, false),
                },
                f.func.params.iter().map(|p| param_name(&p.name)).collect(),
            )
        };
        Self::with_mode(g, f, mode, sig, params)
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.tmp += 1;
        format!("{prefix}_{}", self.tmp)
    }

    /// `let t_N = expr;`, returning `t_N`.
    fn bind(&mut self, expr: impl AsRef<str>) -> String {
        let t = self.fresh("t");
        self.bind_to(t.clone(), expr.as_ref().to_owned());
        t
    }

    fn bind_to(&mut self, t: String, expr: String) {
        let at = self.cur.src.len();
        let _ = writeln!(self.cur.src, "let {t} = {expr};");
        self.cur.tail = Some((at, t, expr));
    }

    fn line(&mut self, s: impl AsRef<str>) {
        self.cur.src.push_str(s.as_ref());
        self.cur.src.push('\n');
        self.cur.tail = None;
    }

    fn fail(&mut self, msg: String) {
        if self.err.is_none() && self.discard_from.is_none() {
            self.err = Some(msg);
        }
    }

    fn ty(&mut self, t: &Type) -> String {
        match self.g.rty(t, None) {
            Ok(s) => s,
            Err(e) => {
                self.fail(format!("{e:#}"));
                "()".into()
            }
        }
    }

    /// The codec static of a stream or future payload (a path from the top level, where the
    /// codecs are: lowered calls and callers are top-level too).
    fn codec(&mut self, payload: &Option<Type>) -> String {
        match self.g.codec(payload) {
            Ok(s) => s,
            Err(e) => {
                self.fail(format!("{e:#}"));
                "CODEC_0".into()
            }
        }
    }

    fn path(&mut self, id: wit_parser::TypeId) -> String {
        match self.g.type_path(id, None) {
            Ok(s) => s,
            Err(e) => {
                self.fail(format!("{e:#}"));
                "()".into()
            }
        }
    }

    fn take_blocks(&mut self, n: usize) -> Vec<Block> {
        let at = self.blocks.len().saturating_sub(n);
        self.blocks.split_off(at)
    }

    fn load(
        &mut self,
        helper: &str,
        operands: &[String],
        offset: &ArchitectureSize,
        results: &mut Vec<String>,
    ) {
        let p = self.g.p.clone();
        let t = self.bind(format!(
            "{p}::{helper}(cx, {}, {})?",
            operands[0],
            off(offset)
        ));
        results.push(t);
    }

    fn store(&mut self, helper: &str, operands: &[String], offset: &ArchitectureSize) {
        let p = self.g.p.clone();
        self.line(format!(
            "{p}::{helper}(cx, {}, {}, {})?;",
            operands[1],
            off(offset),
            operands[0]
        ));
    }

    fn cast(&mut self, c: &Bitcast, op: &str) -> String {
        let expr = match c {
            Bitcast::None
            | Bitcast::P64ToI64
            | Bitcast::I64ToP64
            | Bitcast::I32ToP
            | Bitcast::PToI32
            | Bitcast::PToL
            | Bitcast::LToP
            | Bitcast::I32ToL
            | Bitcast::LToI32 => return op.to_owned(),
            Bitcast::I32ToF32 | Bitcast::I64ToF32 => format!("f32::from_bits({op} as u32)"),
            Bitcast::F32ToI32 => format!("{op}.to_bits() as i32"),
            Bitcast::I64ToF64 => format!("f64::from_bits({op} as u64)"),
            Bitcast::F64ToI64 => format!("{op}.to_bits() as i64"),
            // Zero-extension: the explainer's core i32 values are unsigned.
            Bitcast::I32ToI64 | Bitcast::PToP64 | Bitcast::LToI64 => {
                format!("i64::from({op} as u32)")
            }
            Bitcast::F32ToI64 => format!("i64::from({op}.to_bits())"),
            Bitcast::I64ToI32 | Bitcast::P64ToP | Bitcast::I64ToL => format!("{op} as i32"),
            Bitcast::Sequence(seq) => {
                let [a, b] = &**seq;
                let mid = self.cast(a, op);
                return self.cast(b, &mid);
            }
        };
        self.bind(expr)
    }

    /// Emits `match` arms for a variant lowering and binds its `n` results.
    fn lower_match(
        &mut self,
        op: &str,
        pats: Vec<String>,
        blocks: Vec<Block>,
        n: usize,
        results: &mut Vec<String>,
    ) {
        let names: Vec<String> = (0..n).map(|_| self.fresh("t")).collect();
        let mut s = format!("match {op} {{\n");
        for (pat, b) in pats.into_iter().zip(blocks) {
            let body = match n {
                0 => format!("{{\n{}}}", b.src),
                1 => block_expr(&b, &b.results[0]),
                _ => block_expr(&b, &format!("({})", b.results.join(", "))),
            };
            let _ = writeln!(s, "{pat} => {body},");
        }
        s.push('}');
        match n {
            0 => self.line(s),
            1 => self.bind_to(names[0].clone(), s),
            _ => self.line(format!("let ({}) = {s};", names.join(", "))),
        }
        results.extend(names);
    }

    /// Emits a discriminant `match` for a variant lifting and binds the value.
    fn lift_match(&mut self, op: &str, name: &str, arms: Vec<String>, results: &mut Vec<String>) {
        let p = self.g.p.clone();
        let mut s = format!("match {op} {{\n");
        for (i, arm) in arms.into_iter().enumerate() {
            let _ = writeln!(s, "{i} => {arm},");
        }
        let _ = write!(
            s,
            "_ => return Err({p}::bad_case({}, {op})),\n}}",
            lit(name)
        );
        let t = self.bind(s);
        results.push(t);
    }

    /// A lifted case: `ctor` applied to the block's value, or alone.
    fn lift_arm(ctor: &str, b: &Block, unit: bool) -> String {
        match b.results.first() {
            Some(r) => format!("{ctor}({})", block_expr(b, r)),
            None if unit => format!("{ctor}(())"),
            None => ctor.to_owned(),
        }
    }
}

fn param_name(name: &str) -> String {
    let n = snake(name);
    if matches!(n.as_str(), "g" | "cx" | "rets" | "host") {
        n + "_"
    } else {
        n
    }
}

impl Bindgen for FnGen<'_> {
    type Operand = String;

    fn emit(
        &mut self,
        _resolve: &Resolve,
        inst: &Instruction<'_>,
        operands: &mut Vec<String>,
        results: &mut Vec<String>,
    ) {
        use Instruction as I;
        let p = self.g.p.clone();
        let ops = operands.clone();
        match inst {
            I::GetArg { nth } => {
                let arg = self
                    .params
                    .get(*nth)
                    .cloned()
                    .unwrap_or_else(|| "arg".into());
                if let Mode::Import { .. } | Mode::AsyncImport { .. } | Mode::TaskReturn = self.mode
                {
                    if self.sig.indirect_params && *nth == 0 && !self.called {
                        let info = self
                            .g
                            .sizes
                            .record(self.f.func.params.iter().map(|p| &p.ty));
                        self.line(format!(
                            "{p}::check_range(cx, {arg}, {}, {})?;",
                            info.size.size_wasm32(),
                            al(&info.align)
                        ));
                    }
                    if self.sig.retptr && *nth + 1 == self.sig.params.len() && self.called {
                        let info = self.g.sizes.params(&self.f.func.result);
                        self.line(format!(
                            "{p}::check_range(cx, {arg}, {}, {})?;",
                            info.size.size_wasm32(),
                            al(&info.align)
                        ));
                    }
                }
                results.push(arg);
            }
            I::I32Const { val } => results.push(format!("{val}i32")),
            I::Bitcasts { casts } => {
                for (c, op) in casts.iter().zip(&ops) {
                    let r = self.cast(c, op);
                    results.push(r);
                }
            }
            I::ConstZero { tys } => {
                for t in tys.iter() {
                    results.push(match wasm_ty(t) {
                        "i32" => "0i32".into(),
                        "i64" => "0i64".into(),
                        "f32" => "0.0f32".into(),
                        _ => "0.0f64".into(),
                    });
                }
            }

            I::I32Load { offset } | I::PointerLoad { offset } | I::LengthLoad { offset } => {
                self.load("load_i32", &ops, offset, results)
            }
            I::I32Load8U { offset } => self.load("load_u8", &ops, offset, results),
            I::I32Load8S { offset } => self.load("load_s8", &ops, offset, results),
            I::I32Load16U { offset } => self.load("load_u16", &ops, offset, results),
            I::I32Load16S { offset } => self.load("load_s16", &ops, offset, results),
            I::I64Load { offset } => self.load("load_i64", &ops, offset, results),
            I::F32Load { offset } => self.load("load_f32", &ops, offset, results),
            I::F64Load { offset } => self.load("load_f64", &ops, offset, results),
            I::I32Store { offset } | I::PointerStore { offset } | I::LengthStore { offset } => {
                self.store("store_i32", &ops, offset)
            }
            I::I32Store8 { offset } => self.store("store_i8", &ops, offset),
            I::I32Store16 { offset } => self.store("store_i16", &ops, offset),
            I::I64Store { offset } => self.store("store_i64", &ops, offset),
            I::F32Store { offset } => self.store("store_f32", &ops, offset),
            I::F64Store { offset } => self.store("store_f64", &ops, offset),

            // Lowering scalars.
            I::I32FromChar | I::I32FromU32 => {
                let t = self.bind(format!("{} as i32", ops[0]));
                results.push(t);
            }
            I::I64FromU64 => {
                let t = self.bind(format!("{} as i64", ops[0]));
                results.push(t);
            }
            I::I64FromS64 | I::I32FromS32 => results.push(ops[0].clone()),
            I::I32FromU16 | I::I32FromS16 | I::I32FromU8 | I::I32FromS8 | I::I32FromBool => {
                let t = self.bind(format!("i32::from({})", ops[0]));
                results.push(t);
            }
            I::CoreF32FromF32 | I::F32FromCoreF32 => {
                let t = self.bind(format!("{p}::f32_canon({})", ops[0]));
                results.push(t);
            }
            I::CoreF64FromF64 | I::F64FromCoreF64 => {
                let t = self.bind(format!("{p}::f64_canon({})", ops[0]));
                results.push(t);
            }
            // Lifting scalars: narrow integers drop their high bits.
            I::S8FromI32
            | I::U8FromI32
            | I::S16FromI32
            | I::U16FromI32
            | I::U32FromI32
            | I::U64FromI64 => {
                let to = match inst {
                    I::S8FromI32 => "i8",
                    I::U8FromI32 => "u8",
                    I::S16FromI32 => "i16",
                    I::U16FromI32 => "u16",
                    I::U32FromI32 => "u32",
                    _ => "u64",
                };
                let t = self.bind(format!("{} as {to}", ops[0]));
                results.push(t);
            }
            I::S32FromI32 | I::S64FromI64 => results.push(ops[0].clone()),
            I::CharFromI32 => {
                let t = self.bind(format!("{p}::char_lift({})?", ops[0]));
                results.push(t);
            }
            // Any non-zero value is `true` (`convert_int_to_bool`), not only 1.
            I::BoolFromI32 => {
                let t = self.bind(format!("{} != 0", ops[0]));
                results.push(t);
            }

            // Strings and lists.
            I::StringLift => {
                let t = self.bind(format!("{p}::string_lift(cx, {}, {})?", ops[0], ops[1]));
                results.push(t);
            }
            I::StringLower { realloc } | I::ListCanonLower { realloc, .. } => {
                if realloc.is_none() {
                    self.fail("lowering without realloc (a guest-side operation)".into());
                }
                let helper = if matches!(inst, I::StringLower { .. }) {
                    "string_lower"
                } else {
                    "list_lower_canon"
                };
                let (a, b) = (self.fresh("t"), self.fresh("t"));
                self.line(format!("let ({a}, {b}) = {p}::{helper}(cx, &{})?;", ops[0]));
                results.push(a);
                results.push(b);
            }
            I::ListCanonLift { element, .. } => {
                let ty = self.ty(element);
                let t = self.bind(format!(
                    "{p}::list_lift_canon::<{ty}>(cx, {}, {})?",
                    ops[0], ops[1]
                ));
                results.push(t);
            }
            I::ListLift { element, .. } => {
                let Some(b) = self.take_blocks(1).pop() else {
                    return self.fail("list block missing".into());
                };
                let size = self.g.sizes.size(element).size_wasm32();
                let align = self.g.sizes.align(element).align_wasm32();
                let base = b.base.clone().unwrap_or_else(|| "_base".into());
                let r = b.results.first().cloned().unwrap_or_default();
                let t = self.bind(format!(
                    "{p}::list_lift(cx, {}, {}, {size}, {align}, |cx, {base}| {{\n{}Ok({r})\n}})?",
                    ops[0], ops[1], b.src
                ));
                results.push(t);
            }
            I::ListLower { element, realloc } => {
                if realloc.is_none() {
                    self.fail("lowering without realloc (a guest-side operation)".into());
                }
                let Some(b) = self.take_blocks(1).pop() else {
                    return self.fail("list block missing".into());
                };
                let size = self.g.sizes.size(element).size_wasm32();
                let align = self.g.sizes.align(element).align_wasm32();
                let base = b.base.clone().unwrap_or_else(|| "_base".into());
                let elem = b.elem.clone().unwrap_or_else(|| "_e".into());
                let (a, c) = (self.fresh("t"), self.fresh("t"));
                self.line(format!(
                    "let ({a}, {c}) = {p}::list_lower(cx, {}, {size}, {align}, |cx, {elem}, {base}| {{\n{}Ok(())\n}})?;",
                    ops[0], b.src
                ));
                results.push(a);
                results.push(c);
            }
            I::IterElem { .. } => {
                let e = self.fresh("e");
                self.cur.elem = Some(e.clone());
                results.push(e);
            }
            I::IterBasePointer => {
                let b = self.fresh("base");
                self.cur.base = Some(b.clone());
                results.push(b);
            }

            // Records, tuples, flags.
            I::RecordLower { record, ty, .. } => {
                let path = self.path(*ty);
                let names: Vec<String> = record.fields.iter().map(|_| self.fresh("t")).collect();
                let fields: Vec<String> = record
                    .fields
                    .iter()
                    .zip(&names)
                    .map(|(f, n)| format!("{}: {n}", snake(&f.name)))
                    .collect();
                self.line(format!(
                    "let {path} {{ {} }} = {};",
                    fields.join(", "),
                    ops[0]
                ));
                results.extend(names);
            }
            I::RecordLift { record, ty, .. } => {
                let path = self.path(*ty);
                let fields: Vec<String> = record
                    .fields
                    .iter()
                    .zip(&ops)
                    .map(|(f, v)| format!("{}: {v}", snake(&f.name)))
                    .collect();
                let t = self.bind(format!("{path} {{ {} }}", fields.join(", ")));
                results.push(t);
            }
            I::TupleLower { tuple, .. } => {
                let names: Vec<String> = tuple.types.iter().map(|_| self.fresh("t")).collect();
                let pat = if names.len() == 1 {
                    format!("({},)", names[0])
                } else {
                    format!("({})", names.join(", "))
                };
                self.line(format!("let {pat} = {};", ops[0]));
                results.extend(names);
            }
            I::TupleLift { .. } => {
                let e = if ops.len() == 1 {
                    format!("({},)", ops[0])
                } else {
                    format!("({})", ops.join(", "))
                };
                let t = self.bind(e);
                results.push(t);
            }
            I::FlagsLower { flags, .. } => {
                if flags.repr().count() != 1 {
                    return self.fail("flags with more than 32 labels".into());
                }
                let t = self.bind(format!("{}.bits() as i32", ops[0]));
                results.push(t);
            }
            I::FlagsLift { flags, ty, .. } => {
                if flags.repr().count() != 1 {
                    return self.fail("flags with more than 32 labels".into());
                }
                let path = self.path(*ty);
                // Undeclared bits are ignored (`unpack_flags_from_int`).
                let t = self.bind(format!("{path}::from_bits_truncate({} as u32)", ops[0]));
                results.push(t);
            }

            // Variants.
            I::VariantPayloadName => {
                let e = self.fresh("e");
                self.cur.payload = Some(e.clone());
                results.push(e);
            }
            I::VariantLower {
                variant,
                ty,
                results: rt,
                ..
            } => {
                let path = self.path(*ty);
                let blocks = self.take_blocks(variant.cases.len());
                let pats = variant
                    .cases
                    .iter()
                    .zip(&blocks)
                    .map(|(c, b)| match (&c.ty, &b.payload) {
                        (Some(_), Some(e)) => format!("{path}::{}({e})", case(&c.name)),
                        _ => format!("{path}::{}", case(&c.name)),
                    })
                    .collect();
                self.lower_match(&ops[0], pats, blocks, rt.len(), results);
            }
            I::VariantLift {
                variant, ty, name, ..
            } => {
                let path = self.path(*ty);
                let blocks = self.take_blocks(variant.cases.len());
                let arms = variant
                    .cases
                    .iter()
                    .zip(&blocks)
                    .map(|(c, b)| Self::lift_arm(&format!("{path}::{}", case(&c.name)), b, false))
                    .collect();
                self.lift_match(&ops[0], name, arms, results);
            }
            I::OptionLower { results: rt, .. } => {
                let blocks = self.take_blocks(2);
                let some = match &blocks[1].payload {
                    Some(e) => format!("Some({e})"),
                    None => "Some(_)".into(),
                };
                self.lower_match(
                    &ops[0],
                    vec!["None".into(), some],
                    blocks,
                    rt.len(),
                    results,
                );
            }
            I::OptionLift { .. } => {
                let blocks = self.take_blocks(2);
                let arms = vec!["None".into(), Self::lift_arm("Some", &blocks[1], false)];
                self.lift_match(&ops[0], "option", arms, results);
            }
            I::ResultLower {
                result,
                results: rt,
                ..
            } => {
                let blocks = self.take_blocks(2);
                let pat = |ctor: &str, ty: &Option<Type>, b: &Block| match (ty, &b.payload) {
                    (Some(_), Some(e)) => format!("{ctor}({e})"),
                    _ => format!("{ctor}(())"),
                };
                let pats = vec![
                    pat("Ok", &result.ok, &blocks[0]),
                    pat("Err", &result.err, &blocks[1]),
                ];
                self.lower_match(&ops[0], pats, blocks, rt.len(), results);
            }
            I::ResultLift { .. } => {
                let blocks = self.take_blocks(2);
                let arms = vec![
                    Self::lift_arm("Ok", &blocks[0], true),
                    Self::lift_arm("Err", &blocks[1], true),
                ];
                self.lift_match(&ops[0], "result", arms, results);
            }
            I::EnumLower { .. } => {
                let t = self.bind(format!("{} as i32", ops[0]));
                results.push(t);
            }
            I::EnumLift { ty, .. } => {
                let path = self.path(*ty);
                let t = self.bind(format!("{p}::enum_lift::<{path}>({})?", ops[0]));
                results.push(t);
            }

            // Handles.
            I::HandleLift { handle, .. } => {
                let (helper, r) = match handle {
                    Handle::Own(r) => ("lift_own", r),
                    Handle::Borrow(r) => ("lift_borrow", r),
                };
                let path = self.path(*r);
                let t = self.bind(format!("{p}::{helper}::<{path}>(cx, {})?", ops[0]));
                results.push(t);
            }
            I::HandleLower { handle, .. } => {
                let t = match handle {
                    Handle::Own(_) => self.bind(format!("{p}::lower_own(cx, {})?", ops[0])),
                    Handle::Borrow(r) if self.g.guest_defined(*r) => {
                        self.bind(format!("{p}::borrow_rep({})", ops[0]))
                    }
                    Handle::Borrow(_) => {
                        self.host_borrows = true;
                        self.bind(format!("{p}::lower_borrow(cx, {})?", ops[0]))
                    }
                };
                results.push(t);
            }

            // Calls.
            I::Malloc { size, align, .. } => {
                let t = self.bind(format!(
                    "{p}::malloc(cx, {}, {})?",
                    size.size_wasm32(),
                    al(align)
                ));
                results.push(t);
            }
            I::CallInterface { func, async_ } => {
                if let Mode::AsyncImport { host, method } = &self.mode {
                    // The host's future; the result is lowered when it finishes.
                    let call = format!("{host}.{method}({})", ops.join(", "));
                    self.line(format!("let fut = {call};"));
                    self.called = true;
                    self.discard_from = Some(self.cur.src.len());
                    if func.result.is_some() {
                        results.push("value".into());
                    }
                    return;
                }
                if let Mode::TaskReturn = self.mode {
                    let value = ops.first().cloned().unwrap_or_else(|| "()".into());
                    self.called = true;
                    self.line(format!(
                        "Ok(Box::new({value}) as Box<dyn ::core::any::Any>)"
                    ));
                    return;
                }
                if *async_ {
                    return self.fail(format!("`{}` is async", func.name));
                }
                let Mode::Import { host, method } = &self.mode else {
                    return self.fail("interface call in an export".into());
                };
                let call = format!(
                    "{host}.{method}({}){}",
                    ops.join(", "),
                    if self.g.opts.trappable { "?" } else { "" }
                );
                self.called = true;
                if func.result.is_some() {
                    let t = self.bind(call);
                    results.push(t);
                } else {
                    self.line(format!("{call};"));
                }
            }
            I::CallWasm { sig, .. } if matches!(self.mode, Mode::AsyncArgs) => {
                let args: Vec<String> = sig
                    .params
                    .iter()
                    .zip(&ops)
                    .map(|(t, v)| format!("{p}::Flat::{}({v})", flat_ctor(t)))
                    .collect();
                self.line(format!("Ok(vec![{}])", args.join(", ")));
                self.called = true;
            }
            I::CallWasm { sig, .. } => {
                let Mode::Export { core } = &self.mode else {
                    return self.fail("wasm call in an import".into());
                };
                let core = core.clone();
                // The lowering half gets its own `cx` if it needs one.
                let lowering = mem::take(&mut self.cur.src);
                if uses_ident(&lowering, "cx") || self.host_borrows {
                    self.cur.src.push_str("let cx = &mut g.cx();\n");
                    if self.host_borrows {
                        self.cur.src.push_str("cx.resources.begin_borrows();\n");
                    }
                }
                self.cur.src.push_str(&lowering);
                let args: Vec<String> = sig
                    .params
                    .iter()
                    .zip(&ops)
                    .map(|(t, v)| format!("{p}::Flat::{}({v})", flat_ctor(t)))
                    .collect();
                self.line(format!(
                    "let rets = g.call({}, &[{}])?;",
                    lit(&core),
                    args.join(", ")
                ));
                self.lift_start = self.cur.src.len();
                if self.host_borrows {
                    self.line("cx.resources.end_borrows()?;");
                }
                for (i, t) in sig.results.iter().enumerate() {
                    let v = self.bind(format!("{p}::flat_{}(&rets, {i})?", wasm_ty(t)));
                    results.push(v);
                }
                if sig.retptr {
                    let info = self.g.sizes.params(&self.f.func.result);
                    let ptr = results[0].clone();
                    self.line(format!(
                        "{p}::check_range(cx, {ptr}, {}, {})?;",
                        info.size.size_wasm32(),
                        al(&info.align)
                    ));
                }
                self.called = true;
            }
            I::Return { .. }
                if matches!(
                    self.mode,
                    Mode::AsyncImport { .. } | Mode::AsyncArgs | Mode::TaskReturn
                ) => {}
            I::AsyncTaskReturn { .. } if matches!(self.mode, Mode::AsyncImport { .. }) => {}
            I::Return { amt, .. } => {
                let value = match amt {
                    0 => "()".to_owned(),
                    _ => ops[0].clone(),
                };
                if let Mode::Export { core } = &self.mode {
                    let core = core.clone();
                    let lifting = self.cur.src.split_off(self.lift_start);
                    if uses_ident(&lifting, "cx") {
                        self.cur.src.push_str("let cx = &mut g.cx();\n");
                    }
                    self.cur.src.push_str(&lifting);
                    self.line(format!("g.post_return({}, &rets)?;", lit(&core)));
                }
                self.line(format!("Ok({value})"));
            }
            I::Flush { .. } => results.extend(ops),

            // Streams and futures: i32 handles; the value is the readable end.
            I::StreamLift { payload, .. } | I::FutureLift { payload, .. } => {
                let helper = if matches!(inst, I::StreamLift { .. }) {
                    "stream_lift"
                } else {
                    "future_lift"
                };
                let elem = match payload {
                    Some(t) => self.ty(t),
                    None => "()".into(),
                };
                let codec = self.codec(payload);
                let t = self.bind(format!(
                    "{p}::{helper}::<{elem}>(cx, {}, &{codec})?",
                    ops[0]
                ));
                results.push(t);
            }
            I::StreamLower { payload, .. } | I::FutureLower { payload, .. } => {
                let helper = if matches!(inst, I::StreamLower { .. }) {
                    "stream_lower"
                } else {
                    "future_lower"
                };
                let codec = self.codec(payload);
                let t = self.bind(format!("{p}::{helper}(cx, {}, &{codec})?", ops[0]));
                results.push(t);
            }

            // Refused: the async ABI, maps, fixed-length lists, guest-side instructions.
            I::ErrorContextLower
            | I::ErrorContextLift
            | I::AsyncTaskReturn { .. }
            | I::DropHandle { .. }
            | I::MapLower { .. }
            | I::MapLift { .. }
            | I::IterMapKey { .. }
            | I::IterMapValue { .. }
            | I::FixedLengthListLift { .. }
            | I::FixedLengthListLower { .. }
            | I::FixedLengthListLowerToMemory { .. }
            | I::FixedLengthListLiftFromMemory { .. }
            | I::GuestDeallocate { .. }
            | I::GuestDeallocateString
            | I::GuestDeallocateList { .. }
            | I::GuestDeallocateMap { .. }
            | I::GuestDeallocateVariant { .. } => {
                let name = format!("{inst:?}");
                let name = name.split([' ', '{', '(']).next().unwrap_or("?").to_owned();
                self.fail(format!("instruction {name} is not supported"));
                let _ = self.take_blocks(0);
                for _ in 0..inst.results_len() {
                    results.push("unsupported".into());
                }
            }
        }
    }

    fn return_pointer(&mut self, _size: ArchitectureSize, _align: Alignment) -> String {
        self.fail("a return-pointer area is a guest-side construct".into());
        "unsupported".into()
    }

    fn push_block(&mut self) {
        let outer = mem::take(&mut self.cur);
        self.stack.push(outer);
    }

    fn finish_block(&mut self, operands: &mut Vec<String>) {
        let outer = self.stack.pop().unwrap_or_default();
        let inner = mem::replace(&mut self.cur, outer);
        self.blocks.push(Block {
            src: inner.src,
            tail: inner.tail,
            results: mem::take(operands),
            payload: inner.payload,
            base: inner.base,
            elem: inner.elem,
        });
    }

    fn sizes(&self) -> &SizeAlign {
        &self.g.sizes
    }

    fn is_list_canonical(&self, resolve: &Resolve, element: &Type) -> bool {
        let mut t = *element;
        while let Type::Id(id) = t {
            match &resolve.types[id].kind {
                TypeDefKind::Type(next) => t = *next,
                _ => return false,
            }
        }
        matches!(
            t,
            Type::U8
                | Type::S8
                | Type::U16
                | Type::S16
                | Type::U32
                | Type::S32
                | Type::U64
                | Type::S64
                | Type::F32
                | Type::F64
        )
    }
}

fn signature(sig: &WasmSignature) -> (Vec<String>, String) {
    let params = sig
        .params
        .iter()
        .enumerate()
        .map(|(i, t)| format!("arg{i}: {}", wasm_ty(t)))
        .collect();
    let ret = match sig.results.as_slice() {
        [] => "()".to_owned(),
        [t] => wasm_ty(t).to_owned(),
        many => format!(
            "({})",
            many.iter().map(wasm_ty).collect::<Vec<_>>().join(", ")
        ),
    };
    (params, ret)
}

/// The lowered call of an imported function, and its wasm32 trampoline.
pub(crate) fn import(g: &Gen<'_>, f: &FuncRef<'_>) -> Result<(String, String, String)> {
    let p = &g.p;
    let mut fg = FnGen::new(g, *f, true);
    g.call(f, true, &mut fg)?;
    if let Some(e) = fg.err.take() {
        bail!("`{}`: {e}", g.core_name(f, true));
    }
    let (module, host_ty, accessor) = match f.iface {
        Some(i) => {
            let m = g.module_of[&i].clone();
            (m.clone(), format!("{m}::Host"), format!(".{m}()"))
        }
        None => ("root".to_owned(), g.host_trait.clone(), String::new()),
    };
    let fname = format!("{module}_{}", g.method_name(f.func));
    let mut body = fg.cur.src;
    let scoped = f.func.params.iter().any(|p| g.has_borrow(&p.ty, false));
    if scoped {
        body = format!("{p}::scoped(cx, |cx| {{\n{body}}})\n");
    }
    let cx = if uses_ident(&body, "cx") { "cx" } else { "_cx" };
    let (params, ret) = signature(&fg.sig);
    let core = g.core_name(f, true);
    let mut glue = String::new();
    let _ = writeln!(
        glue,
        "#[doc = {}]",
        lit(&format!(" `{core}` as the guest calls it: lifts the flat arguments, calls the host, lowers the result."))
    );
    if params.len() + 2 > 7 {
        glue.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    let mut all = vec![
        format!("{cx}: &mut {p}::Cx<'_>"),
        format!("host: &mut dyn {host_ty}"),
    ];
    all.extend(params.iter().cloned());
    let _ = writeln!(
        glue,
        "pub fn {fname}({}) -> Result<{ret}, {p}::Trap> {{\n{body}}}",
        all.join(", ")
    );

    let args: Vec<String> = (0..fg.sig.params.len())
        .map(|i| format!("arg{i}"))
        .collect();
    let tramp_ret = if ret == "()" {
        String::new()
    } else {
        format!(" -> {ret}")
    };
    let tramp = format!(
        "#[cfg(target_arch = \"wasm32\")]\n#[unsafe(export_name = {})]\n{}extern \"C\" fn __{fname}({}){tramp_ret} {{\n\
         {p}::enter(|cx, host| {fname}(cx, host_of(host)?{accessor}{}))\n}}\n",
        lit(&core),
        if params.len() > 7 { "#[allow(clippy::too_many_arguments)]\n" } else { "" },
        params.join(", "),
        args.iter().map(|a| format!(", {a}")).collect::<String>()
    );
    let flat_args: Vec<String> = fg
        .sig
        .params
        .iter()
        .enumerate()
        .map(|(i, t)| format!(", {p}::flat_{}(args, {i})?", wasm_ty(t)))
        .collect();
    let host_arg = if f.iface.is_some() {
        format!("host{accessor}")
    } else {
        "host".to_owned()
    };
    let arm = match fg.sig.results.as_slice() {
        [] => format!(
            "{} => {{\n{fname}(cx, {host_arg}{})?;\nOk(Vec::new())\n}}\n",
            lit(&core),
            flat_args.concat()
        ),
        [t] => format!(
            "{} => Ok(vec![{p}::Flat::{}({fname}(cx, {host_arg}{})?)]),\n",
            lit(&core),
            flat_ctor(t),
            flat_args.concat()
        ),
        _ => bail!("`{core}`: more than one flat result"),
    };
    Ok((glue, tramp, arm))
}

/// The typed caller of an exported function.
pub(crate) fn export(g: &Gen<'_>, f: &FuncRef<'_>) -> Result<String> {
    let p = &g.p;
    let mut fg = FnGen::new(g, *f, false);
    g.call(f, false, &mut fg)?;
    if let Some(e) = fg.err.take() {
        bail!("`{}`: {e}", g.core_name(f, false));
    }
    let fname = match f.iface {
        Some(i) => format!("call_{}_{}", g.module_of[&i], g.method_name(f.func)),
        None => format!("call_{}", snake(&f.func.name)),
    };
    let mut params = vec![format!("g: &mut dyn {p}::Guest")];
    for (prm, name) in f.func.params.iter().zip(&fg.params) {
        params.push(format!("{name}: {}", g.rty(&prm.ty, None)?));
    }
    let ret = match &f.func.result {
        Some(t) => g.rty(t, None)?,
        None => "()".into(),
    };
    let core = g.core_name(f, false);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "#[doc = {}]",
        lit(&format!(" Calls the guest's `{core}`: lowers the arguments into its memory, lifts the results, runs post-return."))
    );
    if params.len() > 7 {
        s.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    let _ = writeln!(
        s,
        "pub fn {fname}({}) -> Result<{ret}, {p}::Trap> {{\n{}}}",
        params.join(", "),
        fg.cur.src
    );
    Ok(s)
}

/// The Rust type of `f`'s result as the host sees it (`()` for none).
fn result_ty(g: &Gen<'_>, f: &FuncRef<'_>) -> Result<String> {
    match &f.func.result {
        Some(t) => g.rty(t, None),
        None => Ok("()".into()),
    }
}

/// The lowered call of an imported `async func` (`[async-lower]`), its wasm32 trampoline and
/// its `call_import_async` arm.
pub(crate) fn import_async(g: &Gen<'_>, f: &FuncRef<'_>) -> Result<(String, String, String)> {
    let p = &g.p;
    let core = g.core_name(f, true);
    let sig = g
        .resolve
        .wasm_signature(AbiVariant::GuestImportAsync, f.func);
    let params: Vec<String> = (0..sig.params.len()).map(|i| format!("arg{i}")).collect();
    let mode = Mode::AsyncImport {
        host: "host".into(),
        method: g.method_name(f.func),
    };
    let mut fg = FnGen::with_mode(g, *f, mode, sig.clone(), params.clone());
    g.call_variant(
        f,
        f.func,
        AbiVariant::GuestImportAsync,
        LiftLower::LiftArgsLowerResults,
        true,
        &mut fg,
    )?;
    if let Some(e) = fg.err.take() {
        bail!("`{core}`: {e}");
    }
    let mut body = fg.cur.src;
    if let Some(at) = fg.discard_from {
        body.truncate(at);
    } else {
        bail!("`{core}`: wit-bindgen-core emitted no interface call");
    }

    let lends = f.func.params.iter().any(|p| g.has_borrow(&p.ty, false));
    let cx = if uses_ident(&body, "cx") || lends {
        "cx"
    } else {
        "_cx"
    };
    // The results, lowered at the return pointer once the host's future finishes.
    let value = if g.opts.trappable {
        "let value = value?;\n"
    } else {
        ""
    };
    let lower = match &f.func.result {
        Some(ty) => {
            let retptr = params.last().cloned().unwrap_or_default();
            let mut lg = FnGen::with_mode(g, *f, Mode::Lower, sig.clone(), Vec::new());
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                abi::lower_to_memory(g.resolve, &mut lg, "retptr".into(), "value".into(), ty)
            }))
            .map_err(|_| anyhow::anyhow!("`{core}`: wit-bindgen-core panicked"))?;
            if let Some(e) = lg.err.take() {
                bail!("`{core}`: {e}");
            }
            let info = g.sizes.params(&f.func.result);
            body.push_str(&format!("let retptr = {retptr};\n"));
            format!(
                "move |cx: &mut {p}::Cx<'_>| {{\n{value}{p}::check_range(cx, retptr, {}, {})?;\n{}Ok(())\n}}",
                info.size.size_wasm32(),
                al(&info.align),
                lg.cur.src
            )
        }
        None if g.opts.trappable => format!("move |_cx: &mut {p}::Cx<'_>| value"),
        None => format!("|_cx: &mut {p}::Cx<'_>| Ok(())"),
    };
    let awaited = if f.func.result.is_some() || g.opts.trappable {
        "let value = fut.await;"
    } else {
        "fut.await;"
    };
    body.push_str(&format!(
        "Ok({p}::Pending::new(async move {{\n{awaited}\nlet lower: {p}::Lower = Box::new({lower});\nlower\n}}))\n"
    ));
    if lends {
        // Borrowed arguments stay lent until the subtask resolves.
        body = format!("{p}::lending(cx, |cx| {{\n{body}}})\n");
    }

    let (module, host_ty, accessor) = match f.iface {
        Some(i) => {
            let m = g.module_of[&i].clone();
            (m.clone(), format!("{m}::Host"), format!(".{m}()"))
        }
        None => ("root".to_owned(), g.host_trait.clone(), String::new()),
    };
    let fname = format!("{module}_{}", g.method_name(f.func));
    let (sig_params, ret) = signature(&sig);
    let mut glue = String::new();
    let _ = writeln!(
        glue,
        "#[doc = {}]",
        lit(&format!(
            " `{core}` as the guest calls it: lifts the flat arguments now, starts the host's \
             future; the `Pending` lowers the result at the return pointer when it finishes."
        ))
    );
    if sig_params.len() + 2 > 7 {
        glue.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    let mut all = vec![
        format!("{cx}: &mut {p}::Cx<'_>"),
        format!("host: &mut dyn {host_ty}"),
    ];
    all.extend(sig_params.iter().cloned());
    let _ = writeln!(
        glue,
        "pub fn {fname}({}) -> Result<{p}::Pending, {p}::Trap> {{\n{body}}}",
        all.join(", ")
    );
    if ret != "i32" {
        bail!("`{core}`: the async-lowered core function returns {ret}, not an i32 status");
    }
    let tramp = format!(
        "#[cfg(target_arch = \"wasm32\")]\n#[unsafe(export_name = {})]\nextern \"C\" fn __{fname}({}) -> i32 {{\n\
         {p}::enter_async(|cx, host| {fname}(cx, host_of(host)?{accessor}{}))\n}}\n",
        lit(&core),
        sig_params.join(", "),
        params.iter().map(|a| format!(", {a}")).collect::<String>()
    );
    let host_arg = if f.iface.is_some() {
        format!("host{accessor}")
    } else {
        "host".to_owned()
    };
    let flat_args: String = sig
        .params
        .iter()
        .enumerate()
        .map(|(i, t)| format!(", {p}::flat_{}(args, {i})?", wasm_ty(t)))
        .collect();
    let arm = format!("{} => {fname}(cx, {host_arg}{flat_args}),\n", lit(&core));
    Ok((glue, tramp, arm))
}

/// The typed caller of an exported `async func` (callback form).
pub(crate) fn export_async(g: &Gen<'_>, f: &FuncRef<'_>) -> Result<String> {
    let p = &g.p;
    let core = g.core_name(f, false);

    // The arguments: the stream of a synchronous export of the same parameters and no result
    // (`[async-lift]` flattens parameters as a synchronous lift does: 16, else a pointer to
    // memory from `realloc`).
    let mut args_fn = f.func.clone();
    args_fn.kind = sync_kind(&f.func.kind);
    args_fn.result = None;
    let args_sig = g.resolve.wasm_signature(AbiVariant::GuestExport, &args_fn);
    let args_ref = FuncRef {
        func: &args_fn,
        ..*f
    };
    let names: Vec<String> = f.func.params.iter().map(|p| param_name(&p.name)).collect();
    let mut ag = FnGen::with_mode(g, args_ref, Mode::AsyncArgs, args_sig, names.clone());
    g.call_variant(
        &args_ref,
        &args_fn,
        AbiVariant::GuestExport,
        LiftLower::LowerArgsLiftResults,
        false,
        &mut ag,
    )?;
    if let Some(e) = ag.err.take() {
        bail!("`{core}`: {e}");
    }
    let lower_src = ag.cur.src;
    let lcx = if uses_ident(&lower_src, "cx") {
        "cx"
    } else {
        "_cx"
    };
    let mv = if names.is_empty() { "" } else { "move " };

    // The result: `task.return`'s flat arguments are lifted as a synchronous import
    // `[task-return]f: func(result: T)` lifts its parameters (16, else one pointer).
    let mut ret_fn = f.func.clone();
    ret_fn.name = format!("[task-return]{}", f.func.name);
    ret_fn.kind = FunctionKind::Freestanding;
    ret_fn.params = f
        .func
        .result
        .iter()
        .map(|ty| Param {
            name: "result".into(),
            ty: *ty,
            span: Default::default(),
        })
        .collect();
    ret_fn.result = None;
    let ret_sig = g.resolve.wasm_signature(AbiVariant::GuestImport, &ret_fn);
    let ret_ref = FuncRef {
        func: &ret_fn,
        ..*f
    };
    let ret_params: Vec<String> = (0..ret_sig.params.len())
        .map(|i| format!("arg{i}"))
        .collect();
    let mut rg = FnGen::with_mode(g, ret_ref, Mode::TaskReturn, ret_sig.clone(), ret_params);
    g.call_variant(
        &ret_ref,
        &ret_fn,
        AbiVariant::GuestImport,
        LiftLower::LiftArgsLowerResults,
        false,
        &mut rg,
    )?;
    if let Some(e) = rg.err.take() {
        bail!("`{core}`: {e}");
    }
    let mut lift_src = String::new();
    for (i, t) in ret_sig.params.iter().enumerate() {
        let _ = writeln!(
            lift_src,
            "let arg{i} = {p}::flat_{}(rets, {i})?;",
            wasm_ty(t)
        );
    }
    lift_src.push_str(&rg.cur.src);
    let rcx = if uses_ident(&lift_src, "cx") {
        "cx"
    } else {
        "_cx"
    };
    let rets = if uses_ident(&lift_src, "rets") {
        "rets"
    } else {
        "_rets"
    };

    let fname = match f.iface {
        Some(i) => format!("call_{}_{}", g.module_of[&i], g.method_name(f.func)),
        None => format!("call_{}", snake(&f.func.name)),
    };
    let mut params = vec![format!("g: &dyn {p}::AsyncGuest")];
    for (prm, name) in f.func.params.iter().zip(&names) {
        params.push(format!("{name}: {}", g.rty(&prm.ty, None)?));
    }
    let ret = result_ty(g, f)?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "#[doc = {}]",
        lit(&format!(
            " Calls the guest's async `{core}`: lowers the arguments when its task starts, lifts \
             the result inside its `task.return`; resolves when the task exits."
        ))
    );
    if params.len() > 7 {
        s.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    if ret.contains('(') {
        // A tuple inside the boxed future trips the lint; the WIT dictates the type.
        s.push_str("#[allow(clippy::type_complexity)]\n");
    }
    let _ = writeln!(
        s,
        "pub fn {fname}({}) -> {p}::AsyncCall<{ret}> {{\n\
         let call = g.call_async({},\n\
         Box::new({mv}|{lcx}: &mut {p}::Cx<'_>| {{\n{lower_src}}}),\n\
         Box::new(|{rcx}: &mut {p}::Cx<'_>, {rets}: &[{p}::Flat]| {{\n{lift_src}}}),\n);\n\
         Box::pin(async move {{ {p}::returned::<{ret}>(call.await?) }})\n}}",
        params.join(", "),
        lit(&core),
    );
    Ok(s)
}

/// The synchronous kind of the same shape (for the synthetic functions of async exports).
fn sync_kind(kind: &FunctionKind) -> FunctionKind {
    match kind {
        FunctionKind::AsyncFreestanding => FunctionKind::Freestanding,
        FunctionKind::AsyncMethod(r) => FunctionKind::Method(*r),
        FunctionKind::AsyncStatic(r) => FunctionKind::Static(*r),
        k => k.clone(),
    }
}

/// The element codec `CODEC_<n>` of streams and futures of `payload` (Rust type `rust`): a
/// typed lift and lower of one element (wit-bindgen-core's `lift_from_memory` /
/// `lower_to_memory`) and the `ElementCodec` static over them, with wit-parser's size and
/// alignment.
pub(crate) fn codec(g: &Gen<'_>, n: usize, rust: &str, payload: &Option<Type>) -> Result<String> {
    let p = &g.p;
    let (wit, size, align) = match payload {
        Some(t) => (
            g.wit_type(t),
            g.sizes.size(t).size_wasm32(),
            g.sizes.align(t).align_wasm32(),
        ),
        None => ("_".to_owned(), 0, 1),
    };
    let mut s = String::new();
    let (lift_body, lower_body) = match payload {
        Some(ty) => {
            let func = wit_parser::Function {
                name: format!("[codec]{wit}"),
                kind: FunctionKind::Freestanding,
                params: Vec::new(),
                result: None,
                docs: Default::default(),
                stability: Default::default(),
                span: Default::default(),
            };
            let key = wit_parser::WorldKey::Name("codec".into());
            let f = FuncRef {
                iface: None,
                key: &key,
                func: &func,
            };
            let sig = WasmSignature {
                params: Vec::new(),
                results: Vec::new(),
                indirect_params: false,
                retptr: false,
            };
            let mut lg = FnGen::with_mode(g, f, Mode::Codec, sig.clone(), Vec::new());
            let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                abi::lift_from_memory(g.resolve, &mut lg, "ptr".into(), ty)
            }))
            .map_err(|_| anyhow::anyhow!("the codec of `{wit}`: wit-bindgen-core panicked"))?;
            if let Some(e) = lg.err.take() {
                bail!("the codec of `{wit}`: {e}");
            }
            let mut wg = FnGen::with_mode(g, f, Mode::Codec, sig, Vec::new());
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                abi::lower_to_memory(g.resolve, &mut wg, "ptr".into(), "value".into(), ty)
            }))
            .map_err(|_| anyhow::anyhow!("the codec of `{wit}`: wit-bindgen-core panicked"))?;
            if let Some(e) = wg.err.take() {
                bail!("the codec of `{wit}`: {e}");
            }
            (
                format!("{}Ok({value})\n", lg.cur.src),
                format!("{}Ok(())\n", wg.cur.src),
            )
        }
        None => (
            "Ok(())\n".to_owned(),
            "let () = value;\nOk(())\n".to_owned(),
        ),
    };
    let lcx = if uses_ident(&lift_body, "cx") {
        "cx"
    } else {
        "_cx"
    };
    let lptr = if uses_ident(&lift_body, "ptr") {
        "ptr"
    } else {
        "_ptr"
    };
    let wcx = if uses_ident(&lower_body, "cx") {
        "cx"
    } else {
        "_cx"
    };
    let wptr = if uses_ident(&lower_body, "ptr") {
        "ptr"
    } else {
        "_ptr"
    };
    let _ = writeln!(
        s,
        "#[doc = {}]\n\
         pub fn codec_{n}_lift({lcx}: &mut {p}::Cx<'_>, {lptr}: i32) -> Result<{rust}, {p}::Trap> {{\n{lift_body}}}",
        lit(&format!(" Lifts one `{wit}` stream/future element at `ptr` (checked by the caller)."))
    );
    let _ = writeln!(
        s,
        "#[doc = {}]\n\
         pub fn codec_{n}_lower({wcx}: &mut {p}::Cx<'_>, {wptr}: i32, value: {rust}) -> Result<(), {p}::Trap> {{\n{lower_body}}}",
        lit(&format!(" Lowers one `{wit}` stream/future element at `ptr` (checked by the caller)."))
    );
    let _ = writeln!(
        s,
        "#[doc = {}]\n\
         pub static CODEC_{n}: {p}::ElementCodec = {p}::ElementCodec {{\n\
         ty: {},\nsize: {size},\nalign: {align},\n\
         lift: |cx, ptr| Ok(Box::new(codec_{n}_lift(cx, ptr as i32)?)),\n\
         lower: |cx, ptr, value| codec_{n}_lower(cx, ptr as i32, {p}::element::<{rust}>(value)?),\n}};",
        lit(&format!(" The element codec of `stream<{wit}>` / `future<{wit}>` (size {size}, align {align}).")),
        lit(&wit),
    );
    Ok(s)
}
