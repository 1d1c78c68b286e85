/*
 * test_image_jpeg.c - unit tests for the JPEG reader and writer (image.h).
 *
 * Grayscale, RGB, progressive, CMYK and YCCK inputs are written here
 * directly with libjpeg, not with our writer, so that the reader is
 * checked independently.  Our writer is checked by round trips (within a
 * lossy tolerance), determinism and the quality option.  Truncated,
 * corrupt and too large files must give errors, never padding; alpha
 * cannot be written.  Everything lives in a private temporary directory,
 * removed at the end.  The test_* functions return nothing: each reports
 * through CHECK.
 */
#include "check.h"
#include "imagetest.h"

#include <jpeglib.h>

/* --- JPEG ---------------------------------------------------------------- */

struct jpeg_case {
    int components;
    J_COLOR_SPACE in, store;    /* store JCS_UNKNOWN: libjpeg's default */
    int progressive, adobe, quality;
};

/* jpeg_direct - writes w x h pix with plain libjpeg; returns 0 or -1. */
static int jpeg_direct(const char *path, uint32_t w, uint32_t h,
                       const struct jpeg_case *c, const uint8_t *pix)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        return -1;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = w;
    ci.image_height = h;
    ci.input_components = c->components;
    ci.in_color_space = c->in;
    jpeg_set_defaults(&ci);
    if (c->store != JCS_UNKNOWN)
        jpeg_set_colorspace(&ci, c->store);
    jpeg_set_quality(&ci, c->quality, TRUE);
    if (c->progressive)
        jpeg_simple_progression(&ci);
    if (c->adobe >= 0)
        ci.write_Adobe_marker = c->adobe;
    jpeg_start_compress(&ci, TRUE);
    for (uint32_t y = 0; y < h; y++) {
        JSAMPROW row = (JSAMPROW)(pix + (size_t)y * w * c->components);
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    return fclose(f) == 0 ? 0 : -1;
}

/* test_jpeg_roundtrip - our writer, gray and RGB, baseline and progressive. */
static void test_jpeg_roundtrip(void)
{
    char err[ERR_MAX] = "", name[96];

    for (int ch = 1; ch <= 3; ch += 2)
        for (int prog = 0; prog <= 1; prog++) {
            struct img_write_opts o;
            struct img_info info;
            uint8_t *pix = smooth(67, 45, ch), *got = NULL, *a, *b;
            size_t la = 0, lb = 0;
            int rc, d = -1;

            img_default_opts(&o);
            o.jpeg_progressive = prog;
            rc = write_image(tpath("rt.jpg"), IMG_JPEG, 67, 45, ch, &o, pix, err);
            if (rc == 0)
                rc = read_image(tpath("rt.jpg"), 0, 8, &info, &got, err);
            if (rc == 0)
                d = max_diff(got, pix, (size_t)67 * 45 * ch);
            snprintf(name, sizeof name, "jpeg round trip %d channels%s", ch,
                     prog ? " progressive" : "");
            CHECK(rc == 0 && info.channels == ch && info.width == 67 && info.height == 45
                  && info.interlaced == prog && info.format == IMG_JPEG
                  && strcmp(info.src_color, ch == 1 ? "gray" : "ycbcr") == 0
                  && d >= 0 && d <= 12, name, "rc %d %s, max diff %d", rc, err, d);
            write_image(tpath("rt2.jpg"), IMG_JPEG, 67, 45, ch, &o, pix, err);
            a = get_file(tpath("rt.jpg"), &la);
            b = get_file(tpath("rt2.jpg"), &lb);
            snprintf(name, sizeof name, "jpeg output deterministic %d channels%s", ch,
                     prog ? " progressive" : "");
            CHECK(a && b && la == lb && la > 0 && memcmp(a, b, la) == 0, name,
                  "%zu vs %zu bytes", la, lb);
            free(a);
            free(b);
            free(got);
            free(pix);
        }
}

