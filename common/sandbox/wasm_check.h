/*
 * wasm_check.h - check a filter's .wasm before anything of it is compiled
 * or run.
 *
 * The module is hostile until proven otherwise.  The check parses every
 * section of the binary format strictly (order, sizes, LEB128 encodings,
 * counts, indices), refuses any import, requires the exports of ABI v1
 * or v2 with the right kind and signature (filters/ABI.md), and bounds everything
 * that could make wasm2c or the C compiler blow up later.  It does not
 * validate instructions: wasm_check_validate runs wabt's wasm-validate
 * for that, within the limits of toolrun.h.
 */
#ifndef TS_WASM_CHECK_H
#define TS_WASM_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Limits (filters/ABI.md, "What the host checks").  The bundled filters
 * use a few percent of each; a compile bomb needs far more. */
#define WASM_CHECK_MAX_FILE         (64u << 20) /* bytes of a .wasm file */
#define WASM_CHECK_MAX_TYPES        1024        /* function types */
#define WASM_CHECK_MAX_PARAMS       256         /* parameters of one type */
#define WASM_CHECK_MAX_RESULTS      16          /* results of one type */
#define WASM_CHECK_MAX_FUNCS        4096        /* functions */
#define WASM_CHECK_MAX_TABLES       4           /* tables */
#define WASM_CHECK_MAX_TABLE_ELEMS  65536       /* initial or maximum elements of a table */
#define WASM_CHECK_MAX_INIT_PAGES   16384       /* initial memory, 64 KiB pages (1 GiB) */
#define WASM_CHECK_MAX_PAGES        65536       /* maximum memory, pages (4 GiB, all of wasm32) */
#define WASM_CHECK_MAX_GLOBALS      1024        /* globals */
#define WASM_CHECK_MAX_EXPORTS      1024        /* exports */
#define WASM_CHECK_MAX_ELEM_SEGS    1024        /* element segments */
#define WASM_CHECK_MAX_ELEMS        65536       /* elements in all element segments */
#define WASM_CHECK_MAX_CODE_BYTES   (512u << 10) /* code section bodies, in all */
#define WASM_CHECK_MAX_BODY_BYTES   (128u << 10) /* one function body */
#define WASM_CHECK_MAX_LOCALS       4096        /* locals of one function, params excluded */
#define WASM_CHECK_MAX_DATA_SEGS    1024        /* data segments */
#define WASM_CHECK_MAX_DATA_BYTES   (1u << 20)  /* bytes in all data segments */

/* What the host may want to know of an accepted module. */
struct wasm_facts {
    uint32_t mem_initial;       /* pages of 64 KiB */
    uint32_t mem_max;           /* pages; WASM_CHECK_MAX_PAGES when not declared */
    int mem_has_max;            /* 1 if the module declares a maximum */
    uint32_t ntables;           /* 0..WASM_CHECK_MAX_TABLES */
    uint32_t table_initial;     /* elements of table 0 (0 without tables) */
    uint32_t table_max;         /* of table 0; WASM_CHECK_MAX_TABLE_ELEMS when not declared */
    uint32_t nfuncs;
    uint32_t code_bytes;        /* all function bodies */
    uint32_t data_bytes;        /* all data segments */
    int global_exports;         /* 1 if tsf_analyze and tsf_apply are both exported */
    int v1_exports;             /* 1 if tsf_halo and tsf_process are */
    int v2_exports;             /* 1 if tsf_plan, tsf_region and tsf_run are */
};

/* wasm_check_module - check module bytes; `name` is used in messages and
 * facts (may be NULL) is filled when the module is accepted.  Returns 0,
 * or -1 with err saying what is wrong: one line naming the module and,
 * where there is one, the export, import or section at fault. */
int wasm_check_module(const uint8_t *buf, size_t len, const char *name,
                      struct wasm_facts *facts, char *err);

/* wasm_check_buffer - wasm_check_module without facts; returns 0 or -1. */
int wasm_check_buffer(const uint8_t *buf, size_t len, const char *name, char *err);

/* wasm_check_file - read path (at most WASM_CHECK_MAX_FILE bytes) and
 * check it; returns 0 or -1. */
int wasm_check_file(const char *path, char *err);

/* wasm_check_validate - run `wasm-validate --disable-simd path` within the
 * limits of toolrun_limits_from_env, its output appended to logfd (-1:
 * dropped).  Returns 0 if it accepts the module, else -1 with err naming
 * path and wasm-validate's first error, or how the run ended. */
int wasm_check_validate(const char *path, int logfd, char *err);

#endif
