/*
 * filter.h - load filter modules and run them, sandboxed or native.
 *
 * A bundled filter NAME is found as NAME.so (wasm2c output + glue) with its
 * NAME.wasm beside it, in $TILESPOOL_FILTER_PATH (colon-separated) and then
 * in the directory next to the programs (build/filters, or
 * lib/tilespool/filters when installed).  The .wasm is what is checked
 * (no imports, ABI exports present) and hashed; the .so is what runs.
 *
 * The native backend loads the same filter source compiled for the host
 * (build/native/NAME.so); tests and the benchmark use it to compare.
 *
 * Filter code runs only between filter_runtime_init() and process exit, in
 * a process that does nothing else: the wasm2c runtime turns every SIGSEGV
 * in the process into a "trap".  Calls that run filter code return
 * FILTER_TRAP when the filter trapped; the process should then be replaced.
 */
#ifndef TS_FILTER_H
#define TS_FILTER_H

#include "hash.h"
#include "stage.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define FILTER_TRAP (-2)
#define FILTER_LIMIT (-3)         /* the instance cannot fit in the memory cap */

enum filter_backend { FILTER_WASM, FILTER_NATIVE };

struct filter_module;
struct filter_inst;

/* filter_runtime_init - install the wasm2c runtime (its signal handler) and
 * open what clearing reused memories reads (wasm_memory_init): call it
 * before confining the process. */
void filter_runtime_init(void);

/* filter_find - locate bundled filter `name`: fills so_path and wasm_path
 * (PATH_MAX each).  Returns 0, or -1 with err listing where it looked. */
int filter_find(const char *name, char *so_path, char *wasm_path, char *err);

/* filter_exe_dir - directory of the running program into buf[n], where
 * bundled filters and the glue are looked for; returns 0 or -1. */
int filter_exe_dir(char *buf, size_t n);

/* filter_search_dirs - the directories filter_find looks in, one per line,
 * into buf.  Returns the number of directories. */
int filter_search_dirs(char dirs[][PATH_MAX], int max);

/* filter_load - load a filter.  WASM: so_path + wasm_path (checked, hashed).
 * NATIVE: so_path only.  Returns NULL with err naming the module on error. */
struct filter_module *filter_load(const char *name, enum filter_backend backend,
                                  const char *so_path, const char *wasm_path, char *err);

/* filter_unload - dlclose and free; NULL is fine.  No instance may be live. */
void filter_unload(struct filter_module *m);

const char *filter_module_name(const struct filter_module *m);
const struct hash *filter_module_hash(const struct filter_module *m);

/* filter_instantiate - a fresh instance; linear memory is capped at
 * max_memory bytes (0 = the module's own maximum).  Returns the instance
 * with *why = 0, or NULL with err filled and *why = FILTER_TRAP (the
 * module's start-up code trapped), FILTER_LIMIT (its initial memory is
 * larger than max_memory) or -1. */
struct filter_inst *filter_instantiate(struct filter_module *m, uint64_t max_memory,
                                       int *why, char *err);

/* filter_free - release an instance and all its address space; NULL is fine. */
void filter_free(struct filter_inst *fi);

/* filter_mem_size - bytes of linear memory the instance has now. */
uint64_t filter_mem_size(struct filter_inst *fi);

/* filter_mem_limit - the cap filter_instantiate put on the instance's
 * memory, in bytes; 0 when it set none (the module's own maximum, at
 * most 4 GiB, applies). */
uint64_t filter_mem_limit(struct filter_inst *fi);

/* filter_mem - pointer to [off, off+len) of the instance's memory, or NULL
 * with err filled when that range is not inside it. */
uint8_t *filter_mem(struct filter_inst *fi, uint32_t off, uint64_t len, char *err);

/* The ABI versions this host speaks (filters/ABI.md). */
#define FILTER_ABI_MIN 1
#define FILTER_ABI_MAX 2

/* The calls below run filter code.  Each returns 0, -1 (err filled) or
 * FILTER_TRAP (err names the trap). */

/* filter_call_abi_version - the module's tsf_abi_version into *version;
 * -1 unless it is one this host speaks and the module exports that
 * version's functions.  An accepted version is kept for
 * filter_module_abi. */
int filter_call_abi_version(struct filter_inst *fi, int32_t *version, char *err);
int filter_call_describe(struct filter_inst *fi, struct filter_desc *d, char *json,
                         char *err);
int filter_call_halo(struct filter_inst *fi, uint32_t params, int32_t *halo, char *err);
int filter_call_alloc(struct filter_inst *fi, uint32_t bytes, uint32_t *off, char *err);
int filter_call_process(struct filter_inst *fi, const uint32_t args[8], int32_t *rc,
                        char *err);
/* Global filters: tsf_analyze(in, in_w, in_h, halo, channels, params,
 * stats) and tsf_apply(in, in_w, in_h, out, out_w, out_h, channels,
 * params, stats, ref). */
int filter_call_analyze(struct filter_inst *fi, const uint32_t args[7], int32_t *rc,
                        char *err);
int filter_call_apply(struct filter_inst *fi, const uint32_t args[10], int32_t *rc,
                      char *err);
/* ABI v2: tsf_plan, tsf_region, tsf_run, each given the offset of the
 * argument block (FILTER_ARGS_BYTES, filters/ABI.md) in its memory. */
#define FILTER_ARGS_BYTES 80
int filter_call_plan(struct filter_inst *fi, uint32_t args, int32_t *rc, char *err);
int filter_call_region(struct filter_inst *fi, uint32_t args, int32_t *rc, char *err);
int filter_call_run(struct filter_inst *fi, uint32_t args, int32_t *rc, char *err);

/* filter_has_abi - 1 if the module exports the functions of ABI `version`
 * (1: tsf_halo and tsf_process; 2: tsf_plan, tsf_region and tsf_run). */
int filter_has_abi(const struct filter_module *m, int version);

/* filter_module_abi - the ABI version filter_call_abi_version accepted for
 * m, or 0 before it did. */
int filter_module_abi(const struct filter_module *m);

/* filter_has_global - 1 if the module exports tsf_analyze and tsf_apply. */
int filter_has_global(const struct filter_module *m);

/* filter_guard_host - run host code fn(ctx, err) that works on the
 * instance's memory (decoding a tile into it) inside the trap guard.  In
 * a filter process a fault anywhere is caught by the wasm2c handler, and
 * outside a guard it would jump to a stale one; here it comes back as
 * FILTER_TRAP with err naming `what`.  Returns fn's result otherwise. */
int filter_guard_host(struct filter_inst *fi, const char *what,
                      int (*fn)(void *ctx, char *err), void *ctx, char *err);

#endif
