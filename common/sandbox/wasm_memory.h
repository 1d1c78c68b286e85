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
 *
 * The same renames put the limits on an instance in place before its
 * first instruction runs (a module's start function runs inside
 * instantiation): a memory is made with its maximum already lowered to
 * the cap of the instance being made, and tables are made and grown only
 * within WASM_TABLE_MAX entries each and WASM_TABLES_TOTAL in all.  What
 * the start-up code cannot have is refused by trapping out of
 * instantiation, and the reason is kept for filter.c to report as the
 * limit it is.
 */
#ifndef TS_WASM_MEMORY_H
#define TS_WASM_MEMORY_H

#include <stddef.h>
#include <wasm-rt.h>

/* the bytes wasm2c reserves per memory (its guard-page configuration) */
#define WASM_RESERVATION 0x200000000ull
#define WASM_PAGE 65536u

/* Table entries an instance may have: in any one table, and in all the
 * live tables of a thread (at 24 bytes a funcref entry, 6 MiB).  A C
 * filter's indirect-call table holds a few dozen. */
#define WASM_TABLE_MAX 65536u
#define WASM_TABLES_TOTAL (4u * WASM_TABLE_MAX)

/* Called by filter objects in place of wasm_rt_allocate_memory and
 * wasm_rt_free_memory (same contracts). */
void tsf_host_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages,
                              uint32_t max_pages);
void tsf_host_free_memory(wasm_rt_memory_t *mem);

/* In place of wasm_rt_grow_memory and the runtime's table functions (same
 * contracts, within the limits above). */
uint32_t tsf_host_grow_memory(wasm_rt_memory_t *mem, uint32_t delta);
void tsf_host_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t elements,
                                     uint32_t max_elements);
void tsf_host_allocate_externref_table(wasm_rt_externref_table_t *t, uint32_t elements,
                                       uint32_t max_elements);
uint32_t tsf_host_grow_funcref_table(wasm_rt_funcref_table_t *t, uint32_t delta,
                                     wasm_rt_funcref_t init);
uint32_t tsf_host_grow_externref_table(wasm_rt_externref_table_t *t, uint32_t delta,
                                       wasm_rt_externref_t init);
void tsf_host_free_funcref_table(wasm_rt_funcref_table_t *t);
void tsf_host_free_externref_table(wasm_rt_externref_table_t *t);

/* wasm_memory_limit_begin - before instantiating: memories made from now
 * on have at most max_memory bytes (0: the module's own maximum). */
void wasm_memory_limit_begin(uint64_t max_memory);

/* wasm_memory_limit_end - after instantiating: no cap for new memories
 * any more.  Returns 2 when a limit ended the instantiation (the host
 * trapped out of it), 1 when one refused the start-up code something it
 * may have coped with (a grow), else 0; the last reason into why[n].
 * *lowered says whether the cap lowered a memory's maximum. */
int wasm_memory_limit_end(int *lowered, char *why, size_t n);

/* wasm_memory_table_entries - table entries live in this thread. */
uint64_t wasm_memory_table_entries(void);

/* wasm_memory_release_rest - after an instance is freed: a memory the
 * runtime's own free released (an object compiled without the renames)
 * leaves most of its reservation mapped; unmap it. */
void wasm_memory_release_rest(wasm_rt_memory_t *mem);

/* wasm_memory_init - open /proc/self/pagemap for this process, which
 * makes clearing a kept memory cheaper; call before confining it.
 * Without it (or in a forked child that did not call it) mincore is used. */
void wasm_memory_init(void);

/* wasm_memory_drop_pool - unmap every memory kept for reuse by this thread. */
void wasm_memory_drop_pool(void);

#endif
