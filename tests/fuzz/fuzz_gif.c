/*
 * fuzz_gif.c - libFuzzer target: the GIF reader (image_gif.c).
 *
 * Each input is opened from memory (fmemopen) as a file would be, with a
 * small pixel limit, for frame 0 and frame 3, and every row is read.
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused input has a message naming it;
 *  - an accepted one is within the pixel limit, 8 bits, format gif, with
 *    4 channels exactly when src_color says "transparency", else 3;
 *  - reading its rows either succeeds or fails with a message naming it;
 *  - in a 4-channel result every alpha is 0 or 255;
 *  - reading the same input twice gives the same pixels.
 *
 * Inputs that do not start with "GIF8" go to the other formats' readers,
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
    fprintf(stderr, "fuzz_gif: invariant broken: %s%s%s\n", what, err ? ": " : "",
            err ? err : "");
    abort();
}

/* read_mem - opens the input at page and reads every row into a new
 * buffer (*pix, caller frees); returns 0, or 1 if refused or a row failed. */
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
    int trans = strstr(info->src_color, "transparency") != NULL;
    if ((uint64_t)info->width * info->height > MAX_PIXELS || info->depth != 8
        || info->channels != (trans ? 4 : 3) || info->format != IMG_GIF)
        fail("an accepted image of a shape the reader cannot give", info->src_color);
    size_t stride = (size_t)info->width * (size_t)info->channels;
    if ((*pix = malloc(stride * info->height)) == NULL)
        exit(2);
    if (img_read_rows(r, *pix, info->height, err) < 0) {
        if (strstr(err, "fuzz") == NULL)
            fail("a read error that does not name the file", err);
        img_close(r);
        free(*pix);
        *pix = NULL;
        return 1;
    }
    img_close(r);
    return 0;
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct img_info info, again;
    uint8_t *pix, *pix2;

    if (size < 4 || memcmp(data, "GIF8", 4) != 0)
        return 0;
    for (uint32_t page = 0; page < 4; page += 3) {
        if (read_mem(data, size, page, &info, &pix) != 0)
            continue;
        size_t n = (size_t)info.width * info.height * (size_t)info.channels;
        for (size_t i = 3; info.channels == 4 && i < n; i += 4)
            if (pix[i] != 0 && pix[i] != 255)
                fail("an alpha other than 0 or 255", NULL);
        if (read_mem(data, size, page, &again, &pix2) != 0 || memcmp(pix, pix2, n) != 0)
            fail("the same input read twice gives other pixels", NULL);
        free(pix);
        free(pix2);
    }
    return 0;
}
