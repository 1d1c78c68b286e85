/*
 * test_image_exif.c - unit tests for what img_open_opts_fp() reports beyond
 * pixels: the EXIF orientation of JPEG (APP1) and PNG (eXIf) files, and
 * JPEG shrink-on-load (image.h); and img_exif_set_orientation, which
 * patches the tag in place, on blocks of both byte orders.
 *
 * Exif blocks are built here with libexif, and the JPEG and PNG files
 * carrying them are written with plain libjpeg and libpng, so the reader
 * is checked independently.  Malformed blocks (cut short, garbage, bad
 * values, random damage) must give orientation 1, a "malformed Exif"
 * note, and a readable image; the random damage runs under ASan in the
 * sanitizer build.  Shrink-on-load must give ceil(W/N) x ceil(H/N) and
 * pixels close to a full decode averaged over N x N boxes.  Everything
 * lives in a private temporary directory, removed at the end.  The
 * test_* functions return nothing: each reports through CHECK.
 */
#include "check.h"
#include "imagetest.h"
#include "image_impl.h"

#include <jpeglib.h>
#include <libexif/exif-data.h>
#include <png.h>
#include <setjmp.h>

/* exif_block - returns an APP1 payload ("Exif\0\0" + TIFF) with IFD0
 * Orientation o in byte order bo, length in *len (caller frees with free). */
static uint8_t *exif_block(int o, ExifByteOrder bo, size_t *len)
{
    ExifData *ed = exif_data_new();
    ExifEntry *e = exif_entry_new();
    unsigned char *buf = NULL;
    unsigned int n = 0;
    uint8_t *out = NULL;

    if (ed == NULL || e == NULL)
        goto done;
    exif_data_set_byte_order(ed, bo);
    exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
    exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
    exif_set_short(e->data, bo, (ExifShort)o);
    exif_data_save_data(ed, &buf, &n);
    if (buf != NULL && (out = malloc(n)) != NULL) {
        memcpy(out, buf, n);
        *len = n;
    }
done:
    free(buf);
    if (e != NULL)
        exif_entry_unref(e);
    if (ed != NULL)
        exif_data_unref(ed);
    return out;
}

struct marker {
    int code;                   /* JPEG_APP0 + n; 0 ends a list */
    const uint8_t *data;
    size_t len;
};

/* jpeg_with - writes a w x h smooth RGB JPEG carrying the markers mk
 * (NULL = none) with plain libjpeg; returns 0 or -1. */
