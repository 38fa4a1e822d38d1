//! A `Vec<u8>`-backed [`Memory`] for native tests (feature `testing`): a bump allocator that
//! grows the memory in 64 KiB pages like `memory.grow`, and records every `realloc` call.

use super::{Memory, Trap};

/// One page, as `memory.grow` counts.
pub const PAGE: u32 = 65536;

/// A fake linear memory with a bump `cabi_realloc`.
#[derive(Debug, Clone)]
pub struct VecMemory {
    /// The bytes (its length is the memory size).
    pub bytes: Vec<u8>,
    /// The next free address.
    pub next: u32,
    /// The largest size growth may reach.
    pub max: u64,
    /// Every `realloc(old_ptr, old_size, align, new_size)` call and its result, in order.
    pub reallocs: Vec<(u32, u32, u32, u32, u32)>,
    /// Makes `realloc` return this pointer (once, then cleared) without allocating: for
    /// hostile-guest tests.
    pub rigged: Option<u32>,
}

impl VecMemory {
    /// `pages` pages, allocation starting at `start`, growth up to 64 MiB.
    pub fn new(pages: u32, start: u32) -> Self {
        VecMemory {
            bytes: vec![0; (pages * PAGE) as usize],
            next: start,
            max: 64 << 20,
            reallocs: Vec::new(),
            rigged: None,
        }
    }

    /// Writes `data` at `ptr` (test set-up; panics out of bounds).
    pub fn put(&mut self, ptr: u32, data: &[u8]) {
        self.bytes[ptr as usize..ptr as usize + data.len()].copy_from_slice(data);
    }

    /// The bytes `[ptr, ptr + len)` (panics out of bounds).
    pub fn get(&self, ptr: u32, len: u32) -> &[u8] {
        &self.bytes[ptr as usize..(ptr + len) as usize]
    }

    /// Allocates `data` (aligned to `align`) as the guest would, returning its address.
    pub fn alloc(&mut self, align: u32, data: &[u8]) -> u32 {
        let ptr = self
            .realloc(0, 0, align, data.len() as u32)
            .expect("test allocation");
        self.put(ptr, data);
        ptr
    }
}

impl Memory for VecMemory {
    fn read(&self, ptr: u32, out: &mut [u8]) -> Result<(), Trap> {
        let end = ptr as usize as u64 + out.len() as u64;
        if end > self.bytes.len() as u64 {
            return Err(Trap::new("fake memory: read out of bounds"));
        }
        out.copy_from_slice(&self.bytes[ptr as usize..end as usize]);
        Ok(())
    }

    fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), Trap> {
        let end = ptr as usize as u64 + data.len() as u64;
        if end > self.bytes.len() as u64 {
            return Err(Trap::new("fake memory: write out of bounds"));
        }
        self.bytes[ptr as usize..end as usize].copy_from_slice(data);
        Ok(())
    }

    fn realloc(
        &mut self,
        old_ptr: u32,
        old_size: u32,
        align: u32,
        new_size: u32,
    ) -> Result<u32, Trap> {
        if let Some(p) = self.rigged.take() {
            self.reallocs.push((old_ptr, old_size, align, new_size, p));
            return Ok(p);
        }
        if !align.is_power_of_two() {
            return Err(Trap::new("fake realloc: alignment is not a power of two"));
        }
        let start = (u64::from(self.next) + u64::from(align) - 1) & !(u64::from(align) - 1);
        let end = start + u64::from(new_size);
        if end > self.max {
            return Err(Trap::new("fake realloc: out of memory"));
        }
        if end > self.bytes.len() as u64 {
            let pages = end.div_ceil(u64::from(PAGE));
            self.bytes.resize((pages * u64::from(PAGE)) as usize, 0);
        }
        if old_ptr != 0 {
            let n = old_size.min(new_size) as usize;
            let old = old_ptr as usize;
            if old + n > self.bytes.len() {
                return Err(Trap::new("fake realloc: old block out of bounds"));
            }
            self.bytes.copy_within(old..old + n, start as usize);
        }
        self.next = end as u32;
        self.reallocs
            .push((old_ptr, old_size, align, new_size, start as u32));
        Ok(start as u32)
    }

    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
}
