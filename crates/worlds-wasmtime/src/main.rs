//! `gfx-worlds-wasmtime <world> <component.wasm>`: runs a test-world guest under wasmtime and
//! prints its transcript (tests/worlds/README.md) on stdout.

use std::process::ExitCode;

use gfx_worlds_wasmtime::{World, run_world};

const USAGE: &str = "\
usage: gfx-worlds-wasmtime <world> <component.wasm>

Runs a test-world guest component under wasmtime 48 with the host of tests/worlds/README.md and
prints the world's transcript on stdout (the bytes of tests/worlds/expected/<world>.txt).

  <world>           values | resources | async
  <component.wasm>  the guest, e.g. guests/dist/worlds-values.wasm (scripts/build-guests.sh)

options:
  -h, --help        this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let [world, path] = args.as_slice() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let world: World = match world.parse() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("gfx-worlds-wasmtime: {e}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("gfx-worlds-wasmtime: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match run_world(world, &bytes) {
        Ok(transcript) => {
            print!("{transcript}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gfx-worlds-wasmtime: {e:#}");
            ExitCode::FAILURE
        }
    }
}
