// The part of the WebGPU API this backend uses, declared here so that adjoint needs no type package (TypeScript's
// DOM library does not declare WebGPU yet) and its published declarations stay self-contained. Structurally these
// are a subset of the standard interfaces: `navigator.gpu` in a browser, and `create([])` of the `webgpu` npm
// package in Node, both fit `Gpu`.

/** `navigator.gpu`, or what the `webgpu` package's `create([])` returns in Node. */
export interface Gpu {
  /** Ask for an adapter (null when there is none). @hidden */
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapter | null>;
}

/** What an adapter says of itself. */
export interface GpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for a software (CPU) adapter: SwiftShader, lavapipe, WARP. */
  readonly isFallbackAdapter?: boolean;
}

/** A physical or software GPU. */
export interface GpuAdapter {
  readonly info: GpuAdapterInfo;
  readonly features: ReadonlySet<string>;
  readonly limits: Readonly<Record<string, number>>;
  /** Older implementations report this here rather than in `info`. */
  readonly isFallbackAdapter?: boolean;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDevice>;
}

/** A logical device: where buffers, pipelines and the queue live. */
export interface GpuDevice {
  readonly queue: GpuQueue;
  readonly limits: Readonly<Record<string, number>>;
  readonly features: ReadonlySet<string>;
  readonly lost: Promise<{ readonly reason: string; readonly message: string }>;
  onuncapturederror: ((event: { readonly error: { readonly message: string } }) => void) | null;
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean }): GpuBuffer;
  createShaderModule(descriptor: { code: string }): GpuShaderModule;
  createBindGroupLayout(descriptor: { entries: GpuBindGroupLayoutEntry[] }): GpuBindGroupLayout;
  createPipelineLayout(descriptor: { bindGroupLayouts: GpuBindGroupLayout[] }): GpuPipelineLayout;
  createComputePipeline(descriptor: { layout: GpuPipelineLayout; compute: { module: GpuShaderModule; entryPoint: string } }): GpuComputePipeline;
  createBindGroup(descriptor: { layout: GpuBindGroupLayout; entries: { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[] }): GpuBindGroup;
  createCommandEncoder(): GpuCommandEncoder;
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<{ readonly message: string } | null>;
  destroy(): void;
}

/** A device buffer. */
export interface GpuBuffer {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}

/** One entry of a bind group layout (compute storage buffers only, here). */
export interface GpuBindGroupLayoutEntry {
  binding: number;
  visibility: number;
  buffer: { type: 'storage' | 'read-only-storage' };
}

/** The device's queue. */
export interface GpuQueue {
  submit(buffers: GpuCommandBuffer[]): void;
  writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView, dataOffset?: number, size?: number): void;
  onSubmittedWorkDone(): Promise<void>;
}

/** Records commands. */
export interface GpuCommandEncoder {
  beginComputePass(): GpuComputePassEncoder;
  copyBufferToBuffer(source: GpuBuffer, sourceOffset: number, destination: GpuBuffer, destinationOffset: number, size: number): void;
  clearBuffer(buffer: GpuBuffer, offset?: number, size?: number): void;
  finish(): GpuCommandBuffer;
}

/** Records dispatches. */
export interface GpuComputePassEncoder {
  setPipeline(pipeline: GpuComputePipeline): void;
  setBindGroup(index: number, group: GpuBindGroup): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}

/** Opaque objects: only passed back to the device. */
export interface GpuShaderModule { readonly __shaderModule?: never }
/** @see GpuShaderModule */
export interface GpuBindGroupLayout { readonly __bindGroupLayout?: never }
/** @see GpuShaderModule */
export interface GpuPipelineLayout { readonly __pipelineLayout?: never }
/** @see GpuShaderModule */
export interface GpuComputePipeline { readonly __computePipeline?: never }
/** @see GpuShaderModule */
export interface GpuBindGroup { readonly __bindGroup?: never }
/** @see GpuShaderModule */
export interface GpuCommandBuffer { readonly __commandBuffer?: never }

/** `GPUBufferUsage` flags (the standard values). */
export const BUFFER_USAGE = { MAP_READ: 0x0001, MAP_WRITE: 0x0002, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;
/** `GPUMapMode.READ`. */
export const MAP_READ = 0x0001;
/** `GPUShaderStage.COMPUTE`. */
export const STAGE_COMPUTE = 0x4;
