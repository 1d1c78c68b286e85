/*
 * fuzz_netpbm.c - libFuzzer target: the netpbm header reader
 * (pnm_read_header) and the tile reader built on it (tile_read).
 *
 * Each input is parsed once from memory (fmemopen), then written to a
 * scratch file and read with tile_read() exactly as a worker reads a
 * claimed tile: header, size check, samples, nothing after them.
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - an accepted header is P5 with 1 channel, P6 with 3 or P7 with 1-4;
 *    width and height >= 1; maxval 1..65535; width * channels fits an
 *    int32; and the stream is left inside the input;
 *  - a refused header has a message, and tile_read refuses the file too
 *    (parsing from a FILE* of memory and of a file agree);
 *  - for an accepted header of a tile small enough to allocate,
 *    tile_read asked for exactly that size succeeds if and only if
 *    maxval is 255 and exactly width * height * channels bytes follow the
 *    header, and then hands back those bytes unchanged; asked for one
 *    column more, or another channel count, it fails;
 *  - pnm_write_header for the accepted size and channel count writes a
 *    header that parses back to the same fields, maxval 255, and
 *    pnm_write_header_depth with depth 16 one with maxval 65535.
 */
#include "err.h"
#include "manifest.h"
#include "netpbm.h"
#include "scratch.h"
#include "tile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Tiles bigger than this are not read: no input libFuzzer makes (4 KiB by
 * default) can hold one, and allocating it would only slow the loop. */
#define MAX_TILE_BYTES (1u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[PATH_MAX];          /* the tile file, rewritten per input */

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_netpbm: invariant broken: %s%s%s\n", what, err ? ": " : "",
            err ? err : "");
    abort();
}

/* remove_scratch - atexit: the scratch file must not outlive the run. */
static void remove_scratch(void)
{
    if (scratch[0] != '\0')
        unlink(scratch);
}

/* LLVMFuzzerInitialize - create the scratch file once per process; returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(scratch, sizeof scratch, "%s/fuzz_netpbm.XXXXXX", fuzz_scratch_dir());
    int fd = mkstemp(scratch);
    if (fd < 0) {
        perror(scratch);
        exit(2);
    }
    close(fd);
    atexit(remove_scratch);
    return 0;
}

/* put_scratch - replace the scratch file's content with data; exits on I/O errors
 * (they are the machine's, not the parser's). */
static void put_scratch(const uint8_t *data, size_t size)
{
    FILE *f = fopen(scratch, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(scratch);
        exit(2);
    }
}

/* tile_manifest - the least of a manifest tile_read looks at: the tile
 * format; the image (channels, 8-bit) is passed beside it. */
static void tile_manifest(struct manifest *m, int channels)
{
    memset(m, 0, sizeof *m);
    m->tile_format = TILE_PNM;
    m->source.channels = channels;
    m->plan.img[0] = (struct plan_image){1, 1, channels, 8};
}

/* check_header - the field invariants of an accepted header. */
static void check_header(const struct pnm_header *h)
{
    if (h->kind == 5 ? h->channels != 1 : h->kind == 6 ? h->channels != 3
        : h->kind != 7 || h->channels < 1 || h->channels > 4)
        fail("kind and channels disagree", NULL);
    if (h->width == 0 || h->height == 0 || h->maxval < 1 || h->maxval > 65535)
        fail("size or maxval out of range", NULL);
    if ((uint64_t)h->width * (uint64_t)h->channels > INT32_MAX)
        fail("row longer than INT32_MAX samples", NULL);
}

/* check_write_back - pnm_write_header(_depth) of the same size parses back the same. */
static void check_write_back(const struct pnm_header *h)
{
    for (int depth = 8; depth <= 16; depth += 8) {
        char buf[256], err[ERR_MAX];
        struct pnm_header back;
        FILE *f = fmemopen(buf, sizeof buf, "wb");

        if (!f)
            return;
        int rc = depth == 8 ? pnm_write_header(f, "write", h->width, h->height, h->channels, err)
                 : pnm_write_header_depth(f, "write", h->width, h->height, h->channels, 16, err);
        long n = ftell(f);
        fclose(f);
        if (rc != 0)
            fail("pnm_write_header refuses an accepted size", err);
        if (!(f = fmemopen(buf, (size_t)n, "rb")))
            return;
        rc = pnm_read_header(f, "write", &back, err);
        fclose(f);
        if (rc != 0)
            fail("written header does not parse", err);
        if (back.width != h->width || back.height != h->height || back.channels != h->channels
            || back.maxval != (depth == 8 ? 255u : 65535u)
            || back.kind != (h->channels == 1 ? 5 : h->channels == 3 ? 6 : 7))
            fail("written header parses to other fields", NULL);
    }
}

/* check_tile_read - tile_read of the scratch file against the header. */
static void check_tile_read(const uint8_t *data, size_t size, const struct pnm_header *h,
                            long pos)
{
    struct manifest m;
    char err[ERR_MAX];
    uint64_t n = (uint64_t)h->width * h->height * (uint64_t)h->channels;
    uint64_t wider = (uint64_t)(h->width + 1ull) * h->height * (uint64_t)h->channels;

    if (wider > MAX_TILE_BYTES)
        return;
    uint8_t *dst = malloc((size_t)wider + 1);
    if (!dst)
        return;
    tile_manifest(&m, h->channels);
    int rc = tile_read(&m, &m.plan.img[0], scratch, dst, h->width, h->height, err);
    int exact = h->maxval == 255 && size - (size_t)pos == n;
    if (rc == 0 && !exact)
        fail("tile_read accepts a tile of the wrong size or maxval", NULL);
    if (rc != 0 && exact)
        fail("tile_read refuses a well-formed tile", err);
    if (rc == 0 && memcmp(dst, data + pos, (size_t)n) != 0)
        fail("tile_read returns other samples than the file holds", NULL);
    if (rc != 0 && err[0] == '\0')
        fail("tile_read fails without a message", NULL);

    if (h->width < UINT32_MAX && tile_read(&m, &m.plan.img[0], scratch, dst, h->width + 1, h->height, err) == 0)
        fail("tile_read accepts a file one column narrower than asked for", NULL);
    tile_manifest(&m, h->channels == 4 ? 3 : h->channels + 1);
    if (tile_read(&m, &m.plan.img[0], scratch, dst, h->width, h->height, err) == 0)
        fail("tile_read accepts a tile with another channel count", NULL);
    free(dst);
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pnm_header h;
    struct manifest m;
    char err[ERR_MAX] = "";
    uint8_t px[16];
    int rc = -1;
    long pos = 0;

    /* fmemopen refuses a zero-length buffer on some C libraries; an empty
     * input is simply not a header. */
    FILE *f = size > 0 ? fmemopen((void *)data, size, "rb") : NULL;
    if (f) {
        rc = pnm_read_header(f, "fuzz", &h, err);
        pos = ftell(f);
        fclose(f);
    }
    put_scratch(data, size);
    if (rc != 0) {
        if (f && err[0] == '\0')
            fail("pnm_read_header fails without a message", NULL);
        tile_manifest(&m, 1);
        if (tile_read(&m, &m.plan.img[0], scratch, px, 1, 1, err) == 0)
            fail("tile_read accepts a file whose header is refused", NULL);
        return 0;
    }
    if (pos < 0 || (size_t)pos > size)
        fail("header ends outside the input", NULL);
    check_header(&h);
    check_write_back(&h);
    check_tile_read(data, size, &h, pos);
    return 0;
}
