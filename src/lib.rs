//! `wasi-gfx-loader`: the browser loader.
//!
//! This crate is compiled to `wasm32-unknown-unknown` with wasm-bindgen and exposes
//! `loadComponent` to web pages. At this stage it only re-exports the trust core
//! ([`gfx_trust`]), which decides who signed a component and what it may do; the
//! fetch / consent / runtime / fallback layers arrive with later issues (see `README.md`).

pub use gfx_trust as trust;
