// Entry point of the threaded build: the worker pool's job loop (assembly/jobs.ts) and the kernels it runs,
// compiled with --enable threads against an imported shared memory. Its kernels run only as jobs (a parallel call
// copies its operands in from JavaScript, publishes jobs and waits), so the exports are the loop and what such a
// call runs on the main thread first; src/kernels/wasm/threads.ts (SharedExports) lists the same.

export { padPlanes } from './conv';
export { heapBase } from './index';
export { runJobs } from './jobs';
