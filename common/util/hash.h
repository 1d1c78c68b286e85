/*
 * hash.h - 64-bit FNV-1a content hashes.
 *
 * Used to recognise the same input, filter module or chain again (job
 * resume, filter identity in the manifest).  Not a cryptographic hash: it
 * guards against accidents, not against an adversary choosing collisions.
 */
#ifndef TS_HASH_H
#define TS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_INIT 0xcbf29ce484222325ULL

/* hash_bytes - continue hash h over n bytes; start with HASH_INIT. */
uint64_t hash_bytes(uint64_t h, const void *p, size_t n);

/* hash_str - continue hash h over a NUL-terminated string, terminator included. */
uint64_t hash_str(uint64_t h, const char *s);

/* hash_file - hash a whole file's content into *out and its size into *size.
 * Returns 0, or -1 with err filled. */
int hash_file(const char *path, uint64_t *out, uint64_t *size, char *err);

/* hash_hex - format h as 16 lower-case hex digits into buf[17]. */
void hash_hex(uint64_t h, char buf[17]);

/* hash_parse_hex - parse 16 hex digits; returns 0 or -1. */
int hash_parse_hex(const char *s, uint64_t *out);

#endif
