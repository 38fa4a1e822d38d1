//! `gfx-trust`: who signed these exact bytes, and what may they do?
//!
//! The trust core shared by the browser loader, the render server and the
//! `gfx-sign` CLI, so that all three reach the same verdict on the same
//! bytes. Pure Rust, no I/O (callers pass in bytes and the current time),
//! builds for native targets and `wasm32-unknown-unknown`, and never panics
//! on any input.
//!
//! Data flows one way:
//!
//! 1. [`container`] finds the signature section (index 0 only) and computes
//!    the [`Digest`] of the unsigned file; [`digest::Digester`] does the same
//!    while bytes are still arriving.
//! 2. [`section`] decodes the section into [`dsse`] envelopes whose payload
//!    is an in-toto [`statement`].
//! 3. [`verify`] checks each signature against the [`keyring`] and yields a
//!    [`Verdict`]: effective [`TrustLevel`] and a machine-readable [`Reason`].
//! 4. [`decision`] applies the [`policy`] to the verdict and to facts about
//!    the component ([`inspect`]) and the client: client, server or reject.
//!
//! [`sign`] writes the format; [`key`] holds key material.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod container;
pub mod decision;
pub mod digest;
pub mod dsse;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod inspect;
mod json;
pub mod key;
pub mod keyring;
pub mod leb;
pub mod level;
pub mod policy;
pub mod section;
pub mod sign;
pub mod statement;
pub mod verify;

pub use decision::{decide, ClientFacts, Decision, DecisionReason, Route};
pub use digest::Digest;
pub use key::{KeyId, PublicKey, SigningKey};
pub use keyring::Keyring;
pub use level::TrustLevel;
pub use policy::Policy;
pub use statement::Claims;
pub use verify::{verify, Reason, Verdict};

/// `v` in ascending order, by heapsort (`BinaryHeap::into_sorted_vec`): O(n log n) at worst, and
/// far less code in the browser loader than `sort_unstable`. For types whose equal values are
/// indistinguishable (key ids, strings) the result is exactly the sorted slice's.
pub(crate) fn sorted<T: Ord>(v: Vec<T>) -> Vec<T> {
    std::collections::BinaryHeap::from(v).into_sorted_vec()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorted_is_the_sorted_slice(
            ids in prop::collection::vec(any::<[u8; 3]>(), 0..300),
            names in prop::collection::vec("[a-c]{0,3}", 0..100),
        ) {
            let mut want = ids.clone();
            want.sort();
            prop_assert_eq!(super::sorted(ids), want);
            let mut want = names.clone();
            want.sort();
            prop_assert_eq!(super::sorted(names), want);
        }
    }
}
