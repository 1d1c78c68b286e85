/*
 * filter_impl.h - the insides of a loaded filter module and instance,
 * shared by filter.c (loading) and filter_call.c (calling) only.
 */
#ifndef TS_FILTER_IMPL_H
#define TS_FILTER_IMPL_H

#include "filter.h"
#include "filter_glue.h"

/* the arena the native SDK reserves (filters/tsf.h) */
#define NATIVE_ARENA (4ull << 30)

typedef int32_t (*native_i0)(void);
typedef int32_t (*native_i1)(int32_t);
typedef int32_t (*native_process)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                                  int32_t, int32_t);

struct filter_module {
    char name[FILTER_NAME_MAX];
    char path[PATH_MAX];
    enum filter_backend backend;
    struct hash hash;
    void *dl;
    const struct tsf_glue *glue;     /* WASM */
    int module_ready;                /* glue->init_module done */
    int abi;                         /* 1 or 2 once filter_call_abi_version accepted it */
    native_i0 n_abi, n_describe;     /* NATIVE */
    native_i1 n_halo, n_alloc;
    native_process n_process;
    native_i1 n_plan, n_region, n_run;   /* ABI v2 */
    int32_t (*n_analyze)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
    int32_t (*n_apply)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                       int32_t, int32_t);
    uint8_t *(*n_base)(void);
    void (*n_reset)(void);
};

struct filter_inst {
    struct filter_module *m;
    void *wasm;                      /* glue->instance_size bytes */
    uint64_t limit;                  /* filter_mem_limit(); 0 = none */
};

#endif
