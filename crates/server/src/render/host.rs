//! The store data of one guest run: resource table, wgpu instance, canvas, and the limits that
//! isolate the guest (memory limiter, CPU watchdog).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use surface_wasmtime::{SurfaceCtx, SurfaceCtxView};
use wasi_webgpu_wasmtime::reexports::{wgpu_core, wgpu_types};
use wasi_webgpu_wasmtime::{WasiWebGpuCtx, WasiWebGpuCtxView, WasiWebGpuOptions};
use wasmtime::component::ResourceTable;
use wasmtime::{CallHook, ResourceLimiter};

use super::canvas::{Canvas, HeadlessSpawner};

/// Per-run limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestLimits {
    /// Sum of the guest's linear memories, bytes.
    pub memory: u64,
    /// Longest single activation (one call into the guest).
    pub cpu: Duration,
}

/// Which limit, if any, ended the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitHit {
    Memory { requested: u64 },
    Cpu,
}

/// Store data of a guest run.
pub struct HostState {
    pub(crate) table: ResourceTable,
    pub(crate) gpu: Arc<wgpu_core::global::Global>,
    webgpu_options: WasiWebGpuOptions,
    pub(crate) canvas: Arc<Canvas>,
    spawner: HeadlessSpawner,
    /// `gpu-texture` handles whose texture belongs to a surface context, not to the guest.
    pub(crate) host_textures: HashSet<u32>,
    pub(crate) limits: GuestLimits,
    memory_in_use: u64,
    pub(crate) limit_hit: Option<LimitHit>,
    activation_depth: u32,
    activation_start: Option<Instant>,
}

impl HostState {
    /// Fresh state: its own wgpu instance (Vulkan; lavapipe where there is no GPU).
    pub fn new(canvas: Arc<Canvas>, limits: GuestLimits) -> Self {
        let mut desc = wgpu_types::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu_types::Backends::VULKAN;
        let gpu = Arc::new(wgpu_core::global::Global::new(
            "gfx-render-server",
            desc,
            None,
        ));
        HostState {
            table: ResourceTable::new(),
            gpu,
            webgpu_options: WasiWebGpuOptions::default(),
            spawner: HeadlessSpawner(Arc::clone(&canvas)),
            canvas,
            host_textures: HashSet::new(),
            limits,
            memory_in_use: 0,
            limit_hit: None,
            activation_depth: 0,
            activation_start: None,
        }
    }

    /// Call hook: tracks when the outermost activation began.
    pub(crate) fn on_call(&mut self, hook: CallHook) -> wasmtime::Result<()> {
        match hook {
            CallHook::CallingWasm => {
                if self.activation_depth == 0 {
                    self.activation_start = Some(Instant::now());
                }
                self.activation_depth += 1;
            }
            CallHook::ReturningFromWasm => {
                self.activation_depth = self.activation_depth.saturating_sub(1);
                if self.activation_depth == 0 {
                    self.activation_start = None;
                }
            }
            CallHook::CallingHost | CallHook::ReturningFromHost => {}
        }
        Ok(())
    }

    /// Epoch callback: has the current activation run past the CPU limit?
    pub(crate) fn cpu_exceeded(&mut self) -> bool {
        let over = self
            .activation_start
            .is_some_and(|t| t.elapsed() > self.limits.cpu);
        if over {
            self.limit_hit = Some(LimitHit::Cpu);
        }
        over
    }
}

impl WasiWebGpuCtxView for HostState {
    fn webgpu_ctx(&mut self) -> WasiWebGpuCtx<'_> {
        WasiWebGpuCtx {
            instance: &self.gpu,
            table: &mut self.table,
            options: &self.webgpu_options,
        }
    }
}

impl SurfaceCtxView for HostState {
    type Spawner = HeadlessSpawner;
    fn surface_ctx(&mut self) -> SurfaceCtx<'_, HeadlessSpawner> {
        SurfaceCtx {
            table: &mut self.table,
            main_thread_spawner: &self.spawner,
        }
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let growth = desired.saturating_sub(current) as u64;
        let total = self.memory_in_use.saturating_add(growth);
        if total > self.limits.memory {
            self.limit_hit = Some(LimitHit::Memory { requested: total });
            return Ok(false);
        }
        self.memory_in_use = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}
