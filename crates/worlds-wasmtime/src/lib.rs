//! The wasmtime oracle of the test worlds (`tests/worlds/`).
//!
//! Runs a test-world guest component (guests/worlds-values, -resources, -async) under wasmtime
//! 48 with host implementations that follow `tests/worlds/README.md` to the letter, and returns
//! the world's transcript: the guest's `run` transcript followed by the lines of the host
//! driver's own calls into the guest's exports. The transcripts are checked in as golden files
//! (`tests/worlds/expected/<world>.txt`); any other host (jco, our browser runtime) running the
//! same guest must produce the same bytes.
//!
//! ```no_run
//! let bytes = std::fs::read("guests/dist/worlds-values.wasm")?;
//! let transcript = gfx_worlds_wasmtime::run_world(gfx_worlds_wasmtime::World::Values, &bytes)?;
//! print!("{transcript}");
//! # Ok::<(), anyhow::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use anyhow::{Context as _, Result};
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

mod async_world;
mod resources;
mod text;
mod values;

/// One of the test worlds of `tests/worlds/wit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum World {
    /// Every component value type, in both directions.
    Values,
    /// Host and guest resources: constructors, methods, statics, own and borrow, drops.
    Resources,
    /// WASI P3 async: async imports and exports, streams, futures, cancellation.
    Async,
}

impl World {
    /// Every world, in README order.
    pub const ALL: [World; 3] = [World::Values, World::Resources, World::Async];

    /// The world's WIT name (`values`, `resources`, `async`), also its golden file's stem.
    pub fn name(self) -> &'static str {
        match self {
            World::Values => "values",
            World::Resources => "resources",
            World::Async => "async",
        }
    }

    /// The package name of the world's guest in `guests/` (its component is
    /// `guests/dist/<package>.wasm`).
    pub fn guest_package(self) -> &'static str {
        match self {
            World::Values => "worlds-values",
            World::Resources => "worlds-resources",
            World::Async => "worlds-async",
        }
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A world name that is none of [`World::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWorld(pub String);

impl fmt::Display for UnknownWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown world `{}` (expected values, resources or async)",
            self.0
        )
    }
}

impl std::error::Error for UnknownWorld {}

impl FromStr for World {
    type Err = UnknownWorld;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        World::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or_else(|| UnknownWorld(s.to_string()))
    }
}

/// The engine every world runs on: the component model with its async ABI (P3).
fn engine() -> Result<Engine> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .wasm_component_model_async(true);
    Ok(Engine::new(&config)?)
}

/// Runs `component_bytes` (a guest of `world`) and returns the world's full transcript as
/// tests/worlds/README.md defines it. Fails (never panics) if the bytes are not a component of
/// that world, if the guest traps, or if the guest breaks a rule of the canonical ABI.
pub fn run_world(world: World, component_bytes: &[u8]) -> Result<String> {
    let engine = engine()?;
    let component = Component::new(&engine, component_bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling the `{world}` component"))?;
    let transcript = match world {
        World::Values => values::run(&engine, &component),
        World::Resources => resources::run(&engine, &component),
        World::Async => async_world::run(&engine, &component),
    };
    transcript.with_context(|| format!("running the `{world}` world"))
}
