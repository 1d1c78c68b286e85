/*
 * wasm_check.h - structural checks of a filter's .wasm before it is trusted.
 *
 * A filter must import nothing (no WASI, no host calls) and must export the
 * ABI v1 entry points (filters/ABI.md).  This reads just the module's
 * section headers, its import count and its export names; everything
 * else is wasm2c's business.
 */
#ifndef TS_WASM_CHECK_H
#define TS_WASM_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* wasm_check_buffer - check module bytes; `name` is used in messages.
 * Returns 0, or -1 with err saying what is wrong (imports, missing export,
 * malformed section). */
int wasm_check_buffer(const uint8_t *buf, size_t len, const char *name, char *err);

/* wasm_check_file - read path (at most 64 MiB) and check it; returns 0 or -1. */
int wasm_check_file(const char *path, char *err);

#endif
