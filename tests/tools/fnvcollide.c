/*
 * fnvcollide.c - make two different modules with the same 64-bit FNV-1a
 * value, to show that the cache and the manifest do not identify modules
 * by such a hash.
 *
 *     fnvcollide TEMPLATE.wasm OUT-A.wasm OUT-B.wasm
 *
 * TEMPLATE holds the bytes "collide:", a region of SLOT_BYTES bytes, then
 * "sel:" and two more bytes (in a data segment, say).  The outputs are
 * TEMPLATE with the region rewritten, equal in length and FNV-1a value;
 * the two bytes after "sel:" (the same in both, after the region, so the
 * values stay equal) are set to an index into the region and a bit mask
 * such that region[index] & mask is 0 in OUT-A and not 0 in OUT-B: a
 * module can read them to behave differently in each.
 *
 * How: FNV-1a multiplies by P = 2^40 + 0x1b3 modulo 2^64, so the low 32
 * bits of the state never depend on the high 32.  The region is STAGES
 * blocks of 8 bytes; for each block two values are found (a 32-bit
 * birthday search) that leave the low half of the state equal.  Then the
 * low half at the end is the same for all 2^STAGES choices, and the high
 * half is a constant plus one term per block chosen second.  Two choices
 * give the same high half when the terms where they differ, added where
 * the first chose the second block and subtracted where the second did,
 * sum to 0 modulo 2^32: a meet in the middle over the 3^12 signed sums of
 * each half of the blocks finds such a relation (3^24 of them to pick
 * from: about 65 are expected to hold).  Well under a second.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGES 24
#define HALF (STAGES / 2)
#define HALF_SUMS 531441         /* 3^HALF */
#define BLOCK 8
#define SLOT_BYTES (STAGES * BLOCK)
#define MARK "collide:"
#define SEL "sel:"
#define FNV_INIT 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define TABLE_BITS 20

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

/* next - splitmix64: the same pair on every run. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A slot of the birthday tables: a 32-bit value and what gave it. */
struct slot {
    uint32_t key;
    uint64_t what;
    int used;
};

static struct slot *table;

/* table_put - remember `what` under key; returns the slot already holding
 * key, or NULL when it was new. */
static struct slot *table_put(uint32_t key, uint64_t what)
{
    size_t mask = ((size_t)1 << TABLE_BITS) - 1, i = (key * 2654435761u) & mask;
    while (table[i].used) {
        if (table[i].key == key)
            return &table[i];
        i = (i + 1) & mask;
    }
    table[i] = (struct slot){key, what, 1};
    return NULL;
}

/* table_get - the slot holding key, or NULL. */
static struct slot *table_get(uint32_t key)
{
    size_t mask = ((size_t)1 << TABLE_BITS) - 1, i = (key * 2654435761u) & mask;
    for (; table[i].used; i = (i + 1) & mask)
        if (table[i].key == key)
            return &table[i];
    return NULL;
}

/* block_pair - two different 8-byte blocks a, b that leave the low half
 * of the state the same when hashed from state h. */
static int block_pair(uint64_t h, uint64_t *seed, uint8_t a[BLOCK], uint8_t b[BLOCK])
{
    memset(table, 0, sizeof(struct slot) << TABLE_BITS);
    for (int tries = 0; tries < (1 << (TABLE_BITS - 1)); tries++) {
        uint64_t v = next(seed);
        uint8_t blk[BLOCK];
        memcpy(blk, &v, BLOCK);
        struct slot *s = table_put((uint32_t)fnv(h, blk, BLOCK), v);
        if (s && s->what != v) {
            memcpy(a, &s->what, BLOCK);
            memcpy(b, blk, BLOCK);
            return 0;
        }
    }
    return -1;
}

/* fill - the region for the choice bits `pick` (bit i: block i second). */
static void fill(uint8_t *region, const uint8_t blocks[STAGES][2][BLOCK], uint32_t pick)
{
    for (int i = 0; i < STAGES; i++)
        memcpy(region + i * BLOCK, blocks[i][(pick >> i) & 1], BLOCK);
}

/* signed_sum - the sum of terms t[0..HALF) each taken -1, 0 or +1 times
 * as the base-3 digits of `code` say (digit - 1). */
static uint32_t signed_sum(const uint32_t *t, uint32_t code)
{
    uint32_t sum = 0;
    for (int i = 0; i < HALF; i++, code /= 3)
        sum += (code % 3 == 0) ? -t[i] : (code % 3 == 2) ? t[i] : 0;
    return sum;
}

/* choices - the two choices of a relation: x takes the second block where
 * a digit is +1, y where it is -1. */
