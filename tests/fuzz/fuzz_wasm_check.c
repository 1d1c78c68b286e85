/*
 * fuzz_wasm_check.c - libFuzzer target: the structural check of a
 * filter's .wasm (wasm_check_buffer), the first thing that reads a
 * module a user may have written.
 *
 * The input is the module's bytes (libFuzzer passes them in a heap
 * buffer of exactly their size, so ASan sees any read past the end).
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused module has a message; the check is deterministic;
 *  - an accepted module starts with the wasm magic and version 1, and
 *    every required export name occurs in it;
 *  - an accepted module ends exactly where its last section ends, so the
 *    same bytes without the last one are refused (a truncated module
 *    never passes);
 *  - an accepted module with an import section declaring one import
 *    appended is refused: imports are refused wherever they appear.
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

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const exports[] = {
        "memory", "tsf_abi_version", "tsf_describe", "tsf_halo", "tsf_alloc", "tsf_process",
    };
    /* section 2 (imports), 7 bytes: one import "a"."b", a function of type 0 */
    static const uint8_t import[] = {2, 7, 1, 1, 'a', 1, 'b', 0, 0};
    static const uint8_t magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    char err[ERR_MAX] = "", err2[ERR_MAX] = "";

    int rc = wasm_check_buffer(data, size, "fuzz.wasm", err);
    int rc2 = wasm_check_buffer(data, size, "fuzz.wasm", err2);
    if (rc != rc2 || strcmp(err, err2) != 0)
        fail("checking the same bytes twice gives different results", NULL);
    if (rc != 0) {
        if (err[0] == '\0')
            fail("wasm_check_buffer fails without a message", NULL);
        return 0;
    }
    if (size < 8 || memcmp(data, magic, 8) != 0)
        fail("accepted without the wasm magic and version", NULL);
    for (size_t k = 0; k < sizeof exports / sizeof exports[0]; k++)
        if (!contains(data, size, exports[k]))
            fail("accepted without a required export name", exports[k]);
    if (wasm_check_buffer(data, size - 1, "fuzz.wasm", err) == 0)
        fail("accepted with its last byte cut off", NULL);
    uint8_t *buf = malloc(size + sizeof import);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    memcpy(buf + size, import, sizeof import);
    if (wasm_check_buffer(buf, size + sizeof import, "fuzz.wasm", err) == 0)
        fail("accepted with an import section", NULL);
    free(buf);
    return 0;
}