static int jpeg_with(const char *path, uint32_t w, uint32_t h, const struct marker *mk)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    uint8_t *pix = smooth(w, h, 3);
    FILE *f = fopen(path, "wb");

    if (pix == NULL || f == NULL) {
        free(pix);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = w;
    ci.image_height = h;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_start_compress(&ci, TRUE);
    for (; mk != NULL && mk->code != 0; mk++)
        jpeg_write_marker(&ci, mk->code, mk->data, (unsigned)mk->len);
    for (uint32_t y = 0; y < h; y++) {
        JSAMPROW row = pix + (size_t)y * w * 3;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(pix);
    return fclose(f) == 0 ? 0 : -1;
}

/* jpeg_exif - writes a small JPEG with one Exif APP1 of len bytes; returns 0 or -1. */
static int jpeg_exif(const char *path, const uint8_t *data, size_t len)
{
    struct marker mk[2] = { { JPEG_APP0 + 1, data, len }, { 0, NULL, 0 } };

    return jpeg_with(path, 9, 7, mk);
}

/* png_exif - writes a small RGB PNG with the TIFF part of an Exif block
 * (data without its 6-byte prefix) as eXIf before IDAT, or after it if
 * `after`; returns 0 or -1. */
static int png_exif(const char *path, const uint8_t *data, size_t len, int after)
{
    FILE *f = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png), end = png_create_info_struct(png);
    uint8_t *pix = smooth(5, 4, 3);
    volatile int rc = -1;

    if (f != NULL && pix != NULL && setjmp(png_jmpbuf(png)) == 0) {
        png_init_io(png, f);
        png_set_IHDR(png, info, 5, 4, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_eXIf_1(png, after ? end : info, (png_uint_32)(len - 6),
                       (png_bytep)data + 6);
        png_write_info(png, info);
        for (uint32_t y = 0; y < 4; y++)
            png_write_row(png, pix + y * 15);
        png_write_end(png, end);
        rc = 0;
    }
    png_destroy_info_struct(png, &end);
    png_destroy_write_struct(&png, &info);
    free(pix);
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    return rc;
}

/* open_info - opens path with o, reads every row; returns 0 or -1 with
 * *info filled. */
static int open_info(const char *path, const struct img_open_opts *o,
                     struct img_info *info, char *err)
{
    img_reader *r = img_open_opts_path(path, o, info, err);
    uint8_t *row;
    int rc = 0;

    if (r == NULL)
        return -1;
    row = malloc((size_t)info->width * info->channels * (info->depth / 8));
    for (uint32_t y = 0; rc == 0 && y < info->height; y++)
        rc = row == NULL ? -1 : img_read_rows(r, row, 1, err);
    free(row);
    img_close(r);
    return rc;
}

/* test_jpeg_orientation - 1-8 in both byte orders. */
static void test_jpeg_orientation(void)
{
    char err[ERR_MAX] = "", name[80];

    for (int bo = 0; bo < 2; bo++)
        for (int o = 1; o <= 8; o++) {
            size_t len = 0;
            ExifByteOrder order = bo ? EXIF_BYTE_ORDER_MOTOROLA : EXIF_BYTE_ORDER_INTEL;
            uint8_t *b = exif_block(o, order, &len);
            struct img_info info;
            int rc = b != NULL ? jpeg_exif(tpath("o.jpg"), b, len) : -1;

            if (rc == 0)
                rc = open_info(tpath("o.jpg"), NULL, &info, err);
            snprintf(name, sizeof name, "jpeg orientation %d (%s)", o, bo ? "MM" : "II");
            CHECK(rc == 0 && info.orientation == o && strcmp(info.metadata, "Exif") == 0,
                  name, "rc %d %s orientation %d \"%s\"", rc, err, info.orientation,
                  info.metadata);
            free(b);
        }
}

/* test_jpeg_no_exif - no APP1, XMP only, and a second Exif block. */
static void test_jpeg_no_exif(void)
{
    static const uint8_t xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>";
    size_t l6 = 0, l3 = 0;
    uint8_t *six = exif_block(6, EXIF_BYTE_ORDER_INTEL, &l6);
    uint8_t *three = exif_block(3, EXIF_BYTE_ORDER_MOTOROLA, &l3);
    struct marker x[2] = { { JPEG_APP0 + 1, xmp, sizeof xmp }, { 0, NULL, 0 } };
    struct marker two[4] = { { JPEG_APP0 + 1, six, l6 }, { JPEG_APP0 + 1, xmp, sizeof xmp },
                             { JPEG_APP0 + 1, three, l3 }, { 0, NULL, 0 } };
    char err[ERR_MAX] = "";
    struct img_info info;
    int rc = jpeg_with(tpath("plain.jpg"), 9, 7, NULL);

    if (rc == 0)
        rc = open_info(tpath("plain.jpg"), NULL, &info, err);
    CHECK(rc == 0 && info.orientation == 1 && info.metadata[0] == '\0',
          "jpeg without Exif: orientation 1", "rc %d %s %d", rc, err, info.orientation);
    rc = jpeg_with(tpath("xmp.jpg"), 9, 7, x);
    if (rc == 0)
        rc = open_info(tpath("xmp.jpg"), NULL, &info, err);
    CHECK(rc == 0 && info.orientation == 1 && strcmp(info.metadata, "XMP") == 0,
          "jpeg with XMP only: orientation 1", "rc %d %s \"%s\"", rc, err, info.metadata);
    rc = six && three ? jpeg_with(tpath("two.jpg"), 9, 7, two) : -1;
    if (rc == 0)
        rc = open_info(tpath("two.jpg"), NULL, &info, err);
    CHECK(rc == 0 && info.orientation == 6 && strcmp(info.metadata, "Exif, XMP") == 0,
          "jpeg with two Exif blocks: the first one's orientation", "rc %d %s %d \"%s\"",
          rc, err, info.orientation, info.metadata);
    free(six);
    free(three);
}

/* expect_malformed - returns 1 if a JPEG carrying data reads fully with
 * orientation 1 and the malformed note (or no note when the damage left
 * a block without orientation: `note` 0). */
static int expect_malformed(const uint8_t *data, size_t len, int note, char *err)
{
    struct img_info info;
    int rc = jpeg_exif(tpath("bad.jpg"), data, len);

    if (rc == 0)
        rc = open_info(tpath("bad.jpg"), NULL, &info, err);
    return rc == 0 && info.orientation == 1
           && (!note || strcmp(info.metadata, "malformed Exif") == 0);
}

/* test_jpeg_malformed - cut, garbage, value 9, wrong type: orientation 1. */
static void test_jpeg_malformed(void)
{
    static const uint8_t garbage[] = "Exif\0\0QQ\0*\0\0\0\10garbage and more garbage";
    /* TIFF "MM", IFD at 8 with one entry: Orientation (0x112), type LONG, value 6 */
    static const uint8_t as_long[] = "Exif\0\0MM\0*\0\0\0\10\0\1\1\22\0\4\0\0\0\1\0\0\0\6\0\0\0\0";
    static const uint8_t nine[] = "Exif\0\0MM\0*\0\0\0\10\0\1\1\22\0\3\0\0\0\1\0\11\0\0\0\0\0\0";
    static const uint8_t six[] = "Exif\0\0MM\0*\0\0\0\10\0\1\1\22\0\3\0\0\0\1\0\6\0\0\0\0\0\0";
    char err[ERR_MAX] = "";
    size_t len = 0;
    uint8_t *b = exif_block(8, EXIF_BYTE_ORDER_INTEL, &len);
    struct img_info info;
    int rc;

    CHECK(b != NULL && expect_malformed(b, 20, 1, err), "jpeg Exif cut short: orientation 1",
          "%s", err);
    CHECK(expect_malformed(garbage, sizeof garbage - 1, 1, err),
          "jpeg Exif of garbage: orientation 1, noted", "%s", err);
    CHECK(expect_malformed(nine, sizeof nine - 1, 1, err),
          "jpeg Exif orientation 9: orientation 1, noted", "%s", err);
    CHECK(expect_malformed(as_long, sizeof as_long - 1, 1, err),
          "jpeg Exif orientation as LONG: orientation 1, noted", "%s", err);
    rc = jpeg_exif(tpath("six.jpg"), six, sizeof six - 1);
    if (rc == 0)
        rc = open_info(tpath("six.jpg"), NULL, &info, err);
    CHECK(rc == 0 && info.orientation == 6, "jpeg hand-made Exif block: orientation 6",
          "rc %d %s %d \"%s\"", rc, err, info.orientation, info.metadata);
    free(b);
}

/* test_jpeg_damaged - random damage to a valid block never crashes and
 * never gives an orientation outside 1-8 (ASan watches the parse). */
static void test_jpeg_damaged(void)
{
    char err[ERR_MAX] = "";
    size_t len = 0;
    uint8_t *b = exif_block(5, EXIF_BYTE_ORDER_MOTOROLA, &len), *d = malloc(len + 1);
    int ok = b != NULL && d != NULL, tried = 0;

    for (int i = 0; ok && i < 60; i++, tried++) {
        struct img_info info;

        memcpy(d, b, len);
        for (int k = 0; k < 1 + i % 4; k++)
            d[6 + rnd() % (len - 6)] = (uint8_t)rnd();
        if (jpeg_exif(tpath("dmg.jpg"), d, len - (i % 3 == 0 ? rnd() % (len - 6) : 0)) < 0
            || open_info(tpath("dmg.jpg"), NULL, &info, err) < 0
            || info.orientation < 1 || info.orientation > 8)
            ok = 0;
    }
    CHECK(ok, "jpeg with randomly damaged Exif reads, orientation 1-8",
          "after %d files: %s", tried, err);
    free(b);
    free(d);
}

/* test_set_orientation - img_exif_set_orientation on blocks of both byte
 * orders, without the tag, and cut short; returns nothing. */
static void test_set_orientation(void)
{
    static const ExifByteOrder orders[2] = { EXIF_BYTE_ORDER_INTEL, EXIF_BYTE_ORDER_MOTOROLA };
    static const char *const names[2] = { "little-endian", "big-endian" };
    char name[128];

    for (int i = 0; i < 2; i++) {
        size_t len = 0;
        uint8_t *b = exif_block(6, orders[i], &len);
        int rc;

        if (b == NULL || len < 14) {
            CHECK(0, "set orientation: build a block", "libexif failed");
            free(b);
            continue;
        }
        /* the TIFF structure after "Exif\0\0", as struct img_meta holds it */
        rc = img_exif_set_orientation(b + 6, len - 6, 1);
        snprintf(name, sizeof name, "set orientation: %s 6 becomes 1", names[i]);
        CHECK(rc == 1 && img_exif_orientation(b + 6, len - 6, 1) == 1, name, "rc %d, reads %d",
              rc, img_exif_orientation(b + 6, len - 6, 1));
        rc = img_exif_set_orientation(b + 6, len - 6, 8);
        snprintf(name, sizeof name, "set orientation: %s 1 becomes 8", names[i]);
        CHECK(rc == 1 && img_exif_orientation(b + 6, len - 6, 1) == 8, name, "rc %d", rc);
        snprintf(name, sizeof name, "set orientation: %s block cut short is malformed",
                 names[i]);
        CHECK(img_exif_set_orientation(b + 6, 12, 1) == -1, name, "not refused");
        free(b);
    }
    {
        /* a TIFF header and an IFD0 of one entry, ImageWidth: no orientation */
        uint8_t t[26] = { 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0, 1, 3, 0, 1, 0, 0, 0,
                          64, 0, 0, 0, 0, 0, 0, 0 };
        uint8_t before[26];

        memcpy(before, t, sizeof t);
        CHECK(img_exif_set_orientation(t, sizeof t, 1) == 0 && memcmp(t, before, sizeof t) == 0,
              "set orientation: a block without the tag is left as it is", "changed");
    }
}

/* test_png_orientation - eXIf before IDAT gives it; after IDAT is ignored. */
static void test_png_orientation(void)
{
    char err[ERR_MAX] = "";
    size_t len = 0;
    uint8_t *b = exif_block(7, EXIF_BYTE_ORDER_INTEL, &len);
    struct img_info info;
    int rc = b != NULL ? png_exif(tpath("o.png"), b, len, 0) : -1;

    if (rc == 0)
        rc = open_info(tpath("o.png"), NULL, &info, err);
    CHECK(rc == 0 && info.orientation == 7 && strcmp(info.metadata, "Exif") == 0,
          "png eXIf orientation 7", "rc %d %s %d \"%s\"", rc, err, info.orientation,
          info.metadata);
    rc = b != NULL ? png_exif(tpath("late.png"), b, len, 1) : -1;
    if (rc == 0)
        rc = open_info(tpath("late.png"), NULL, &info, err);
    CHECK(rc == 0 && info.orientation == 1, "png eXIf after IDAT: read, orientation 1",
          "rc %d %s %d", rc, err, info.orientation);
    if (b != NULL) {
        b[6] = 'X';             /* byte order "XI": libpng refuses the chunk */
        b[7] = 'X';
        rc = png_exif(tpath("bad.png"), b, len, 0);
        if (rc == 0)
            rc = open_info(tpath("bad.png"), NULL, &info, err);
        CHECK(rc == 0 && info.orientation == 1, "png with a bad eXIf: read, orientation 1",
              "rc %d %s %d", rc, err, info.orientation);
    }
    free(b);
}

/* box - returns the mean of the n x n box at (bx, by) of a w x h x ch
 * image, clipped at its edges, channel c. */
static int box(const uint8_t *p, uint32_t w, uint32_t h, int ch, uint32_t bx, uint32_t by,
               int n, int c)
{
    unsigned sum = 0, cnt = 0;

    for (uint32_t y = by * n; y < (by + 1) * n && y < h; y++)
        for (uint32_t x = bx * n; x < (bx + 1) * n && x < w; x++, cnt++)
            sum += p[((size_t)y * w + x) * ch + c];
    return (int)((sum + cnt / 2) / cnt);
}

/* shrunk - reads path at 1/n; returns 0 or -1 with *pix (caller frees). */
static int shrunk(const char *path, int n, struct img_info *info, uint8_t **pix, char *err)
{
    struct img_open_opts o = { .jpeg_shrink = n };
    img_reader *r = img_open_opts_path(path, &o, info, err);
    size_t stride;
    int rc = 0;

    *pix = NULL;
    if (r == NULL)
        return -1;
    stride = (size_t)info->width * info->channels;
    if ((*pix = malloc(stride * info->height)) == NULL)
        rc = -1;
    for (uint32_t y = 0; rc == 0 && y < info->height; y += 2)
        rc = img_read_rows(r, *pix + y * stride,
                           info->height - y < 2 ? info->height - y : 2, err);
    img_close(r);
    return rc;
}

/* test_shrink - ceil sizes for odd dimensions, pixels near a box-shrunk
 * full decode, for RGB and gray, baseline and progressive. */
static void test_shrink(void)
{
    static const int ns[3] = { 2, 4, 8 };
    char err[ERR_MAX] = "", name[96];

    for (int k = 0; k < 4; k++) {
        int ch = k % 2 ? 1 : 3;
        struct img_write_opts wo;
        uint8_t *src = smooth(101, 67, ch), *full = NULL;
        struct img_info fi;
        int rc;

        img_default_opts(&wo);
        wo.jpeg_progressive = k / 2;
        rc = write_image(tpath("s.jpg"), IMG_JPEG, 101, 67, ch, &wo, src, err);
        if (rc == 0)
            rc = read_image(tpath("s.jpg"), 0, 8, &fi, &full, err);
        for (int i = 0; i < 3; i++) {
            int n = ns[i], worst = 0;
            struct img_info info;
            uint8_t *got = NULL;
            int r2 = rc == 0 ? shrunk(tpath("s.jpg"), n, &info, &got, err) : -1;
            uint32_t ew = (101 + n - 1) / n, eh = (67 + n - 1) / n;

            snprintf(name, sizeof name, "jpeg shrink 1/%d of 101x67 (%d channels%s) is %ux%u",
                     n, ch, k / 2 ? ", progressive" : "", ew, eh);
            CHECK(r2 == 0 && info.width == ew && info.height == eh && info.shrink == n
                  && info.full_width == 101 && info.full_height == 67 && info.channels == ch,
                  name, "rc %d %s %ux%u shrink %d", r2, err, info.width, info.height,
                  info.shrink);
            for (uint32_t y = 0; r2 == 0 && y < eh; y++)
                for (uint32_t x = 0; x < ew; x++)
                    for (int c = 0; c < ch; c++) {
                        int d = got[((size_t)y * ew + x) * ch + c]
                                - box(full, 101, 67, ch, x, y, n, c);
                        worst = d < 0 ? -d > worst ? -d : worst : d > worst ? d : worst;
                    }
            snprintf(name, sizeof name, "jpeg shrink 1/%d (%d channels%s) near a box shrink",
                     n, ch, k / 2 ? ", progressive" : "");
            CHECK(r2 == 0 && worst <= 6, name, "largest difference %d", worst);
            free(got);
        }
        free(src);
        free(full);
    }
}

/* test_shrink_other - PNG ignores jpeg_shrink; 3 is refused; the pixel
 * limit applies to the stored size; a tiny image shrinks to ceil sizes. */
static void test_shrink_other(void)
{
    struct img_open_opts o = { .jpeg_shrink = 4 }, three = { .jpeg_shrink = 3 },
                          lim = { .max_pixels = 10, .jpeg_shrink = 8 };
    uint8_t *pix = smooth(13, 5, 3);
    char err[ERR_MAX] = "";
    struct img_info info;
    int rc = write_image(tpath("s.png"), IMG_PNG, 13, 5, 3, NULL, pix, err);

    if (rc == 0)
        rc = open_info(tpath("s.png"), &o, &info, err);
    CHECK(rc == 0 && info.shrink == 1 && info.width == 13 && info.full_width == 13
          && info.full_height == 5, "png ignores jpeg_shrink", "rc %d %s", rc, err);
    rc = write_image(tpath("s2.jpg"), IMG_JPEG, 13, 5, 3, NULL, pix, err);
    CHECK(rc == 0 && open_info(tpath("s2.jpg"), &three, &info, err) == -1
          && has(err, "shrink 3"), "jpeg shrink 3 is refused", "%s", err);
    CHECK(open_info(tpath("s2.jpg"), &lim, &info, err) == -1 && has(err, "65 pixels"),
          "pixel limit counts the stored size under shrink", "%s", err);
    rc = open_info(tpath("s2.jpg"), &(struct img_open_opts){ .jpeg_shrink = 8 }, &info, err);
    CHECK(rc == 0 && info.width == 2 && info.height == 1 && info.full_width == 13,
          "jpeg 13x5 at 1/8 is 2x1", "rc %d %s %ux%u", rc, err, info.width, info.height);
    rc = open_info(tpath("s2.jpg"), NULL, &info, err);
    CHECK(rc == 0 && info.shrink == 1 && info.depth == 8 && info.full_width == 13
          && info.width == 13, "jpeg without shrink: shrink 1, full size", "rc %d %s", rc, err);
    free(pix);
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (make_dir("test_image_exif") != 0)
        return 1;
    test_jpeg_orientation();
    test_jpeg_no_exif();
    test_jpeg_malformed();
    test_jpeg_damaged();
    test_png_orientation();
    test_set_orientation();
    test_shrink();
    test_shrink_other();
    cleanup();
    CHECK_DONE();
}