static void choices(uint32_t left, uint32_t right, uint32_t *x, uint32_t *y)
{
    *x = *y = 0;
    for (int i = 0; i < STAGES; i++) {
        uint32_t *code = i < HALF ? &left : &right;
        uint32_t d = *code % 3;
        *code /= 3;
        if (d == 2)
            *x |= 1u << i;
        else if (d == 0)
            *y |= 1u << i;
    }
}

/* find_choice - two choices whose final states are equal, into *x, *y. */
static int find_choice(uint64_t h0, const uint8_t blocks[STAGES][2][BLOCK], uint32_t *x,
                       uint32_t *y)
{
    uint8_t region[SLOT_BYTES];
    uint32_t term[STAGES];
    fill(region, blocks, 0);
    uint64_t base = fnv(h0, region, SLOT_BYTES);
    for (int i = 0; i < STAGES; i++) {
        fill(region, blocks, 1u << i);
        uint64_t one = fnv(h0, region, SLOT_BYTES);
        if ((uint32_t)one != (uint32_t)base)
            return -1;      /* the low halves must not depend on the choice */
        term[i] = (uint32_t)(one >> 32) - (uint32_t)(base >> 32);
    }
    const uint32_t zero = (HALF_SUMS - 1) / 2;      /* all digits 1: nothing taken */
    memset(table, 0, sizeof(struct slot) << TABLE_BITS);
    for (uint32_t l = 0; l < HALF_SUMS; l++)
        table_put(signed_sum(term, l), l);
    for (uint32_t r = 0; r < HALF_SUMS; r++) {
        struct slot *s = table_get(-signed_sum(term + HALF, r));
        if (s && !(s->what == zero && r == zero)) {
            choices((uint32_t)s->what, r, x, y);
            return 0;
        }
    }
    return -1;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(1 << 24);
    *n = f && buf ? fread(buf, 1, 1 << 24, f) : 0;
    if (f)
        fclose(f);
    return buf;
}

static int write_all(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fnvcollide TEMPLATE.wasm OUT-A.wasm OUT-B.wasm\n");
        return 2;
    }
    size_t n, at = 0;
    uint8_t *mod = read_all(argv[1], &n);
    table = calloc((size_t)1 << TABLE_BITS, sizeof *table);
    size_t need = strlen(MARK) + SLOT_BYTES + strlen(SEL) + 2;
    while (mod && at + need <= n && memcmp(mod + at, MARK, strlen(MARK)))
        at++;
    if (!mod || !table || at + need > n ||
        memcmp(mod + at + strlen(MARK) + SLOT_BYTES, SEL, strlen(SEL)) != 0) {
        fprintf(stderr, "fnvcollide: %s: no '%s', %d bytes, '%s' and 2 bytes\n", argv[1], MARK,
                SLOT_BYTES, SEL);
        return 1;
    }
    at += strlen(MARK);
    static uint8_t blocks[STAGES][2][BLOCK];
    uint64_t seed = 1, h0 = fnv(FNV_INIT, mod, at), h = h0;
    for (int i = 0; i < STAGES; i++) {
        if (block_pair(h, &seed, blocks[i][0], blocks[i][1]) < 0) {
            fprintf(stderr, "fnvcollide: no block pair for stage %d\n", i);
            return 1;
        }
        h = fnv(h, blocks[i][0], BLOCK);
    }
    uint32_t x, y;
    if (find_choice(h0, blocks, &x, &y) < 0) {
        fprintf(stderr, "fnvcollide: no pair of choices\n");
        return 1;
    }
    uint8_t *other = malloc(n);
    if (!other)
        return 1;
    fill(mod + at, blocks, x);
    memcpy(other, mod, n);
    fill(other + at, blocks, y);
    int k = 0;
    while (k < SLOT_BYTES && mod[at + k] == other[at + k])
        k++;
    if (k == SLOT_BYTES)
        return 1;
    uint8_t diff = mod[at + k] ^ other[at + k], mask = diff & (uint8_t)-diff;
    if (mod[at + k] & mask) {       /* a's bit must be the clear one: swap */
        uint8_t *t = mod;
        mod = other;
        other = t;
    }
    uint8_t *sel = mod + at + SLOT_BYTES + strlen(SEL);
    sel[0] = (uint8_t)k;
    sel[1] = mask;
    memcpy(other + (sel - mod), sel, 2);
    uint64_t ha = fnv(FNV_INIT, mod, n), hb = fnv(FNV_INIT, other, n);
    if (ha != hb || memcmp(mod, other, n) == 0) {
        fprintf(stderr, "fnvcollide: no collision (%016llx %016llx)\n", (unsigned long long)ha,
                (unsigned long long)hb);
        return 1;
    }
    if (write_all(argv[2], mod, n) < 0 || write_all(argv[3], other, n) < 0) {
        perror("fnvcollide: write");
        return 1;
    }
    printf("%016llx\n", (unsigned long long)ha);
    free(other);
    free(mod);
    free(table);
    return 0;
}
