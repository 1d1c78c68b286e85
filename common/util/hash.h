/*
 * hash.h - content hashes: BLAKE2b-256 (libsodium's crypto_generichash).
 *
 * The one place in tilespool that hashes.  A hash names an input image, a
 * reference image or a filter module by content in job.json, and derives
 * the job key and the key of a compiled module in the cache.  It must hold
 * against an adversary who chooses the content: a module that collides
 * with another would run the other's compiled code, an input that collides
 * would resume a job made for different pixels.  Plain content hashes
 * (hash_file, hash_buffer) are BLAKE2b-256 of the bytes alone, so that
 * `b2sum -l 256 FILE` prints the same digits; derived keys start with a
 * label naming their purpose, so no key can equal a content hash.
 */
#ifndef TS_HASH_H
#define TS_HASH_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_BYTES 32
#define HASH_HEX_MAX (2 * HASH_BYTES + 1)

struct hash {
    unsigned char b[HASH_BYTES];
};

/* An incremental hash: hash_begin, hash_add..., hash_end. */
struct hash_ctx {
    crypto_generichash_state st;
};

/* hash_begin - start a hash; a non-NULL label (a derived key's purpose)
 * is hashed first, terminator included.  Returns 0, or -1 with err when
 * libsodium cannot be initialised. */
int hash_begin(struct hash_ctx *c, const char *label, char *err);

/* hash_add - continue over n bytes. */
void hash_add(struct hash_ctx *c, const void *p, size_t n);

/* hash_add_str - continue over a NUL-terminated string, terminator included. */
void hash_add_str(struct hash_ctx *c, const char *s);

/* hash_end - the digest into *out; c is used up. */
void hash_end(struct hash_ctx *c, struct hash *out);

/* hash_buffer - the content hash of n bytes.  Returns 0 or -1 with err. */
int hash_buffer(const void *p, size_t n, struct hash *out, char *err);

/* hash_file - the content hash of a whole file into *out and its size
 * into *size (if not NULL).  Returns 0, or -1 with err filled. */
int hash_file(const char *path, struct hash *out, uint64_t *size, char *err);

/* hash_equal - 1 when a and b are the same digest, else 0. */
int hash_equal(const struct hash *a, const struct hash *b);

/* hash_hex - format h as 64 lower-case hex digits into buf[HASH_HEX_MAX]. */
void hash_hex(const struct hash *h, char buf[HASH_HEX_MAX]);

/* hash_parse_hex - parse exactly 64 hex digits; returns 0 or -1. */
int hash_parse_hex(const char *s, struct hash *out);

#endif
