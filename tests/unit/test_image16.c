/*
 * test_image16.c - unit tests for 16-bit samples in the image API
 * (image.h: img_open_opts.keep16, img_write_opts.depth; netpbm.h:
 * pnm_write_header_depth, pnm_swap16).
 *
 * 16-bit PNG and netpbm must round-trip exactly through our writer and
 * our reader with keep16, and be stored big-endian as the formats say
 * (checked with plain libpng and by the file's bytes); without keep16 the
 * reader must give exactly today's 8-bit values.  tRNS in 16-bit files,
 * palettes and 8-bit files under keep16, odd netpbm maxvals, and 16-bit
 * rows written as JPEG are checked too.  Everything lives in a private
 * temporary directory, removed at the end.  The test_* functions return
 * nothing: each reports through CHECK.
 */
#include "check.h"
#include "imagetest.h"
#include "netpbm.h"

#include <png.h>

/* noise16 - returns n random 16-bit samples in host order (caller frees). */
static uint16_t *noise16(size_t n)
{
    uint16_t *p = malloc(n * sizeof *p);

    for (size_t i = 0; p != NULL && i < n; i++)
        p[i] = (uint16_t)rnd();
    /* the extremes, which rounding mistakes hit first */
    if (p != NULL && n >= 2) {
        p[0] = 0;
        p[1] = 65535;
    }
    return p;
}

/* read_opts - reads path whole with o, 3 rows a call; returns 0 or -1 with
 * *pix (caller frees, depth-sized samples) and *info filled. */
static int read_opts(const char *path, const struct img_open_opts *o,
                     struct img_info *info, uint8_t **pix, char *err)
{
    img_reader *r = img_open_opts_path(path, o, info, err);
    size_t stride;
    int rc = 0;

    *pix = NULL;
    if (r == NULL)
        return -1;
    stride = (size_t)info->width * info->channels * (info->depth / 8);
    if ((*pix = malloc(stride * info->height)) == NULL)
        rc = errf(err, "out of memory");
    for (uint32_t y = 0; rc == 0 && y < info->height; y += 3) {
        uint32_t n = info->height - y < 3 ? info->height - y : 3;
        rc = img_read_rows(r, *pix + y * stride, n, err);
    }
    img_close(r);
    if (rc < 0) {
        free(*pix);
        *pix = NULL;
    }
    return rc;
}

/* write16 - writes w x h x ch 16-bit samples as fmt, 4 rows a call;
 * returns 0 or -1. */
static int write16(const char *path, enum img_format fmt, uint32_t w, uint32_t h,
                   int ch, const uint16_t *pix, char *err)
{
    struct img_write_opts o;
    FILE *f = fopen(path, "wb");
    img_writer *wr;
    size_t stride = (size_t)w * ch * 2;
    int rc = 0;

    img_default_opts(&o);
    o.depth = 16;
    if (f == NULL)
        return errf_sys(err, "%s", path);
    if ((wr = img_create(f, path, fmt, w, h, ch, &o, err)) == NULL) {
        fclose(f);
        return -1;
    }
    for (uint32_t y = 0; y < h && rc == 0; y += 4)
        rc = img_write_rows(wr, (const uint8_t *)pix + y * stride, h - y < 4 ? h - y : 4, err);
    if (rc == 0)
        rc = img_finish(wr, err);
    else
        img_abandon(wr);
    if (fclose(f) != 0 && rc == 0)
        rc = errf_sys(err, "%s: close", path);
    return rc;
}

/* plain_png_be - returns 1 if libpng, reading path without transforms,
 * finds a 16-bit image whose big-endian samples equal pix's. */
