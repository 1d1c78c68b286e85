/*
 * fuzz_exif.c - libFuzzer target: EXIF orientation, from the parser
 * (img_exif_orientation) up through the JPEG and PNG readers.
 *
 * Each input is an Exif block.  It is parsed as a JPEG APP1 payload and
 * as a PNG eXIf chunk's TIFF data; then spliced, as an APP1 marker, into
 * a small valid JPEG, and as an eXIf chunk (with a correct CRC) into a
 * small valid PNG, and both files are read whole through
 * img_open_opts_fp() from memory, as the splitter reads its input.
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - the parser answers 1-8 or -1, never anything else;
 *  - a JPEG or PNG that differs from a valid file only by its Exif block
 *    opens and reads to the end, with orientation 1-8, width and height
 *    as stored, and a metadata text that mentions Exif exactly when the
 *    block was a (possibly malformed) Exif block (JPEG);
 *  - a block the parser calls malformed gives orientation 1 in the JPEG.
 */
#include "err.h"
#include "image.h"
#include "image_impl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define W 9
#define H 5

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *base_jpeg, *base_png;      /* valid W x H files, made once */
static size_t base_jpeg_len, base_png_len;

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_exif: invariant broken: %s%s%s\n", what, err ? ": " : "",
            err ? err : "");
    abort();
}

/* make_base - writes a W x H gray image as fmt into memory; exits on failure. */
static void make_base(enum img_format fmt, char **buf, size_t *len)
{
    uint8_t pix[W * H];
    char err[ERR_MAX];
    FILE *f = open_memstream(buf, len);
    img_writer *w;

    for (int i = 0; i < W * H; i++)
        pix[i] = (uint8_t)(i * 5);
    if (f == NULL || (w = img_create(f, "base", fmt, W, H, 1, NULL, err)) == NULL
        || img_write_rows(w, pix, H, err) < 0 || img_finish(w, err) < 0 || fclose(f) != 0) {
        fprintf(stderr, "fuzz_exif: cannot make the base %s\n", img_format_name(fmt));
        exit(2);
    }
}

/* LLVMFuzzerInitialize - make the base files once per process; returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    make_base(IMG_JPEG, &base_jpeg, &base_jpeg_len);
    make_base(IMG_PNG, &base_png, &base_png_len);
    return 0;
}

/* put32 - stores v big-endian at p; returns nothing. */
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* read_all - opens file (len bytes) from memory and reads every row;
 * aborts if that fails; returns the orientation. */
static int read_all(const uint8_t *file, size_t len, const char *what, struct img_info *info)
{
    char err[ERR_MAX] = "";
    uint8_t rows[W * H];
    FILE *f = fmemopen((void *)file, len, "rb");
    img_reader *r;

    if (f == NULL)
        exit(2);
    if ((r = img_open_opts_fp(f, what, NULL, info, err)) == NULL)
        fail("a valid file with another Exif block does not open", err);
    if (info->width != W || info->height != H || info->channels != 1 || info->depth != 8)
        fail("the Exif block changed the image's shape", what);
    if (img_read_rows(r, rows, H, err) < 0)
        fail("a valid file with another Exif block does not read", err);
    img_close(r);
    if (info->orientation < 1 || info->orientation > 8)
        fail("orientation outside 1-8", what);
    return info->orientation;
}

/* check_jpeg - the block as the JPEG's first APP1 (payloads above 65533
 * bytes are cut, as no marker holds more). */
static void check_jpeg(const uint8_t *data, size_t size, int parsed)
{
    size_t n = size > 65533 ? 65533 : size, len = base_jpeg_len + 4 + n;
    uint8_t *file = malloc(len);
    struct img_info info;
    int exif = n >= 4 && memcmp(data, "Exif", 4) == 0;

    if (file == NULL)
        return;
    memcpy(file, base_jpeg, 2);                         /* SOI */
    file[2] = 0xff;
    file[3] = 0xe1;
    file[4] = (uint8_t)((n + 2) >> 8);
    file[5] = (uint8_t)(n + 2);
    if (n > 0)
        memcpy(file + 6, data, n);
    memcpy(file + 6 + n, base_jpeg + 2, base_jpeg_len - 2);
    read_all(file, len, "jpeg", &info);
    if ((strstr(info.metadata, "Exif") != NULL) != exif)
        fail("jpeg metadata text disagrees with the block", info.metadata);
    if (n == size && parsed == -1 && exif && info.orientation != 1)
        fail("a malformed block gave an orientation", NULL);
    free(file);
}

/* check_png - the block as an eXIf chunk right after IHDR. */
static void check_png(const uint8_t *data, size_t size)
{
    const size_t at = 8 + 25;                           /* signature, IHDR */
    size_t n = size > (1u << 20) ? 1u << 20 : size, len = base_png_len + 12 + n;
    uint8_t *file = malloc(len);
    struct img_info info;
    uLong crc;

    if (file == NULL)
        return;
    memcpy(file, base_png, at);
    put32(file + at, (uint32_t)n);
    memcpy(file + at + 4, "eXIf", 4);
    if (n > 0)
        memcpy(file + at + 8, data, n);
    crc = crc32(crc32(0L, Z_NULL, 0), file + at + 4, (uInt)(n + 4));
    put32(file + at + 8 + n, (uint32_t)crc);
    memcpy(file + at + 12 + n, base_png + at, base_png_len - at);
    read_all(file, len, "png", &info);
    free(file);
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int a = size > 0 ? img_exif_orientation(data, size, 0) : -1;
    int b = size > 0 ? img_exif_orientation(data, size, 1) : -1;

    if (a != -1 && (a < 1 || a > 8))
        fail("parser answered outside 1-8 for an APP1 payload", NULL);
    if (b != -1 && (b < 1 || b > 8))
        fail("parser answered outside 1-8 for an eXIf chunk", NULL);
    check_jpeg(data, size, a);
    check_png(data, size);
    return 0;
}
