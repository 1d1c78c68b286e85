/*
 * fuzz_webp.c - libFuzzer target: the WebP reader (image_webp.c) and,
 * for what it accepts, the WebP writer.
 *
 * Each input is opened from memory (fmemopen) as a file would be, with a
 * small pixel limit, for frame 0 and then frame 1, and every row is read.
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused input has a message naming it;
 *  - an accepted one is within the pixel limit, 3 or 4 channels, 8 bits,
 *    format webp; reading its rows either succeeds or fails with a
 *    message naming it (a corrupt bitstream is found only when decoding);
 *  - pixels read whole are written again as lossless WebP by our writer
 *    and read back the same, sample for sample, alpha 0 pixels included
 *    (RGBA whose alpha is all 255 may come back as RGB: the encoder
 *    drops an alpha that says nothing).
 *
 * Inputs that do not start with "RIFF" go to the other formats' readers,
 * not this one: they are skipped.
 */
#include "err.h"
#include "image.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PIXELS (1u << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_webp: invariant broken: %s%s%s\n", what, err ? ": " : "",
            err ? err : "");
    abort();
}

/* read_mem - opens len bytes as an image and reads every row into a new
 * buffer (*pix, caller frees); returns 0, 1 if refused, 2 if a row failed. */
static int read_mem(const uint8_t *data, size_t len, uint32_t page, struct img_info *info,
                    uint8_t **pix)
{
    char err[ERR_MAX] = "";
    struct img_open_opts o = { .max_pixels = MAX_PIXELS, .page = page };
    FILE *f = fmemopen((void *)data, len, "rb");
    img_reader *r;

    *pix = NULL;
    if (f == NULL)
        exit(2);
    if ((r = img_open_opts_fp(f, "fuzz", &o, info, err)) == NULL) {
        if (strstr(err, "fuzz") == NULL)
            fail("a refusal that does not name the file", err);
        return 1;
    }
    if ((uint64_t)info->width * info->height > MAX_PIXELS || info->depth != 8
        || (info->channels != 3 && info->channels != 4) || info->format != IMG_WEBP)
        fail("an accepted image of a shape the reader cannot give", NULL);
    size_t stride = (size_t)info->width * (size_t)info->channels;
    if ((*pix = malloc(stride * info->height)) == NULL)
        exit(2);
    for (uint32_t y = 0; y < info->height; y += 7) {
        uint32_t n = info->height - y < 7 ? info->height - y : 7;
        if (img_read_rows(r, *pix + y * stride, n, err) < 0) {
            if (strstr(err, "fuzz") == NULL)
                fail("a read error that does not name the file", err);
            img_close(r);
            free(*pix);
            *pix = NULL;
            return 2;
        }
    }
    img_close(r);
    return 0;
}

/* same_rgba - 1 if a (ach channels) and b (bch) are the same pixels as RGBA. */
static int same_rgba(const uint8_t *a, int ach, const uint8_t *b, int bch, size_t n)
{
    for (size_t i = 0; i < n; i++, a += ach, b += bch)
        if (memcmp(a, b, 3) != 0 || (ach == 4 ? a[3] : 255) != (bch == 4 ? b[3] : 255))
            return 0;
    return 1;
}

/* check_round_trip - pix written as lossless WebP reads back the same. */
static void check_round_trip(const struct img_info *info, const uint8_t *pix)
{
    char err[ERR_MAX] = "", *buf = NULL;
    size_t len = 0, n = (size_t)info->width * info->height;
    struct img_write_opts o;
    struct img_info back;
    uint8_t *again;
    FILE *f = open_memstream(&buf, &len);
    img_writer *w;

    img_default_opts(&o);
    o.webp_lossless = 1;
    if (f == NULL)
        exit(2);
    if ((w = img_create(f, "again", IMG_WEBP, info->width, info->height, info->channels, &o,
                        err)) == NULL
        || img_write_rows(w, pix, info->height, err) < 0 || img_finish(w, err) < 0)
        fail("the writer refuses what the reader gave", err);
    fclose(f);
    if (read_mem((const uint8_t *)buf, len, 0, &back, &again) != 0)
        fail("our lossless file does not read back", NULL);
    if (back.width != info->width || back.height != info->height
        || !same_rgba(pix, info->channels, again, back.channels, n))
        fail("a lossless round trip changed the pixels", NULL);
    free(again);
    free(buf);
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct img_info info;
    uint8_t *pix;

    if (size < 4 || memcmp(data, "RIFF", 4) != 0)
        return 0;
    for (uint32_t page = 0; page < 2; page++)
        if (read_mem(data, size, page, &info, &pix) == 0) {
            check_round_trip(&info, pix);
            free(pix);
        }
    return 0;
}