static int plain_png_be(const char *path, const uint16_t *pix, uint32_t w, uint32_t h, int ch)
{
    FILE *f = fopen(path, "rb");
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    uint8_t *row = malloc((size_t)w * ch * 2);
    volatile int ok = 0;

    if (f != NULL && row != NULL && setjmp(png_jmpbuf(png)) == 0) {
        png_init_io(png, f);
        png_read_info(png, info);
        ok = png_get_bit_depth(png, info) == 16 && png_get_channels(png, info) == ch;
        for (uint32_t y = 0; ok && y < h; y++) {
            png_read_row(png, row, NULL);
            for (size_t i = 0; i < (size_t)w * ch; i++)
                if ((row[2 * i] << 8 | row[2 * i + 1]) != pix[(size_t)y * w * ch + i])
                    ok = 0;
        }
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(row);
    if (f != NULL)
        fclose(f);
    return ok;
}

/* test_png16_roundtrip - 1-4 channels exact with keep16; stored big-endian;
 * without keep16 the rounded 8-bit values. */
static void test_png16_roundtrip(void)
{
    static const struct img_open_opts keep = { .keep16 = 1 };
    char err[ERR_MAX] = "", name[80];

    for (int ch = 1; ch <= 4; ch++) {
        size_t n = (size_t)23 * 9 * ch;
        uint16_t *pix = noise16(n);
        uint8_t *got = NULL, *got8 = NULL;
        struct img_info info, info8;
        int rc = write16(tpath("rt16.png"), IMG_PNG, 23, 9, ch, pix, err);
        int exact = 0, rounded = 1;

        if (rc == 0)
            rc = read_opts(tpath("rt16.png"), &keep, &info, &got, err);
        if (rc == 0)
            exact = info.depth == 16 && info.src_depth == 16 && info.channels == ch
                    && memcmp(got, pix, n * 2) == 0;
        snprintf(name, sizeof name, "png 16-bit round trip, %d channels", ch);
        CHECK(rc == 0 && exact, name, "rc %d %s", rc, err);
        snprintf(name, sizeof name, "png 16-bit stored big-endian, %d channels", ch);
        CHECK(plain_png_be(tpath("rt16.png"), pix, 23, 9, ch), name, "libpng disagrees");

        rc = read_image(tpath("rt16.png"), 0, 4, &info8, &got8, err);
        for (size_t i = 0; rc == 0 && i < n; i++)
            if (got8[i] != (uint8_t)((pix[i] * 255u + 32767) / 65535))
                rounded = 0;
        snprintf(name, sizeof name, "png 16-bit without keep16 gives 8 bits, %d channels", ch);
        CHECK(rc == 0 && rounded && info8.depth == 8 && info8.src_depth == 16,
              name, "rc %d %s depth %d", rc, err, info8.depth);
        free(pix);
        free(got);
        free(got8);
    }
}

/* png_trns16 - writes a 16-bit gray or RGB PNG, Adam7-interlaced if
 * `interlace`, with a tRNS key equal to pixel 0 (and pixel 5) with plain
 * libpng; returns 0 or -1. */
static int png_trns16(const char *path, int type, int interlace, const uint16_t *s,
                      uint32_t w, uint32_t h)
{
    int ns = type == PNG_COLOR_TYPE_GRAY ? 1 : 3;
    FILE *f = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    uint8_t *row = malloc((size_t)w * ns * 2);
    png_color_16 key = { 0, s[0], s[ns > 1 ? 1 : 0], s[ns > 1 ? 2 : 0], s[0] };
    volatile int rc = -1;

    if (f != NULL && row != NULL && setjmp(png_jmpbuf(png)) == 0) {
        png_init_io(png, f);
        png_set_IHDR(png, info, w, h, 16, type,
                     interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_tRNS(png, info, NULL, 0, &key);
        png_write_info(png, info);
        int passes = png_set_interlace_handling(png);
        for (uint32_t y = 0; y < h * (uint32_t)passes; y++) {
            for (size_t i = 0; i < (size_t)w * ns; i++) {
                uint16_t v = s[(y % h) * w * ns + i];
                row[2 * i] = (uint8_t)(v >> 8);
                row[2 * i + 1] = (uint8_t)v;
            }
            png_write_row(png, row);
        }
        png_write_end(png, NULL);
        rc = 0;
    }
    png_destroy_write_struct(&png, &info);
    free(row);
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    return rc;
}

/* test_png16_trns - a 16-bit tRNS key becomes a 16-bit alpha of 0 or
 * 65535, also in an interlaced file (decoded whole, then handed out). */
static void test_png16_trns(void)
{
    static const struct img_open_opts keep = { .keep16 = 1 };
    static const int types[2] = { PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_RGB };
    char err[ERR_MAX] = "", name[80];

    for (int t = 0; t < 4; t++) {
        int ns = t % 2 == 0 ? 1 : 3;
        uint16_t *s = noise16((size_t)7 * 4 * ns);
        uint8_t *raw = NULL;
        const uint16_t *got;
        struct img_info info;
        int ok = 1, rc;

        memcpy(s + 5 * ns, s, ns * sizeof *s);
        rc = png_trns16(tpath("trns16.png"), types[t % 2], t / 2, s, 7, 4);
        if (rc == 0)
            rc = read_opts(tpath("trns16.png"), &keep, &info, &raw, err);
        got = (const uint16_t *)raw;
        for (size_t i = 0; rc == 0 && i < 7 * 4; i++) {
            int key = memcmp(s + i * ns, s, ns * sizeof *s) == 0;
            ok &= memcmp(got + i * (ns + 1), s + i * ns, ns * sizeof *s) == 0
                  && got[i * (ns + 1) + ns] == (key ? 0 : 65535);
        }
        snprintf(name, sizeof name, "png 16-bit %s+tRNS gives 16-bit alpha%s",
                 t % 2 == 0 ? "gray" : "rgb", t / 2 ? ", interlaced" : "");
        CHECK(rc == 0 && ok && info.depth == 16 && info.channels == ns + 1,
              name, "rc %d %s", rc, err);
        free(s);
        free(raw);
    }
}

/* test_keep16_8bit_sources - keep16 leaves 8-bit and palette files at 8 bits. */
static void test_keep16_8bit_sources(void)
{
    static const struct img_open_opts keep = { .keep16 = 1 };
    char err[ERR_MAX] = "";
    uint8_t *pix = noise((size_t)6 * 5 * 3), *got = NULL;
    struct img_info info;
    int rc = write_image(tpath("rgb8.png"), IMG_PNG, 6, 5, 3, NULL, pix, err);

    if (rc == 0)
        rc = read_opts(tpath("rgb8.png"), &keep, &info, &got, err);
    CHECK(rc == 0 && info.depth == 8 && memcmp(got, pix, (size_t)6 * 5 * 3) == 0,
          "keep16 reads an 8-bit png as 8 bits", "rc %d %s", rc, err);
    free(got);
    got = NULL;
    rc = write_image(tpath("rgb8.ppm"), IMG_PNM, 6, 5, 3, NULL, pix, err);
    if (rc == 0)
        rc = read_opts(tpath("rgb8.ppm"), &keep, &info, &got, err);
    CHECK(rc == 0 && info.depth == 8 && memcmp(got, pix, (size_t)6 * 5 * 3) == 0,
          "keep16 reads a maxval 255 pnm as 8 bits", "rc %d %s", rc, err);
    free(got);
    free(pix);
}

/* test_pnm16_roundtrip - 1-4 channels exact, maxval 65535, big-endian bytes. */
static void test_pnm16_roundtrip(void)
{
    static const struct img_open_opts keep = { .keep16 = 1 };
    static const char *heads[5] = { NULL, "P5\n11 6\n65535\n",
        "P7\nWIDTH 11\nHEIGHT 6\nDEPTH 2\nMAXVAL 65535\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n",
        "P6\n11 6\n65535\n",
        "P7\nWIDTH 11\nHEIGHT 6\nDEPTH 4\nMAXVAL 65535\nTUPLTYPE RGB_ALPHA\nENDHDR\n" };
    char err[ERR_MAX] = "", name[80];

    for (int ch = 1; ch <= 4; ch++) {
        size_t n = (size_t)11 * 6 * ch, len = 0, hl = strlen(heads[ch]);
        uint16_t *pix = noise16(n);
        uint8_t *got = NULL, *file = NULL;
        struct img_info info;
        int rc = write16(tpath("rt16.pnm"), IMG_PNM, 11, 6, ch, pix, err), be = 0;

        if (rc == 0)
            file = get_file(tpath("rt16.pnm"), &len);
        if (file != NULL && len == hl + n * 2 && memcmp(file, heads[ch], hl) == 0) {
            be = 1;
            for (size_t i = 0; i < n; i++)
                be &= (file[hl + 2 * i] << 8 | file[hl + 2 * i + 1]) == pix[i];
        }
        snprintf(name, sizeof name, "pnm 16-bit written big-endian, %d channels", ch);
        CHECK(rc == 0 && be, name, "rc %d %s len %zu", rc, err, len);
        if (rc == 0)
            rc = read_opts(tpath("rt16.pnm"), &keep, &info, &got, err);
        snprintf(name, sizeof name, "pnm 16-bit round trip, %d channels", ch);
        CHECK(rc == 0 && info.depth == 16 && info.channels == ch
              && memcmp(got, pix, n * 2) == 0, name, "rc %d %s", rc, err);
        free(pix);
        free(got);
        free(file);
    }
}

/* test_pnm_maxval16 - maxval 1000 scales to 16 bits with keep16, to 8 as
 * before without; maxval 200 stays 8 bits under keep16. */
static void test_pnm_maxval16(void)
{
    static const struct img_open_opts keep = { .keep16 = 1 };
    static const uint16_t v[4] = { 0, 1, 999, 1000 };
    static const uint8_t head[] = "P5\n4 1\n1000\n";
    uint8_t file[sizeof head - 1 + 8], *got = NULL;
    char err[ERR_MAX] = "";
    struct img_info info;
    int ok = 1, rc;

    memcpy(file, head, sizeof head - 1);
    for (int i = 0; i < 4; i++) {
        file[sizeof head - 1 + 2 * i] = (uint8_t)(v[i] >> 8);
        file[sizeof head - 1 + 2 * i + 1] = (uint8_t)v[i];
    }
    rc = put_file(tpath("m1000.pgm"), file, sizeof file);
    if (rc == 0)
        rc = read_opts(tpath("m1000.pgm"), &keep, &info, &got, err);
    for (int i = 0; rc == 0 && i < 4; i++)
        ok &= ((uint16_t *)got)[i] == (uint16_t)((v[i] * 65535u + 500) / 1000);
    CHECK(rc == 0 && ok && info.depth == 16 && ((uint16_t *)got)[3] == 65535
          && ((uint16_t *)got)[1] == 66, "pnm maxval 1000 scales to 16 bits, rounded",
          "rc %d %s", rc, err);
    free(got);
    got = NULL;
    rc = read_image(tpath("m1000.pgm"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.depth == 8 && got[0] == 0 && got[1] == 0 && got[2] == 255
          && got[3] == 255, "pnm maxval 1000 without keep16 gives 8 bits as before",
          "rc %d %s", rc, err);
    free(got);
    got = NULL;
    rc = put_file(tpath("m200.pgm"), "P5\n2 1\n200\n\144\310", 13);
    if (rc == 0)
        rc = read_opts(tpath("m200.pgm"), &keep, &info, &got, err);
    CHECK(rc == 0 && info.depth == 8 && got[0] == 128 && got[1] == 255,
          "pnm maxval 200 under keep16 stays 8 bits", "rc %d %s", rc, err);
    free(got);
}

/* test_jpeg16 - 16-bit rows written as JPEG equal the same rows reduced
 * to 8 bits first, byte for byte. */
static void test_jpeg16(void)
{
    size_t n = (size_t)20 * 12 * 3, l16 = 0, l8 = 0;
    uint8_t *p8 = smooth(20, 12, 3), *f16 = NULL, *f8 = NULL;
    uint16_t *p16 = malloc(n * sizeof *p16);
    char err[ERR_MAX] = "";
    int rc = -1;

    if (p8 != NULL && p16 != NULL) {
        for (size_t i = 0; i < n; i++)
            p16[i] = (uint16_t)(p8[i] * 257 + (i % 3 == 0 ? 100 : i % 3 == 1 ? -100 : 0));
        for (size_t i = 0; i < n; i++)
            p8[i] = (uint8_t)((p16[i] * 255u + 32767) / 65535);
        rc = write16(tpath("d16.jpg"), IMG_JPEG, 20, 12, 3, p16, err);
        if (rc == 0)
            rc = write_image(tpath("d8.jpg"), IMG_JPEG, 20, 12, 3, NULL, p8, err);
        f16 = get_file(tpath("d16.jpg"), &l16);
        f8 = get_file(tpath("d8.jpg"), &l8);
    }
    CHECK(rc == 0 && f16 && f8 && l16 == l8 && memcmp(f16, f8, l8) == 0,
          "jpeg from 16-bit rows equals jpeg from the rounded 8-bit rows",
          "rc %d %s", rc, err);
    free(p8);
    free(p16);
    free(f16);
    free(f8);
}

/* test_write_depth_args - depth 0 means 8; depths other than 8/16 refused. */
static void test_write_depth_args(void)
{
    struct img_write_opts o;
    uint8_t pix[3 * 2] = { 1, 2, 3, 4, 5, 6 }, *got = NULL;
    char err[ERR_MAX] = "";
    struct img_info info;
    FILE *f = fopen(tpath("bad.png"), "wb");
    img_writer *w = NULL;
    int rc;

    img_default_opts(&o);
    CHECK(o.depth == 8, "img_default_opts sets depth 8", "depth %d", o.depth);
    o.depth = 12;
    if (f != NULL)
        w = img_create(f, "bad.png", IMG_PNG, 2, 1, 3, &o, err);
    CHECK(w == NULL && has(err, "depth 12"), "img_create refuses depth 12", "%s", err);
    img_abandon(w);
    if (f != NULL)
        fclose(f);
    o.depth = 0;
    rc = write_image(tpath("d0.png"), IMG_PNG, 2, 1, 3, &o, pix, err);
    if (rc == 0)
        rc = read_image(tpath("d0.png"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.depth == 8 && info.src_depth == 8 && memcmp(got, pix, 6) == 0,
          "write depth 0 means 8", "rc %d %s", rc, err);
    free(got);
}

/* test_netpbm16 - the tile helpers: a 16-bit header and the byte swap. */
static void test_netpbm16(void)
{
    char buf[128] = "", err[ERR_MAX] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    uint8_t s[4] = { 0x12, 0x34, 0xab, 0xcd };
    uint16_t v;
    struct pnm_header h;
    int rc = -1;

    if (f != NULL) {
        rc = pnm_write_header_depth(f, "t.ppm", 3, 2, 3, 16, err);
        fclose(f);
    }
    CHECK(rc == 0 && strcmp(buf, "P6\n3 2\n65535\n") == 0,
          "pnm_write_header_depth 16 writes maxval 65535", "rc %d \"%s\"", rc, buf);
    if ((f = fmemopen(buf, strlen(buf), "r")) != NULL) {
        rc = pnm_read_header(f, "t.ppm", &h, err);
        fclose(f);
    }
    CHECK(rc == 0 && h.maxval == 65535 && h.channels == 3, "16-bit tile header reads back",
          "rc %d %s", rc, err);
    if ((f = fmemopen(buf, sizeof buf, "w")) != NULL) {
        rc = pnm_write_header_depth(f, "t.pgm", 3, 2, 1, 12, err);
        fclose(f);
    }
    CHECK(rc == -1 && has(err, "12-bit"), "pnm_write_header_depth refuses 12 bits", "%s", err);
    pnm_swap16(s, 2);
    memcpy(&v, s, 2);
    CHECK(v == 0x1234, "pnm_swap16 turns big-endian into host order", "0x%04x", v);
    pnm_swap16(s, 2);
    CHECK(s[0] == 0x12 && s[1] == 0x34 && s[2] == 0xab && s[3] == 0xcd,
          "pnm_swap16 twice is the identity", "%02x %02x", s[0], s[1]);
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (make_dir("test_image16") != 0)
        return 1;
    test_png16_roundtrip();
    test_png16_trns();
    test_keep16_8bit_sources();
    test_pnm16_roundtrip();
    test_pnm_maxval16();
    test_jpeg16();
    test_write_depth_args();
    test_netpbm16();
    cleanup();
    CHECK_DONE();
}
