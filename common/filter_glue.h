/*
 * filter_glue.h - the fixed table every compiled filter object exports.
 *
 * wasm2c names its functions after the module (Z_tsf_..., all filters are
 * translated with `-n tsf`) and lays out each module's instance struct
 * differently.  common/glue/filter_glue.c is compiled into each filter's
 * shared object next to the wasm2c output and wraps it in this one table,
 * so the worker can dlopen any filter and call it the same way.
 *
 * Every call that runs filter code must be made inside wasm_rt_impl_try():
 * a trap longjmps back there.
 */
#ifndef TS_FILTER_GLUE_H
#define TS_FILTER_GLUE_H

#include <stdint.h>

struct wasm_rt_memory_t;

/* raised whenever what a filter object is built with changes (the renames
 * of glue/filter_object.h included): an object built for another version
 * is refused, and users' modules are compiled afresh */
#define TSF_GLUE_VERSION 4

struct tsf_glue {
    int version;                       /* TSF_GLUE_VERSION */
    uint32_t instance_size;            /* bytes the caller allocates per instance */
    void (*init_module)(void);         /* once per process, before instantiate */
    void (*instantiate)(void *inst);   /* may trap (data segments out of range) */
    void (*free_instance)(void *inst);
    void *(*memory)(void *inst);       /* the exported wasm_rt_memory_t */
    uint32_t (*abi_version)(void *inst);
    uint32_t (*describe)(void *inst);
    uint32_t (*alloc)(void *inst, uint32_t bytes);
    /* ABI v1: has_v1() says whether the module exports tsf_halo and
     * tsf_process; call these only when it does */
    int (*has_v1)(void);
    uint32_t (*halo)(void *inst, uint32_t params);
    uint32_t (*process)(void *inst, uint32_t in, uint32_t in_w, uint32_t in_h,
                        uint32_t out, uint32_t out_w, uint32_t out_h,
                        uint32_t channels, uint32_t params);
    /* ABI v2: has_v2() says whether it exports tsf_plan, tsf_region and
     * tsf_run, each taking the offset of the 80-byte argument block */
    int (*has_v2)(void);
    uint32_t (*plan)(void *inst, uint32_t args);
    uint32_t (*region)(void *inst, uint32_t args);
    uint32_t (*run)(void *inst, uint32_t args);
    /* global filters only: has_global() says whether the module exports
     * tsf_analyze and tsf_apply; call these only when it does */
    int (*has_global)(void);
    uint32_t (*analyze)(void *inst, uint32_t in, uint32_t in_w, uint32_t in_h, uint32_t halo,
                        uint32_t channels, uint32_t params, uint32_t stats);
    uint32_t (*apply)(void *inst, const uint32_t args[10]);
};

#define TSF_GLUE_SYMBOL "tsf_glue"

#endif
