/*
 * hash.c - BLAKE2b-256 content hashes and derived keys (see hash.h).
 */
#include "hash.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int hash_begin(struct hash_ctx *c, const char *label, char *err)
{
    /* sodium_init is idempotent and thread-safe; it picks the fastest
     * implementation, and the library requires it before other calls */
    if (sodium_init() < 0)
        return errf(err, "cannot initialise libsodium");
    if (crypto_generichash_init(&c->st, NULL, 0, HASH_BYTES) != 0)
        return errf(err, "cannot start a hash");
    if (label)
        hash_add_str(c, label);
    return 0;
}

void hash_add(struct hash_ctx *c, const void *p, size_t n)
{
    crypto_generichash_update(&c->st, p, n);
}

void hash_add_str(struct hash_ctx *c, const char *s)
{
    hash_add(c, s, strlen(s) + 1);
}

void hash_end(struct hash_ctx *c, struct hash *out)
{
    crypto_generichash_final(&c->st, out->b, HASH_BYTES);
    sodium_memzero(&c->st, sizeof c->st);
}

int hash_buffer(const void *p, size_t n, struct hash *out, char *err)
{
    struct hash_ctx c;
    if (hash_begin(&c, NULL, err) < 0)
        return -1;
    hash_add(&c, p, n);
    hash_end(&c, out);
    return 0;
}

int hash_file(const char *path, struct hash *out, uint64_t *size, char *err)
{
    struct hash_ctx c;
    if (hash_begin(&c, NULL, err) < 0)
        return err_prefix(err, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errf_sys(err, "%s", path);
    unsigned char buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            errf_sys(err, "%s: read", path);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        hash_add(&c, buf, (size_t)n);
        total += (uint64_t)n;
    }
    close(fd);
    hash_end(&c, out);
    if (size)
        *size = total;
    return 0;
}

int hash_equal(const struct hash *a, const struct hash *b)
{
    return memcmp(a->b, b->b, HASH_BYTES) == 0;
}

void hash_hex(const struct hash *h, char buf[HASH_HEX_MAX])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < HASH_BYTES; i++) {
        buf[2 * i] = digits[h->b[i] >> 4];
        buf[2 * i + 1] = digits[h->b[i] & 15];
    }
    buf[2 * HASH_BYTES] = '\0';
}

/* hex_digit - the value of one lower-case hex digit, -1 for anything else. */
static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int hash_parse_hex(const char *s, struct hash *out)
{
    struct hash h;
    for (int i = 0; i < HASH_BYTES; i++) {
        int hi = hex_digit(s[2 * i]), lo = hi < 0 ? -1 : hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        h.b[i] = (unsigned char)(hi << 4 | lo);
    }
    if (s[2 * HASH_BYTES] != '\0')
        return -1;
    *out = h;
    return 0;
}
