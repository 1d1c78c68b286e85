/*
 * wasm_memory.h - linear memories for wasm2c instances, kept for reuse.
 *
 * A worker makes a fresh instance for every stage of every tile.  With the
 * runtime's own allocator each one is a new 8 GiB reservation whose pages
 * fault in one by one as the filter touches them; for cheap filters that
 * costs more than the filter.  Filter objects are compiled with the
 * runtime's allocate and free renamed to the two functions below
 * (filter_glue.h), which keep a freed memory's reservation, with its pages
 * still resident, for the next instance of the same thread.
 *
 * Nothing leaks from one instance to the next: a reused memory is zeroed
 * over every byte the previous instance could reach, and everything above
 * the new instance's size is made inaccessible again, so the guard-page
 * traps are exactly those of a fresh memory.
 */
#ifndef TS_WASM_MEMORY_H
#define TS_WASM_MEMORY_H

#include <wasm-rt.h>

/* the bytes wasm2c reserves per memory (its guard-page configuration) */
#define WASM_RESERVATION 0x200000000ull
#define WASM_PAGE 65536u

/* Called by filter objects in place of wasm_rt_allocate_memory and
 * wasm_rt_free_memory (same contracts). */
void tsf_host_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages,
                              uint32_t max_pages);
void tsf_host_free_memory(wasm_rt_memory_t *mem);

/* wasm_memory_release_rest - after an instance is freed: a memory the
 * runtime's own free released (an object compiled without the renames)
 * leaves most of its reservation mapped; unmap it. */
void wasm_memory_release_rest(wasm_rt_memory_t *mem);

/* wasm_memory_drop_pool - unmap every memory kept for reuse by this thread. */
void wasm_memory_drop_pool(void);

#endif
