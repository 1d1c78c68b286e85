/*
 * filter_object.h - forced into every compile of a filter object (the
 * wasm2c output and the glue, with cc -include), never into the host.
 *
 * It points the module's memory allocation at the host's allocator, which
 * reuses the memory of a freed instance instead of mapping and faulting in
 * a new one for every tile (common/sandbox/wasm_memory.h).  The host exports both
 * functions (it links with -rdynamic); an object built without this header
 * still works, with the runtime's allocator.
 */
#ifndef TS_FILTER_OBJECT_H
#define TS_FILTER_OBJECT_H

#define wasm_rt_allocate_memory tsf_host_allocate_memory
#define wasm_rt_free_memory tsf_host_free_memory

#endif