/* test_jpeg_quality - the quality option changes the output. */
static void test_jpeg_quality(void)
{
    struct img_write_opts o;
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(64 * 64 * 3);
    size_t l10 = 0, l95 = 0;

    img_default_opts(&o);
    o.jpeg_quality = 10;
    write_image(tpath("q10.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    o.jpeg_quality = 95;
    write_image(tpath("q95.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    free(get_file(tpath("q10.jpg"), &l10));
    free(get_file(tpath("q95.jpg"), &l95));
    CHECK(l10 > 0 && l95 > 2 * l10, "jpeg quality is applied", "q10 %zu bytes, q95 %zu", l10, l95);
    free(pix);
}

/* test_jpeg_inputs - grayscale and progressive files from plain libjpeg. */
static void test_jpeg_inputs(void)
{
    static const struct { const char *label; struct jpeg_case c; const char *color; } cases[] = {
        { "gray", { 1, JCS_GRAYSCALE, JCS_UNKNOWN, 0, -1, 95 }, "gray" },
        { "progressive rgb", { 3, JCS_RGB, JCS_UNKNOWN, 1, -1, 95 }, "ycbcr" },
        { "progressive gray", { 1, JCS_GRAYSCALE, JCS_UNKNOWN, 1, -1, 95 }, "gray" },
        { "rgb stored as rgb", { 3, JCS_RGB, JCS_RGB, 0, -1, 95 }, "rgb" },
    };
    char err[ERR_MAX] = "", name[96];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct jpeg_case *c = &cases[i].c;
        struct img_info info;
        uint8_t *pix = smooth(50, 30, c->components), *got = NULL;
        int rc = -1, d = -1;

        if (jpeg_direct(tpath("in.jpg"), 50, 30, c, pix) == 0)
            rc = read_image(tpath("in.jpg"), 0, 7, &info, &got, err);
        if (rc == 0 && info.channels == c->components)
            d = max_diff(got, pix, (size_t)50 * 30 * c->components);
        snprintf(name, sizeof name, "jpeg input %s", cases[i].label);
        CHECK(rc == 0 && info.channels == c->components && info.interlaced == c->progressive
              && info.src_depth == 8 && strcmp(info.src_color, cases[i].color) == 0
              && d >= 0 && d <= 8, name, "rc %d %s, ch %d color %s, max diff %d",
              rc, err, info.channels, info.src_color, d);
        free(pix);
        free(got);
    }
}

/* test_jpeg_cmyk - CMYK and YCCK are converted to RGB. */
static void test_jpeg_cmyk(void)
{
    static const struct { const char *label; struct jpeg_case c; int inverted; const char *color; } cases[] = {
        { "cmyk adobe (inverted)", { 4, JCS_CMYK, JCS_CMYK, 0, 1, 100 }, 1, "cmyk" },
        { "cmyk no adobe marker", { 4, JCS_CMYK, JCS_CMYK, 0, 0, 100 }, 0, "cmyk" },
        { "ycck adobe", { 4, JCS_CMYK, JCS_YCCK, 0, 1, 100 }, 1, "ycck" },
    };
    const uint32_t w = 48, h = 32;
    char err[ERR_MAX] = "", name[96];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *rgb = smooth(w, h, 3), *cmyk = malloc((size_t)w * h * 4);
        uint8_t *want = malloc((size_t)w * h * 3), *got = NULL;
        struct img_info info;
        int rc = -1, d = -1;

        for (size_t p = 0; p < (size_t)w * h; p++) {
            unsigned k = 255 - (unsigned)(p % w) * 2;     /* ink-free share, 255..161 */

            for (int c = 0; c < 3; c++) {
                cmyk[p * 4 + c] = cases[i].inverted ? rgb[p * 3 + c] : 255 - rgb[p * 3 + c];
                want[p * 3 + c] = (uint8_t)((rgb[p * 3 + c] * k + 127) / 255);
            }
            cmyk[p * 4 + 3] = (uint8_t)(cases[i].inverted ? k : 255 - k);
        }
        if (jpeg_direct(tpath("cmyk.jpg"), w, h, &cases[i].c, cmyk) == 0)
            rc = read_image(tpath("cmyk.jpg"), 0, 5, &info, &got, err);
        if (rc == 0 && info.channels == 3)
            d = max_diff(got, want, (size_t)w * h * 3);
        snprintf(name, sizeof name, "jpeg %s to rgb", cases[i].label);
        CHECK(rc == 0 && info.channels == 3 && strcmp(info.src_color, cases[i].color) == 0
              && d >= 0 && d <= 6, name, "rc %d %s, color %s, max diff %d",
              rc, err, info.src_color, d);
        free(rgb);
        free(cmyk);
        free(want);
        free(got);
    }
}

/* same_pixels - returns 1 if paths a and b decode to the same image. */
static int same_pixels(const char *a, const char *b, char *err)
{
    struct img_info ia, ib;
    uint8_t *pa = NULL, *pb = NULL;
    int same = read_image(a, 0, 9, &ia, &pa, err) == 0
               && read_image(b, 0, 9, &ib, &pb, err) == 0
               && ia.width == ib.width && ia.height == ib.height
               && ia.channels == ib.channels
               && memcmp(pa, pb, (size_t)ia.width * ia.height * ia.channels) == 0;

    free(pa);
    free(pb);
    return same;
}

/* patch_sof2 - copies the progressive JPEG src to dst claiming side x side
 * pixels; returns 0 or -1. */
static int patch_sof2(const char *src, const char *dst, uint16_t side)
{
    size_t len = 0, i;
    uint8_t *p = get_file(src, &len);
    int rc = -1;

    for (i = 0; p != NULL && i + 9 < len; i++)
        if (p[i] == 0xff && p[i + 1] == 0xc2)
            break;
    if (p != NULL && i + 9 < len) {
        p[i + 5] = p[i + 7] = (uint8_t)(side >> 8);
        p[i + 6] = p[i + 8] = (uint8_t)side;
        rc = put_file(dst, p, len);
    }
    free(p);
    return rc;
}

/* test_jpeg_broken - truncated and corrupt JPEGs are errors, never padding. */
static void test_jpeg_broken(void)
{
    struct img_write_opts o;
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(64 * 64 * 3);
    static const uint8_t eoi[2] = { 0xff, 0xd9 };
    static const uint8_t com[7] = { 0xff, 0xfe, 0, 16, 'a', 'b', 'c' };
    static const uint8_t junk[34] = { [32] = 0xff, [33] = 0xd9 };
    size_t len = 0;
    img_reader *r;

    img_default_opts(&o);
    write_image(tpath("ok.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    free(get_file(tpath("ok.jpg"), &len));
    truncate_copy(tpath("ok.jpg"), tpath("half.jpg"), len / 2, NULL, 0);
    CHECK(expect_read_error(tpath("half.jpg"), "half.jpg: jpeg: Premature end of JPEG file", err),
          "jpeg cut in half", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("noeoi.jpg"), len - 2, NULL, 0);
    CHECK(expect_read_error(tpath("noeoi.jpg"), "Premature end of JPEG file", err),
          "jpeg without EOI", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("early.jpg"), len / 2, eoi, 2);
    CHECK(expect_read_error(tpath("early.jpg"), "Corrupt JPEG data", err),
          "jpeg with EOI in mid-scan", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("com.jpg"), len - 2, com, sizeof com);
    CHECK(expect_read_error(tpath("com.jpg"), "Premature end of JPEG file", err),
          "jpeg cut in a marker after the scan", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("junk.jpg"), len - 2, junk, sizeof junk);
    CHECK(same_pixels(tpath("ok.jpg"), tpath("junk.jpg"), err),
          "jpeg with junk bytes before EOI is accepted", "%s", err);
    truncate_copy(tpath("ok.jpg"), tpath("head.jpg"), 30, NULL, 0);
    CHECK(expect_read_error(tpath("head.jpg"), "head.jpg: jpeg: ", err),
          "jpeg cut in the header", "%s", err);

    o.jpeg_progressive = 1;
    write_image(tpath("prog.jpg"), IMG_JPEG, 64, 64, 3, &o, pix, err);
    free(get_file(tpath("prog.jpg"), &len));
    truncate_copy(tpath("prog.jpg"), tpath("proghalf.jpg"), len / 2, NULL, 0);
    r = img_open(tpath("proghalf.jpg"), 0, &info, err);
    CHECK(r == NULL && has(err, "Premature end of JPEG file"),
          "progressive jpeg cut in half fails at open", "%s", err);
    img_close(r);
    /* 20000x20000 progressive: the coefficient buffer would be 1.2 GB */
    CHECK(patch_sof2(tpath("prog.jpg"), tpath("big.jpg"), 20000) == 0
          && (r = img_open(tpath("big.jpg"), 1 << 20, &info, err)) == NULL
          && has(err, "20000x20000 = 400000000 pixels, over the limit"),
          "huge progressive jpeg refused before decoding", "%s", err);
    img_close(r);

    r = img_open(tpath("ok.jpg"), 64 * 64 - 1, &info, err);
    CHECK(r == NULL && has(err, "ok.jpg: image is 64x64 = 4096 pixels, over the limit of 4095"),
          "jpeg over max_pixels refused", "%s", err);
    r = img_open(tpath("ok.jpg"), 64 * 64, &info, err);
    CHECK(r != NULL, "jpeg at max_pixels accepted", "%s", err);
    img_close(r);
    free(pix);
}

/* test_jpeg_refuse_alpha - 2 and 4 channels cannot be written as JPEG. */
static void test_jpeg_refuse_alpha(void)
{
    char err[ERR_MAX] = "";
    FILE *f = fopen(tpath("alpha.jpg"), "wb");
    img_writer *w2, *w4;
    long len;

    if (f == NULL)
        return;
    w2 = img_create(f, "a.jpg", IMG_JPEG, 8, 8, 2, NULL, err);
    int ok2 = w2 == NULL && has(err, "a.jpg: jpeg: cannot write 2 channels: JPEG has no alpha");
    w4 = img_create(f, "a.jpg", IMG_JPEG, 8, 8, 4, NULL, err);
    int ok4 = w4 == NULL && has(err, "cannot write 4 channels");
    len = ftell(f);
    img_abandon(w2);
    img_abandon(w4);
    fclose(f);
    CHECK(ok2 && ok4 && len == 0, "jpeg refuses 2 and 4 channels, writes nothing",
          "%s (len %ld)", err, len);
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (make_dir("test_image_jpeg") != 0)
        return 1;
    test_jpeg_roundtrip();
    test_jpeg_quality();
    test_jpeg_inputs();
    test_jpeg_cmyk();
    test_jpeg_broken();
    test_jpeg_refuse_alpha();
    cleanup();
    CHECK_DONE();
}
