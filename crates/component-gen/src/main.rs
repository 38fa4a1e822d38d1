//! `gfx-component-gen <wit dir> <world> [-o out.rs]`: prints (or writes) the host-side Rust
//! bindings of a WIT world.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use gfx_component_gen::{generate, Options};

/// Generate the host side of the canonical ABI for a WIT world: Rust types, one `Host` trait per
/// imported interface, lowered-call functions with the exact flat core signatures (plus wasm32
/// trampolines exported as `<interface>#<function>`) and typed callers for the world's exports,
/// all over gfx-component's `abi` runtime. Layouts come from wit-bindgen-core's `abi` module.
///
/// `async func`s get `[async-lower]` trampolines (imports) and callback-form callers (exports).
/// `stream<T>`/`future<T>` values are the runtime's reader handles, with one element codec per
/// type. Refused (with an error naming the function or type): error-context, map and
/// fixed-length lists.
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    /// The WIT package: a directory (with its deps/) or a single .wit file.
    wit: PathBuf,
    /// The world to generate, e.g. `values` or `gfx-test:worlds/values`.
    world: String,
    /// Write the bindings here instead of to standard output.
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// The path of gfx-component's abi module as the including crate sees it.
    #[arg(long, default_value = "::gfx_component::abi")]
    runtime: String,
    /// Host trait methods return Result<T, Trap>, so a host function can trap the guest.
    #[arg(long)]
    trappable: bool,
    /// Leave out the wasm32 extern "C" trampolines.
    #[arg(long)]
    no_trampolines: bool,
    /// Also emit call_import(cx, host, name, args), running an import by its core name.
    #[arg(long)]
    dispatch: bool,
    /// One host trait per resource (`Host<Resource>`) plus `HostFunctions` per interface,
    /// instead of one `Host` trait per interface.
    #[arg(long)]
    resource_traits: bool,
    /// Default bodies for host methods that trap naming the function (needs --trappable).
    #[arg(long)]
    unimplemented: bool,
    /// Emit wasm32 ToJs impls (records → objects, enums → strings, …) for the world's types.
    #[arg(long)]
    to_js: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = Options {
        runtime: cli.runtime,
        trappable: cli.trappable,
        trampolines: !cli.no_trampolines,
        dispatch: cli.dispatch,
        resource_traits: cli.resource_traits,
        unimplemented: cli.unimplemented,
        to_js: cli.to_js,
        ..Options::default()
    };
    let code = match generate(&cli.wit, &cli.world, &opts) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gfx-component-gen: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match cli.out {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, code) {
                eprintln!("gfx-component-gen: writing {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
        None => print!("{code}"),
    }
    ExitCode::SUCCESS
}
