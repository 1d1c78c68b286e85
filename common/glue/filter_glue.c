/*
 * filter_glue.c - compiled into every filter shared object, never into the
 * host: wraps the wasm2c-generated Z_tsf_* functions in the table declared
 * in filter_glue.h.  The Makefile compiles it with `-include NAME.wasm.h`,
 * so the generated declarations are in scope here.
 *
 * Each export is first bound to a function pointer of exactly the type the
 * ABI (filters/ABI.md) wants.  wasm2c gives an exported table, global or
 * function of another signature a function of another type under the same
 * name, so such a module fails to compile here (the flags in filter.cflags
 * make incompatible pointer types an error) instead of being used as what
 * it is not.
 */
#include "filter_glue.h"

typedef Z_tsf_instance_t inst_t;

static void (*const x_init_module)(void) = Z_tsf_init_module;
static void (*const x_instantiate)(inst_t *) = Z_tsf_instantiate;
static void (*const x_free)(inst_t *) = Z_tsf_free;
static wasm_rt_memory_t *(*const x_memory)(inst_t *) = Z_tsfZ_memory;
static u32 (*const x_abi_version)(inst_t *) = Z_tsfZ_tsf_abi_version;
static u32 (*const x_describe)(inst_t *) = Z_tsfZ_tsf_describe;
static u32 (*const x_alloc)(inst_t *, u32) = Z_tsfZ_tsf_alloc;

/* A module exports the functions of ABI v1, of v2 or both, and only global
 * filters tsf_analyze and tsf_apply: weak, so that what a module lacks is
 * NULL.  An export of another kind or signature conflicts with the
 * declaration. */
u32 Z_tsfZ_tsf_halo(inst_t *, u32) __attribute__((weak));
u32 Z_tsfZ_tsf_process(inst_t *, u32, u32, u32, u32, u32, u32, u32, u32) __attribute__((weak));
u32 Z_tsfZ_tsf_plan(inst_t *, u32) __attribute__((weak));
u32 Z_tsfZ_tsf_region(inst_t *, u32) __attribute__((weak));
u32 Z_tsfZ_tsf_run(inst_t *, u32) __attribute__((weak));
u32 Z_tsfZ_tsf_analyze(inst_t *, u32, u32, u32, u32, u32, u32, u32) __attribute__((weak));
u32 Z_tsfZ_tsf_apply(inst_t *, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32)
    __attribute__((weak));

static void glue_init_module(void) { x_init_module(); }
static void glue_instantiate(void *inst) { x_instantiate((inst_t *)inst); }
static void glue_free(void *inst) { x_free((inst_t *)inst); }
static void *glue_memory(void *inst) { return x_memory((inst_t *)inst); }
static uint32_t glue_abi(void *inst) { return x_abi_version((inst_t *)inst); }
static uint32_t glue_describe(void *inst) { return x_describe((inst_t *)inst); }

static int glue_has_v1(void)
{
    return Z_tsfZ_tsf_halo != 0 && Z_tsfZ_tsf_process != 0;
}

static uint32_t glue_halo(void *inst, uint32_t params)
{
    return Z_tsfZ_tsf_halo((inst_t *)inst, params);
}

static uint32_t glue_alloc(void *inst, uint32_t bytes)
{
    return x_alloc((inst_t *)inst, bytes);
}

static uint32_t glue_process(void *inst, uint32_t in, uint32_t in_w, uint32_t in_h,
                             uint32_t out, uint32_t out_w, uint32_t out_h,
                             uint32_t channels, uint32_t params)
{
    return Z_tsfZ_tsf_process((inst_t *)inst, in, in_w, in_h, out, out_w, out_h, channels,
                              params);
}

static int glue_has_v2(void)
{
    return Z_tsfZ_tsf_plan != 0 && Z_tsfZ_tsf_region != 0 && Z_tsfZ_tsf_run != 0;
}

static uint32_t glue_plan(void *inst, uint32_t args)
{
    return Z_tsfZ_tsf_plan((inst_t *)inst, args);
}

static uint32_t glue_region(void *inst, uint32_t args)
{
    return Z_tsfZ_tsf_region((inst_t *)inst, args);
}

static uint32_t glue_run(void *inst, uint32_t args)
{
    return Z_tsfZ_tsf_run((inst_t *)inst, args);
}

static int glue_has_global(void)
{
    return Z_tsfZ_tsf_analyze != 0 && Z_tsfZ_tsf_apply != 0;
}

static uint32_t glue_analyze(void *inst, uint32_t in, uint32_t in_w, uint32_t in_h,
                             uint32_t halo, uint32_t channels, uint32_t params, uint32_t stats)
{
    return Z_tsfZ_tsf_analyze((inst_t *)inst, in, in_w, in_h, halo, channels, params, stats);
}

static uint32_t glue_apply(void *inst, const uint32_t a[10])
{
    return Z_tsfZ_tsf_apply((inst_t *)inst, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
                            a[8], a[9]);
}

__attribute__((visibility("default"))) const struct tsf_glue tsf_glue = {
    .version = TSF_GLUE_VERSION,
    .instance_size = sizeof(inst_t),
    .init_module = glue_init_module,
    .instantiate = glue_instantiate,
    .free_instance = glue_free,
    .memory = glue_memory,
    .abi_version = glue_abi,
    .describe = glue_describe,
    .alloc = glue_alloc,
    .has_v1 = glue_has_v1,
    .halo = glue_halo,
    .process = glue_process,
    .has_v2 = glue_has_v2,
    .plan = glue_plan,
    .region = glue_region,
    .run = glue_run,
    .has_global = glue_has_global,
    .analyze = glue_analyze,
    .apply = glue_apply,
};
