/*
 * filter_object.h - forced into every compile of a filter object (the
 * wasm2c output and the glue, with cc -include), never into the host.
 *
 * It points the module's memory allocation at the host's allocator, which
 * reuses the memory of a freed instance instead of mapping and faulting in
 * a new one for every tile (common/sandbox/wasm_memory.h), and its memory growth
 * and tables at the host's functions, which hold them within the limits
 * of the instance from its first instruction on.  The host exports all of
 * them (it links with -rdynamic); an object built without this header
 * still works, with the runtime's functions and no limit before
 * instantiation is over.
 */
#ifndef TS_FILTER_OBJECT_H
#define TS_FILTER_OBJECT_H

#define wasm_rt_allocate_memory tsf_host_allocate_memory
#define wasm_rt_free_memory tsf_host_free_memory
#define wasm_rt_grow_memory tsf_host_grow_memory
#define wasm_rt_allocate_funcref_table tsf_host_allocate_funcref_table
#define wasm_rt_allocate_externref_table tsf_host_allocate_externref_table
#define wasm_rt_grow_funcref_table tsf_host_grow_funcref_table
#define wasm_rt_grow_externref_table tsf_host_grow_externref_table
#define wasm_rt_free_funcref_table tsf_host_free_funcref_table
#define wasm_rt_free_externref_table tsf_host_free_externref_table

#endif
