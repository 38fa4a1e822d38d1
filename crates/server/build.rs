//! Generates `key_from_name`: the `wasi-gfx:surface` `key` enum's WIT names mapped to the enum
//! that wasmtime's `bindgen!` generates from the same WIT (`key-a` → `Key::KeyA`).
//!
//! The WIT is read from `wit/deps/` (fetched from the published crates by
//! `scripts/fetch-wit.mjs`), so the table can never drift from the bindings.

use std::fmt::Write as _;
use std::path::PathBuf;

use heck::ToUpperCamelCase;
use wit_parser::{Resolve, TypeDefKind};

fn main() -> anyhow::Result<()> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let wit = manifest.join("../../wit");
    println!("cargo:rerun-if-changed={}", wit.join("deps").display());

    let mut resolve = Resolve::default();
    resolve.push_dir(&wit)?;
    let key = resolve
        .types
        .iter()
        .find(|(_, t)| {
            t.name.as_deref() == Some("key") && t.owner_interface_name(&resolve) == Some("surface")
        })
        .ok_or_else(|| anyhow::anyhow!("no `key` enum in wasi-gfx:surface/surface"))?;
    let TypeDefKind::Enum(e) = &key.1.kind else {
        anyhow::bail!("`key` is not an enum");
    };

    let mut out = String::from(
        "/// The `key` enum case named `name` in the WIT (kebab-case), if there is one.\n\
         pub(crate) fn key_from_name(name: &str) -> Option<surface_wasmtime::Key> {\n    \
         use surface_wasmtime::Key;\n    Some(match name {\n",
    );
    for case in &e.cases {
        writeln!(
            out,
            "        {:?} => Key::{},",
            case.name,
            case.name.to_upper_camel_case()
        )?;
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    out.push_str(&format!(
        "\n/// Number of key names.\npub(crate) const KEY_COUNT: usize = {};\n",
        e.cases.len()
    ));
    std::fs::write(
        PathBuf::from(std::env::var("OUT_DIR")?).join("keys.rs"),
        out,
    )?;
    Ok(())
}

trait OwnerName {
    fn owner_interface_name<'a>(&self, resolve: &'a Resolve) -> Option<&'a str>;
}

impl OwnerName for wit_parser::TypeDef {
    fn owner_interface_name<'a>(&self, resolve: &'a Resolve) -> Option<&'a str> {
        match self.owner {
            wit_parser::TypeOwner::Interface(id) => resolve.interfaces[id].name.as_deref(),
            _ => None,
        }
    }
}
