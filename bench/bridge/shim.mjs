// The JS host jco's output of the bench guests runs against (bench/bridge.mjs): the part of
// `wasi:webgpu/webgpu@0.3.0-rc.2` and `wasi-gfx:surface/{surface,surface-webgpu}@0.2.0` that
// guests/triangle, guests/animated-clear and guests/bench-viewport call, each WIT function mapped
// onto the browser's WebGPU call of the same name, as thinly as jco allows.
//
// jco 1.35 (see tests/jco/README.md) looks imports up without the @version, takes resources as JS
// classes (it checks `instanceof` on every resource a host function returns) and calls methods
// on the objects it was given. Where a WIT resource's methods are exactly the WebGPU methods, the
// resource class here IS the browser's class (GPUQueue, GPURenderPassEncoder, …): no wrapper, the
// guest's call goes from jco's glue straight to the native method. Only four WIT shapes differ
// from WebGPU's JavaScript API, and get a small class or a conversion:
//   - `get-gpu` / `gpu.request-adapter`: `navigator.gpu`; an adapter of `null` is WIT's none
//     (`undefined` for jco);
//   - `gpu-device.queue` is a method in WIT, a property in WebGPU (so GpuDevice wraps GPUDevice,
//     and ContextConfiguration.device is unwrapped);
//   - `gpu-layout-mode` is a variant (`{ tag: 'auto' }`) where WebGPU takes the string 'auto';
//   - wasi-gfx:surface is the canvas: `on-frame` is one event per requestAnimationFrame, the next
//     one requested only when the guest asks for it (as crates/bridge does); `present` does
//     nothing (the browser presents a canvas when the task that drew it ends).
// WIT options arrive as `undefined` and enums as WebGPU's own strings, which WebGPU takes as they
// are. Functions the guests do not call are absent: a guest calling one fails at instantiation.

/** The import object for jco's `instantiate(getCoreModule, imports)`, drawing on `canvas`. */
export function host(canvas) {
  class GpuDevice {
    constructor(device) { this.device = device; }
    queue() { return this.device.queue; }
    createShaderModule(descriptor) { return this.device.createShaderModule(descriptor); }
    createRenderPipeline(descriptor) {
      const { layout } = descriptor;
      return this.device.createRenderPipeline({ ...descriptor, layout: layout.tag === 'auto' ? 'auto' : layout.val });
    }
    createCommandEncoder(descriptor) { return this.device.createCommandEncoder(descriptor); }
  }
  class GpuAdapter {
    constructor(adapter) { this.adapter = adapter; }
    async requestDevice(descriptor) { return new GpuDevice(await this.adapter.requestDevice(descriptor)); }
  }
  class Gpu {
    async requestAdapter(options) {
      const adapter = await navigator.gpu.requestAdapter(options);
      return adapter ? new GpuAdapter(adapter) : undefined;
    }
    getPreferredCanvasFormat() { return navigator.gpu.getPreferredCanvasFormat(); }
  }
  const gpu = new Gpu();

  class Surface {
    constructor({ width, height }) {
      if (width !== undefined) canvas.width = width;
      if (height !== undefined) canvas.height = height;
    }
    width() { return canvas.width; }
    height() { return canvas.height; }
    async *onFrame() {
      for (;;) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
        yield { nothing: false };
      }
    }
  }
  class Context {
    constructor() { this.context = canvas.getContext('webgpu'); }
    configure(configuration) { this.context.configure({ ...configuration, device: configuration.device.device }); }
    getCurrentTexture() { return this.context.getCurrentTexture(); }
    present() {}
  }

  // Resource types of the world the guests never receive from this host; jco wants a class each.
  const never = (name) => ({ [name]: class { constructor() { throw new TypeError(`${name}: not in the bench shim`); } } })[name];
  return {
    'wasi:webgpu/webgpu': {
      getGpu: () => gpu,
      Gpu,
      GpuAdapter,
      GpuDevice,
      GpuQueue: GPUQueue,
      GpuShaderModule: GPUShaderModule,
      GpuRenderPipeline: GPURenderPipeline,
      GpuPipelineLayout: GPUPipelineLayout,
      GpuQuerySet: GPUQuerySet,
      GpuTexture: GPUTexture,
      GpuTextureView: GPUTextureView,
      GpuCommandEncoder: GPUCommandEncoder,
      GpuCommandBuffer: GPUCommandBuffer,
      GpuRenderPassEncoder: GPURenderPassEncoder,
      RecordGpuPipelineConstantValue: never('RecordGpuPipelineConstantValue'),
      RecordOptionGpuSize64: never('RecordOptionGpuSize64'),
    },
    'wasi-gfx:surface/surface': { Surface },
    'wasi-gfx:surface/surface-webgpu': { Context },
  };
}
