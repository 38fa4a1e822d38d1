//! The client sandbox's memory limit: bounding every core memory before anything is compiled.
//!
//! The policy's `memory` limit is the sum of the guest's linear memories. [`split`] divides it
//! among the memories the plan's core instances create (at parse time: a component whose
//! memories cannot fit is refused with `memory-limit` before anything is compiled), and
//! [`bound_memories`] rewrites one core module so that every memory it defines declares its
//! share as maximum. Growth past it then fails inside the guest — `memory.grow` returns -1, the
//! guest's allocator aborts, the guest traps — and the loader reports `memory-limit`
//! (`web::Instance::memory_at_limit`).
//!
//! The rewrite replaces the memory section only, re-encoded with wasm-encoder's
//! `MemorySection`; every other byte of the module is copied as it is. Imported memories are
//! bounded where they are defined (in the module that defines them).

use std::borrow::Cow;

use wasmparser::{Encoding, Parser, Payload, TypeRef};

use crate::error::PlanError;
use crate::plan::{CoreInstance, Plan};

/// Size of a wasm page (custom page sizes are refused).
pub const PAGE: u64 = 1 << 16;
/// The most pages a 32-bit memory can declare (4 GiB).
const MAX_PAGES_32: u64 = 1 << 16;
/// The most pages a 64-bit memory can declare.
const MAX_PAGES_64: u64 = 1 << 48;

/// Why a core module's memories cannot be bounded.
///
/// Every variant has a stable [`code`](BoundError::code), the same codes as
/// [`PlanError`](crate::PlanError).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundError {
    /// A shared memory (threads): its maximum is part of its sharing contract.
    #[error("memory {memory} is shared (threads) and cannot be bounded")]
    Shared {
        /// Index of the memory in the module.
        memory: u32,
    },
    /// A custom page size.
    #[error("memory {memory} has a custom page size and cannot be bounded")]
    PageSize {
        /// Index of the memory in the module.
        memory: u32,
    },
    /// A memory whose initial size is already over its share of the limit.
    #[error(
        "memory {memory} starts at {initial_pages} pages, over its limit of {max_pages} pages"
    )]
    OverLimit {
        /// Index of the memory in the module.
        memory: u32,
        /// Its initial size in 64 KiB pages.
        initial_pages: u64,
        /// The maximum it was to get.
        max_pages: u64,
    },
    /// The module defines another number of memories than maxima were given.
    #[error("the module defines {defined} memories, but {given} maxima were given")]
    Count {
        /// Memories the module defines.
        defined: usize,
        /// Maxima given.
        given: usize,
    },
    /// The module does not parse (or its memory declarations are invalid).
    #[error("invalid core module: {0}")]
    Invalid(String),
}

impl BoundError {
    /// The stable code: `unsupported-feature` (shared memories, custom page sizes),
    /// `memory-limit` (an initial size over the limit) or `component-invalid`.
    pub fn code(&self) -> &'static str {
        match self {
            BoundError::Shared { .. } | BoundError::PageSize { .. } => "unsupported-feature",
            BoundError::OverLimit { .. } => "memory-limit",
            BoundError::Count { .. } | BoundError::Invalid(_) => "component-invalid",
        }
    }
}

impl From<wasmparser::BinaryReaderError> for BoundError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        BoundError::Invalid(e.to_string())
    }
}

/// Rewrites the core module `module` so that memory `j` it defines (in its memory section, in
/// order; imported memories are not counted) declares at most `max_pages[j]` pages as maximum.
///
/// A declared maximum that is already smaller stays. A 32-bit memory never declares more than
/// its 65,536 pages. Every section but the memory section is copied byte for byte; when no
/// maximum changes, `module` itself is returned.
///
/// Refused: shared memories, custom page sizes, a memory whose initial size is over its
/// maximum (`memory-limit`), another number of maxima than defined memories, a module that does
/// not parse.
pub fn bound_memories<'a>(
    module: &'a [u8],
    max_pages: &[u64],
) -> Result<Cow<'a, [u8]>, BoundError> {
    let mut imported = 0u32;
    let mut defined = 0usize;
    // End of the last section read: where the next one (its id byte) starts.
    let mut end = 0usize;
    let mut memory_section = None;
    // The rewritten memory section (id, size and contents), if a maximum changed.
    let mut rewritten: Option<Vec<u8>> = None;
    let mut rewritten_range = 0..0;
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload?;
        let start = end;
        if let Some((_, range)) = payload.as_section() {
            end = range.end;
        }
        match payload {
            Payload::Version {
                encoding, range, ..
            } => {
                if encoding != Encoding::Module {
                    return Err(BoundError::Invalid("a component, not a core module".into()));
                }
                end = range.end;
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Memory(_) = import?.ty {
                        imported = imported.saturating_add(1);
                    }
                }
            }
            Payload::MemorySection(reader) => {
                if memory_section.replace(()).is_some() {
                    return Err(BoundError::Invalid("more than one memory section".into()));
                }
                let mut section = wasm_encoder::MemorySection::new();
                let mut changed = false;
                for ty in reader {
                    let ty = ty?;
                    let memory =
                        imported.saturating_add(u32::try_from(defined).unwrap_or(u32::MAX));
                    let given = max_pages.get(defined).copied();
                    defined += 1;
                    let Some(given) = given else { continue };
                    let maximum = bounded(&ty, memory, given)?;
                    changed |= ty.maximum != Some(maximum);
                    section.memory(wasm_encoder::MemoryType {
                        minimum: ty.initial,
                        maximum: Some(maximum),
                        memory64: ty.memory64,
                        shared: ty.shared,
                        page_size_log2: ty.page_size_log2,
                    });
                }
                if changed && defined == max_pages.len() {
                    let mut bytes = Vec::with_capacity(end - start + 8);
                    wasm_encoder::Section::append_to(&section, &mut bytes);
                    rewritten = Some(bytes);
                    // The section being replaced: from its id byte to its end.
                    rewritten_range = start..end;
                }
            }
            _ => {}
        }
    }
    if defined != max_pages.len() {
        return Err(BoundError::Count {
            defined,
            given: max_pages.len(),
        });
    }
    Ok(match rewritten {
        None => Cow::Borrowed(module),
        Some(section) => {
            let (Some(before), Some(after)) = (
                module.get(..rewritten_range.start),
                module.get(rewritten_range.end..),
            ) else {
                return Err(BoundError::Invalid(
                    "a section lies outside the module".into(),
                ));
            };
            let mut out = Vec::with_capacity(before.len() + section.len() + after.len());
            out.extend_from_slice(before);
            out.extend_from_slice(&section);
            out.extend_from_slice(after);
            Cow::Owned(out)
        }
    })
}

