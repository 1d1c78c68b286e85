/*
 * fuzz_tiff.c - libFuzzer target: the TIFF reader (image_tiff_read.c),
 * and the writer on what it decodes.
 *
 * Each input that starts as a TIFF does is opened from memory (fmemopen) through img_open_opts_fp(),
 * as the splitter opens its input, with a pixel limit of 2^16 so that no
 * input makes the target allocate much, at page 0 or (by the input's
 * last byte) page 1, with keep16 or not; all rows are read, a few at a
 * time.  An image read to the end is written again with our writer
 * (deflate, tiles of 16 when the last byte says so) into a scratch file
 * (scratch.h) and read back.
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused file, or a failed read, has a message naming "fuzz";
 *  - an opened file has 1-4 channels, depth 8 or 16, at most 2^16 pixels;
 *  - what the writer makes of a decoded image reads back to the same
 *    samples, size, channels and depth.
 */
#include "err.h"
#include "image.h"
#include "scratch.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PIXELS (1u << 16)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[PATH_MAX];          /* the writer's output, rewritten per input */

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_tiff: invariant broken: %s%s%s\n", what, err ? ": " : "",
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
    snprintf(scratch, sizeof scratch, "%s/fuzz_tiff.XXXXXX", fuzz_scratch_dir());
    int fd = mkstemp(scratch);
    if (fd < 0) {
        perror(scratch);
        exit(2);
    }
    close(fd);
    atexit(remove_scratch);
    return 0;
}

/* decode - reads the whole image in f (owned from here on) into *pix
 * (caller frees); returns 0, or -1 with err filled. */
static int decode(FILE *f, const struct img_open_opts *o, struct img_info *info,
                  uint8_t **pix, char *err)
{
    img_reader *r = img_open_opts_fp(f, "fuzz", o, info, err);
    size_t stride;
    int rc = 0;

    *pix = NULL;
    if (r == NULL)
        return -1;
    if (info->channels < 1 || info->channels > 4 || (info->depth != 8 && info->depth != 16)
        || (uint64_t)info->width * info->height > MAX_PIXELS)
        fail("opened image of a bad shape", NULL);
    stride = (size_t)info->width * info->channels * (info->depth / 8);
    *pix = malloc(stride * info->height);
    if (*pix == NULL)
        fail("out of memory for a limited image", NULL);
    for (uint32_t y = 0; y < info->height && rc == 0; y += 3)
        rc = img_read_rows(r, *pix + y * stride, info->height - y < 3 ? info->height - y : 3,
                           err);
    img_close(r);
    return rc;
}

/* roundtrip - writes the decoded image as TIFF into memory and checks it
 * reads back the same; returns nothing. */
static void roundtrip(const struct img_info *info, const uint8_t *pix, int tiles)
{
    struct img_write_opts o;
    struct img_open_opts oo = { .max_pixels = MAX_PIXELS, .keep16 = 1 };
    struct img_info back;
    char err[ERR_MAX] = "";
    size_t n = (size_t)info->width * info->height * info->channels * (info->depth / 8);
    uint8_t *again;
    FILE *f = fopen(scratch, "w+b");
    img_writer *w;

    if (f == NULL) {
        perror(scratch);
        exit(2);
    }
    img_default_opts(&o);
    o.depth = info->depth;
    o.tiff_compression = IMG_TIFF_DEFLATE;
    o.tiff_tile = tiles ? 16 : 0;
    w = img_create(f, "fuzz-out", IMG_TIFF, info->width, info->height, info->channels, &o, err);
    if (w == NULL || img_write_rows(w, pix, info->height, err) < 0 || img_finish(w, err) < 0)
        fail("writer refuses a decoded image", err);
    if (fflush(f) != 0 || fseeko(f, 0, SEEK_SET) != 0) {
        perror(scratch);
        exit(2);
    }
    if (decode(f, &oo, &back, &again, err) < 0)
        fail("the writer's output does not read back", err);
    if (back.width != info->width || back.height != info->height
        || back.channels != info->channels || back.depth != info->depth
        || memcmp(again, pix, n) != 0)
        fail("the writer's output reads back to other samples", NULL);
    free(again);
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct img_open_opts o = { .max_pixels = MAX_PIXELS };
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *pix;
    FILE *f;

    /* TIFF inputs only: the other readers have targets of their own */
    if (size < 4 || !((data[0] == 'I' && data[1] == 'I' && (data[2] == 42 || data[2] == 43)
                       && data[3] == 0)
                      || (data[0] == 'M' && data[1] == 'M' && data[2] == 0
                          && (data[3] == 42 || data[3] == 43))))
        return 0;
    if ((f = fmemopen((void *)data, size, "rb")) == NULL)
        return 0;
    o.page = data[size - 1] == 1;
    o.keep16 = data[size - 1] & 2;
    if (decode(f, &o, &info, &pix, err) < 0) {
        if (strstr(err, "fuzz") == NULL)
            fail("refused without a message naming the file", err);
    } else {
        roundtrip(&info, pix, data[size - 1] & 4);
    }
    free(pix);
    return 0;
}
