/*
 * fuzz_wasm_check.c - libFuzzer target: the check of a filter's .wasm
 * (wasm_check_module), the first thing that reads a module a user may
 * have written.
 *
 * The input is the module's bytes (libFuzzer passes them in a heap
 * buffer of exactly their size, so ASan sees any read past the end).
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused module has a one-line message; the check is
 *    deterministic, and wasm_check_buffer agrees with wasm_check_module;
 *  - an accepted module starts with the wasm magic and version 1, every
 *    required export name occurs in it (memory, tsf_abi_version,
 *    tsf_describe, tsf_alloc, and those of ABI v1 or of ABI v2), and its
 *    facts are within the limits of wasm_check.h;
 *  - an accepted module ends exactly where its last section ends, so the
 *    same bytes without the last one are refused (a truncated module
 *    never passes);
 *  - an accepted module with an import section declaring one import
 *    appended is refused; with a custom section appended it is accepted
 *    (custom sections may come anywhere).
 */
#include "err.h"
#include "wasm_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_wasm_check: invariant broken: %s%s%s\n", what,
            detail ? ": " : "", detail ? detail : "");
    abort();
}

/* contains - 1 if the n bytes at s occur in buf[0..len). */
static int contains(const uint8_t *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, s, n) == 0)
            return 1;
    return 0;
}

/* within_limits - 1 if the facts of an accepted module respect the limits. */
static int within_limits(const struct wasm_facts *f)
{
    return f->mem_initial <= WASM_CHECK_MAX_INIT_PAGES && f->mem_max <= WASM_CHECK_MAX_PAGES &&
           f->mem_initial <= f->mem_max && f->ntables <= WASM_CHECK_MAX_TABLES &&
           f->table_initial <= WASM_CHECK_MAX_TABLE_ELEMS &&
           f->table_max <= WASM_CHECK_MAX_TABLE_ELEMS && f->nfuncs <= WASM_CHECK_MAX_FUNCS &&
           f->nfuncs >= 5 && f->code_bytes <= WASM_CHECK_MAX_CODE_BYTES &&
           f->data_bytes <= WASM_CHECK_MAX_DATA_BYTES;
}

/* appended - check data with `tail` appended; returns wasm_check_buffer's result. */
static int appended(const uint8_t *data, size_t size, const uint8_t *tail, size_t n, char *err)
{
    uint8_t *buf = malloc(size + n);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    memcpy(buf + size, tail, n);
    int rc = wasm_check_buffer(buf, size + n, "fuzz.wasm", err);
    free(buf);
    return rc;
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const exports[] = {
        "memory", "tsf_abi_version", "tsf_describe", "tsf_alloc",
    };
    static const char *const v1[] = {"tsf_halo", "tsf_process"};
    static const char *const v2[] = {"tsf_plan", "tsf_region", "tsf_run"};
    /* section 2 (imports), 7 bytes: one import "a"."b", a function of type 0 */
    static const uint8_t import[] = {2, 7, 1, 1, 'a', 1, 'b', 0, 0};
    /* section 0 (custom), 3 bytes: name "zz" */
    static const uint8_t custom[] = {0, 3, 2, 'z', 'z'};
    static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    char err[ERR_MAX] = "", err2[ERR_MAX] = "";
    struct wasm_facts facts;

    int rc = wasm_check_module(data, size, "fuzz.wasm", &facts, err);
    int rc2 = wasm_check_buffer(data, size, "fuzz.wasm", err2);
    if (rc != rc2 || strcmp(err, err2) != 0)
        fail("checking the same bytes twice gives different results", NULL);
    if (rc != 0) {
        if (err[0] == '\0' || strchr(err, '\n'))
            fail("refused without a one-line message", err);
        return 0;
    }
    if (size < 8 || memcmp(data, magic, 8) != 0)
        fail("accepted without the wasm magic and version", NULL);
    for (size_t k = 0; k < sizeof exports / sizeof exports[0]; k++)
        if (!contains(data, size, exports[k]))
            fail("accepted without a required export name", exports[k]);
    int has_v1 = contains(data, size, v1[0]) && contains(data, size, v1[1]);
    int has_v2 = contains(data, size, v2[0]) && contains(data, size, v2[1]) &&
                 contains(data, size, v2[2]);
    if (!has_v1 && !has_v2)
        fail("accepted without the exports of ABI v1 or v2", NULL);
    if (!within_limits(&facts))
        fail("accepted with facts beyond the limits", NULL);
    if (wasm_check_buffer(data, size - 1, "fuzz.wasm", err) == 0)
        fail("accepted with its last byte cut off", NULL);
    if (appended(data, size, import, sizeof import, err) == 0)
        fail("accepted with an import section", NULL);
    if (appended(data, size, custom, sizeof custom, err) != 0)
        fail("refused with a custom section appended", err);
    return 0;
}