/// The maximum memory `memory` of type `ty` gets when its share is `given` pages.
fn bounded(ty: &wasmparser::MemoryType, memory: u32, given: u64) -> Result<u64, BoundError> {
    if ty.shared {
        return Err(BoundError::Shared { memory });
    }
    if ty.page_size_log2.is_some_and(|p| p != 16) {
        return Err(BoundError::PageSize { memory });
    }
    let cap = if ty.memory64 {
        MAX_PAGES_64
    } else {
        MAX_PAGES_32
    };
    if ty.initial > cap || ty.maximum.is_some_and(|m| m < ty.initial || m > cap) {
        return Err(BoundError::Invalid(format!(
            "memory {memory}: its limits are out of range"
        )));
    }
    if ty.initial > given {
        return Err(BoundError::OverLimit {
            memory,
            initial_pages: ty.initial,
            max_pages: given,
        });
    }
    Ok(ty.maximum.unwrap_or(cap).min(given).min(cap))
}

/// Divides the memory limit of `limit_bytes` among the memories `plan` creates, so that the sum
/// of their maxima stays within it: returns, for each core module (index as in
/// [`Plan::modules`]), the maximum in pages of each memory it defines (in order, imported ones
/// left out) — what [`bound_memories`] takes.
///
/// Every `Instantiate` core instance creates the memories its module defines, each with the
/// module's maxima (a module is compiled once), so a module instantiated `n` times counts `n`
/// times; a module never instantiated creates none (its memories get their initial size).
///
/// The rule, in pages (`limit_bytes / 65,536`, rounded down):
/// 1. Refused (`memory-limit`) if the initial sizes of all memories created add up to more
///    than the limit.
/// 2. What is left after the initial sizes — the headroom — is shared max-min fairly: every
///    memory may grow by the same number of pages, except that a memory never gets more than
///    its declared maximum (it keeps that maximum), and what such a memory leaves over goes to
///    the others. Equal shares are rounded down (at most one page per memory is left unused).
///
/// So a component with one main memory (the usual shape) gives it the whole limit less the
/// initial sizes of the others; two memories without a declared maximum may each grow by half
/// of the headroom.
pub fn split(plan: &Plan, limit_bytes: u64) -> Result<Vec<Vec<u64>>, PlanError> {
    let limit = limit_bytes / PAGE;
    let mut count = vec![0u64; plan.modules.len()];
    for instance in &plan.core_instances {
        if let CoreInstance::Instantiate { module, .. } = instance {
            if let Some(n) = count.get_mut(*module as usize) {
                *n = n.saturating_add(1);
            }
        }
    }
    let mut maxima: Vec<Vec<u64>> = Vec::with_capacity(plan.modules.len());
    // (headroom, instantiations, module, memory): one entry per memory a module defines.
    let mut growable = Vec::new();
    let (mut initial, mut memories) = (0u64, 0u64);
    for (m, module) in plan.modules.iter().enumerate() {
        let defined = module.memories.iter().filter(|memory| !memory.imported);
        maxima.push(defined.clone().map(|memory| memory.initial_pages).collect());
        let n = count[m];
        if n == 0 {
            continue;
        }
        for (j, memory) in defined.enumerate() {
            initial = initial.saturating_add(n.saturating_mul(memory.initial_pages));
            memories = memories.saturating_add(n);
            let cap = memory
                .maximum_pages
                .map_or(MAX_PAGES_32, |m| m.min(MAX_PAGES_32));
            growable.push((cap.saturating_sub(memory.initial_pages), n, m, j));
        }
    }
    if initial > limit {
        return Err(PlanError::MemoryBudget {
            memories,
            initial_bytes: initial.saturating_mul(PAGE),
            limit_bytes,
        });
    }
    let mut rest = limit - initial;
    let mut left = memories;
    // Smallest headroom first (a selection, not a sort: a handful of memories, and no sort code
    // in the browser wasm).
    while let Some(next) = (0..growable.len()).min_by_key(|&i| growable[i].0) {
        let (headroom, n, m, j) = growable.swap_remove(next);
        // `left` counts this memory's `n` instances, so it is not 0, and n * fair <= rest.
        let fair = rest / left.max(1);
        let grow = headroom.min(fair);
        rest -= n.saturating_mul(grow).min(rest);
        left = left.saturating_sub(n);
        maxima[m][j] += grow;
    }
    Ok(maxima)
}
