//! `ToJs` impls for a world's types ([`Options::to_js`](crate::Options::to_js)): each record,
//! variant, enum and flags type converts to the JavaScript value a Web API takes for it, by
//! jco's conventions:
//!
//! - a record → a plain object, field names in lowerCamelCase, `none` fields left out;
//! - an enum → its case name as a string;
//! - a variant → its payload's value, or its case name for a case without one;
//! - flags → the bits as a number;
//!
//! and a `FromJs` impl for each enum (from its name) and flags type (from a number), for what
//! Web APIs return;
//! - `option<T>` → `undefined` or the value, `list<T>` → an array, a handle → the host's object
//!   for it (the runtime's `Objects`).
//!
//! Names whose JavaScript spelling differs from that rule (WIT identifiers cannot start with a
//! digit: WebGPU's `"2d"` is WIT's `d2`) come from [`Options::js_names`](crate::Options::js_names).
//! Types holding something with no JavaScript form (a stream, a future, a result, a tuple) get
//! no impl.

use std::fmt::Write as _;

use anyhow::Result;
use heck::ToLowerCamelCase;
use wit_parser::{Type, TypeDefKind, TypeId};

use crate::names::{case, lit};
use crate::Gen;

impl Gen<'_> {
    /// The JavaScript spelling of a WIT field or case name.
    fn js_name(&self, wit: &str, camel: bool) -> String {
        if let Some((_, js)) = self.opts.js_names.iter().find(|(w, _)| w == wit) {
            return js.clone();
        }
        if camel {
            wit.to_lower_camel_case()
        } else {
            wit.to_owned()
        }
    }

    /// Whether values of `ty` have a JavaScript form.
    fn js_convertible(&self, ty: &Type) -> bool {
        match ty {
            Type::ErrorContext => false,
            Type::Id(id) => match &self.resolve.types[*id].kind {
                TypeDefKind::Record(r) => r.fields.iter().all(|f| self.js_convertible(&f.ty)),
                TypeDefKind::Variant(v) => v
                    .cases
                    .iter()
                    .all(|c| c.ty.as_ref().is_none_or(|t| self.js_convertible(t))),
                TypeDefKind::Enum(_) | TypeDefKind::Flags(_) | TypeDefKind::Handle(_) => true,
                TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => {
                    self.js_convertible(t)
                }
                _ => false,
            },
            _ => true,
        }
    }

    /// The `ToJs` impl of type definition `id`, if it has a JavaScript form.
    pub(crate) fn to_js_impl(&self, id: TypeId, name: &str) -> Result<String> {
        let js = &self.opts.js_runtime;
        let def = &self.resolve.types[id];
        if !self.js_convertible(&Type::Id(id)) {
            return Ok(String::new());
        }
        let body = match &def.kind {
            TypeDefKind::Record(r) => {
                let mut b = format!("let obj = {js}::object();\n");
                for f in &r.fields {
                    writeln!(
                        b,
                        "{js}::set(&obj, {}, {js}::ToJs::to_js(&self.{}, o));",
                        lit(&self.js_name(&f.name, true)),
                        crate::names::snake(&f.name)
                    )?;
                }
                b.push_str("obj.into()\n");
                b
            }
            TypeDefKind::Variant(v) => {
                let mut b = "match self {\n".to_owned();
                for c in &v.cases {
                    match c.ty {
                        Some(_) => {
                            writeln!(b, "Self::{}(v) => {js}::ToJs::to_js(v, o),", case(&c.name))?
                        }
                        None => writeln!(
                            b,
                            "Self::{} => {js}::key({}).clone(),",
                            case(&c.name),
                            lit(&self.js_name(&c.name, false))
                        )?,
                    }
                }
                b.push_str("}\n");
                b
            }
            TypeDefKind::Enum(e) => {
                let mut b = format!("{js}::key(match self {{\n");
                for c in &e.cases {
                    writeln!(
                        b,
                        "Self::{} => {},",
                        case(&c.name),
                        lit(&self.js_name(&c.name, false))
                    )?;
                }
                b.push_str("}).clone()\n");
                b
            }
            TypeDefKind::Flags(_) => format!("{js}::JsValue::from(self.0)\n"),
            _ => return Ok(String::new()),
        };
        // The way back, for what Web APIs return: an enum from its name, flags from a number.
        let from = match &def.kind {
            TypeDefKind::Enum(e) => {
                let mut b = "match v.as_string()?.as_str() {\n".to_owned();
                for c in &e.cases {
                    writeln!(
                        b,
                        "{} => Some(Self::{}),",
                        lit(&self.js_name(&c.name, false)),
                        case(&c.name)
                    )?;
                }
                b.push_str("_ => None,\n}\n");
                Some(b)
            }
            TypeDefKind::Flags(f) => {
                let all = (1u64 << f.flags.len()) - 1;
                Some(format!(
                    "let n = v.as_f64()?;\n\
                     (n >= 0.0 && n <= {all}.0 && n.fract() == 0.0).then(|| Self(n as u32))\n"
                ))
            }
            _ => None,
        };
        let from = match from {
            Some(body) => format!(
                "#[cfg(target_arch = \"wasm32\")]\nimpl {js}::FromJs for {name} {{\n\
                 fn from_js(v: &{js}::JsValue) -> Option<Self> {{\n{body}}}\n}}\n"
            ),
            None => String::new(),
        };
        let o = if body.contains(", o)") { "o" } else { "_o" };
        Ok(format!(
            "#[cfg(target_arch = \"wasm32\")]\nimpl {js}::ToJs for {name} {{\n\
             fn to_js(&self, {o}: &dyn {js}::Objects) -> {js}::JsValue {{\n{body}}}\n}}\n{from}"
        ))
    }
}
