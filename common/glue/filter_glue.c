/*
 * filter_glue.c - compiled into every filter shared object, never into the
 * host: wraps the wasm2c-generated Z_tsf_* functions in the table declared
 * in filter_glue.h.  The Makefile compiles it with `-include NAME.wasm.h`,
 * so the generated declarations are in scope here.
 */
#include "filter_glue.h"

static void glue_instantiate(void *inst) { Z_tsf_instantiate((Z_tsf_instance_t *)inst); }
static void glue_free(void *inst) { Z_tsf_free((Z_tsf_instance_t *)inst); }
static void *glue_memory(void *inst) { return Z_tsfZ_memory((Z_tsf_instance_t *)inst); }
static uint32_t glue_abi(void *inst) { return Z_tsfZ_tsf_abi_version((Z_tsf_instance_t *)inst); }
static uint32_t glue_describe(void *inst) { return Z_tsfZ_tsf_describe((Z_tsf_instance_t *)inst); }

static uint32_t glue_halo(void *inst, uint32_t params)
{
    return Z_tsfZ_tsf_halo((Z_tsf_instance_t *)inst, params);
}

static uint32_t glue_alloc(void *inst, uint32_t bytes)
{
    return Z_tsfZ_tsf_alloc((Z_tsf_instance_t *)inst, bytes);
}

static uint32_t glue_process(void *inst, uint32_t in, uint32_t in_w, uint32_t in_h,
                             uint32_t out, uint32_t out_w, uint32_t out_h,
                             uint32_t channels, uint32_t params)
{
    return Z_tsfZ_tsf_process((Z_tsf_instance_t *)inst, in, in_w, in_h, out, out_w,
                              out_h, channels, params);
}

/* Only global filters export these: weak, so that they are NULL elsewhere. */
u32 Z_tsfZ_tsf_analyze(Z_tsf_instance_t *, u32, u32, u32, u32, u32, u32, u32)
    __attribute__((weak));
u32 Z_tsfZ_tsf_apply(Z_tsf_instance_t *, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32)
    __attribute__((weak));

static int glue_has_global(void)
{
    return Z_tsfZ_tsf_analyze != 0 && Z_tsfZ_tsf_apply != 0;
}

static uint32_t glue_analyze(void *inst, uint32_t in, uint32_t in_w, uint32_t in_h,
                             uint32_t halo, uint32_t channels, uint32_t params, uint32_t stats)
{
    return Z_tsfZ_tsf_analyze((Z_tsf_instance_t *)inst, in, in_w, in_h, halo, channels,
                              params, stats);
}

static uint32_t glue_apply(void *inst, const uint32_t a[10])
{
    return Z_tsfZ_tsf_apply((Z_tsf_instance_t *)inst, a[0], a[1], a[2], a[3], a[4], a[5],
                            a[6], a[7], a[8], a[9]);
}

__attribute__((visibility("default"))) const struct tsf_glue tsf_glue = {
    .version = TSF_GLUE_VERSION,
    .instance_size = sizeof(Z_tsf_instance_t),
    .init_module = Z_tsf_init_module,
    .instantiate = glue_instantiate,
    .free_instance = glue_free,
    .memory = glue_memory,
    .abi_version = glue_abi,
    .describe = glue_describe,
    .halo = glue_halo,
    .alloc = glue_alloc,
    .process = glue_process,
    .has_global = glue_has_global,
    .analyze = glue_analyze,
    .apply = glue_apply,
};
