/*
 * test_image_gif.c - unit tests for the GIF reader (image.h).
 *
 * GIF files are written here with giflib's encoder, so the expected pixels
 * are known from the indexes and palettes put in: a plain frame, one with
 * a transparent index (RGBA, alpha 0 exactly there), an interlaced one
 * (lines stored in the four passes' order), a local palette, a frame
 * smaller than the screen (background or transparent around it), and
 * frames picked by page.  Broken files are made by patching valid ones:
 * a frame outside the screen, no palette, truncation, corrupt LZW data,
 * a long run of empty extensions.  GIF has no writer.  The test_*
 * functions return nothing: each reports through CHECK.
 */
#include "check.h"
#include "imagetest.h"

#include <gif_lib.h>

#define GW 23
#define GH 17

/* frame - one frame to write: rectangle, palette, transparency, interlace */
struct frame {
    int left, top, w, h;
    int ncolors;            /* local palette's size, 0 = none */
    int trans;              /* transparent index or -1 */
    int interlace;
    uint8_t seed;
};

/* palette_color - returns component c of entry i of the palette made with seed. */
static uint8_t palette_color(uint8_t seed, int i, int c)
{
    return (uint8_t)(seed + i * 37 + c * 91);
}

/* index_at - returns the palette index written at (x, y) of a frame. */
static int index_at(const struct frame *f, int x, int y, int ncolors)
{
    return (x * 3 + y * 5 + f->seed) % ncolors;
}

/* make_map - returns a palette of n entries made with seed (giflib frees it). */
static ColorMapObject *make_map(int n, uint8_t seed)
{
    GifColorType c[256];

    for (int i = 0; i < n; i++) {
        c[i].Red = palette_color(seed, i, 0);
        c[i].Green = palette_color(seed, i, 1);
        c[i].Blue = palette_color(seed, i, 2);
    }
    return GifMakeMapObject(n, c);
}

/* write_gif - writes a GW x GH GIF with a 16-colour global palette (seed 7,
 * background index 3) and the frames; returns 0 or -1. */
static int write_gif(const char *path, const struct frame *fr, int nframes)
{
    int e;
    GifFileType *g = EGifOpenFileName(path, false, &e);
    ColorMapObject *global = make_map(16, 7);
    int rc = 0;

    if (g == NULL || global == NULL)
        return -1;
    EGifSetGifVersion(g, true);
    if (EGifPutScreenDesc(g, GW, GH, 8, 3, global) == GIF_ERROR)
        rc = -1;
    for (int k = 0; k < nframes && rc == 0; k++) {
        const struct frame *f = &fr[k];
        ColorMapObject *local = f->ncolors ? make_map(f->ncolors, f->seed) : NULL;
        int n = f->ncolors ? f->ncolors : 16;
        GifByteType gce[4] = { f->trans >= 0 ? 1 : 0, 0, 0, (GifByteType)(f->trans >= 0 ? f->trans : 0) };
        GifPixelType line[256];

        if (EGifPutExtension(g, GRAPHICS_EXT_FUNC_CODE, 4, gce) == GIF_ERROR
            || EGifPutImageDesc(g, f->left, f->top, f->w, f->h, f->interlace, local) == GIF_ERROR)
            rc = -1;
        for (int i = 0; i < f->h && rc == 0; i++) {
            /* interlaced: lines go in pass order; the row stored i-th is computed */
            static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
            int y = i, k2 = i;
            if (f->interlace)
                for (int p = 0; p < 4; p++) {
                    int cnt = f->h > start[p] ? (f->h - start[p] + step[p] - 1) / step[p] : 0;
                    if (k2 < cnt) {
                        y = start[p] + k2 * step[p];
                        break;
                    }
                    k2 -= cnt;
                }
            for (int x = 0; x < f->w; x++)
                line[x] = (GifPixelType)index_at(f, x, y, n);
            if (EGifPutLine(g, line, f->w) == GIF_ERROR)
                rc = -1;
        }
        GifFreeMapObject(local);
    }
    GifFreeMapObject(global);
    if (EGifCloseFile(g, &e) == GIF_ERROR)
        rc = -1;
    return rc;
}

/* expected - fills want (GW*GH*ch) with what frame f decodes to; returns nothing. */
static void expected(const struct frame *f, int ch, uint8_t *want)
{
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++) {
            uint8_t *px = want + ((size_t)y * GW + x) * ch;
            int in = x >= f->left && x < f->left + f->w && y >= f->top && y < f->top + f->h;
            if (!in) {
                for (int c = 0; c < 3; c++)
                    px[c] = ch == 4 ? 0 : palette_color(7, 3, c);
                if (ch == 4)
                    px[3] = 0;
                continue;
            }
            int n = f->ncolors ? f->ncolors : 16;
            uint8_t seed = f->ncolors ? f->seed : 7;
            int i = index_at(f, x - f->left, y - f->top, n);
            for (int c = 0; c < 3; c++)
                px[c] = palette_color(seed, i, c);
            if (ch == 4)
                px[3] = i == f->trans ? 0 : 255;
        }
}

/* check_case - writes the frames, reads page, compares with frame `page`. */
static void check_case(const char *label, const struct frame *fr, int nframes, int page)
{
    char err[ERR_MAX] = "", name[128];
    struct img_info info;
    struct img_open_opts o = { .page = (uint32_t)page };
    const struct frame *f = &fr[page];
    int ch = f->trans >= 0 ? 4 : 3;
    uint8_t *pix = malloc((size_t)GW * GH * 4), *want = malloc((size_t)GW * GH * 4);
    img_reader *r = NULL;
    int rc = -1;

    if (write_gif(tpath("c.gif"), fr, nframes) == 0
        && (r = img_open_opts_path(tpath("c.gif"), &o, &info, err)) != NULL)
        rc = img_read_rows(r, pix, 5, err) == 0 && img_read_rows(r, pix + 5 * GW * ch, GH - 5, err) == 0
             ? 0 : -1;
    snprintf(name, sizeof name, "gif %s: reads", label);
    CHECK(rc == 0, name, "%s", err);
    if (rc == 0) {
        snprintf(name, sizeof name, "gif %s: %dx%d, %d channels", label, GW, GH, ch);
        CHECK(info.width == GW && info.height == GH && info.channels == ch
              && info.format == IMG_GIF && info.interlaced == f->interlace, name,
              "%ux%u ch %d interlaced %d", info.width, info.height, info.channels,
              info.interlaced);
        expected(f, ch, want);
        snprintf(name, sizeof name, "gif %s: pixels as written", label);
        CHECK(info.channels == ch && memcmp(pix, want, (size_t)GW * GH * ch) == 0, name,
              "max diff %d", max_diff(pix, want, (size_t)GW * GH * ch));
    }
    img_close(r);
    free(pix);
    free(want);
}

/* test_gif_frames - plain, transparent, interlaced, local palette, pages. */
static void test_gif_frames(void)
{
    struct frame plain[] = { { 0, 0, GW, GH, 0, -1, 0, 1 } };
    struct frame trans[] = { { 0, 0, GW, GH, 0, 5, 0, 2 } };
    struct frame inter[] = { { 0, 0, GW, GH, 8, -1, 1, 3 } };
    struct frame small[] = { { 4, 3, 9, 6, 32, -1, 0, 4 } };
    struct frame small_t[] = { { 4, 3, 9, 6, 4, 1, 1, 5 } };
    struct frame three[] = { { 0, 0, GW, GH, 0, -1, 0, 6 }, { 2, 2, 5, 5, 2, 0, 0, 7 },
                             { 1, 1, 20, 15, 64, -1, 1, 8 } };

    check_case("plain", plain, 1, 0);
    check_case("transparent index", trans, 1, 0);
    check_case("interlaced, local palette", inter, 1, 0);
    check_case("frame smaller than the screen: background around", small, 1, 0);
    check_case("frame smaller, transparent around", small_t, 1, 0);
    check_case("page 0 of 3", three, 3, 0);
    check_case("page 1 of 3", three, 3, 1);
    check_case("page 2 of 3, interlaced", three, 3, 2);
}

/* patch - copies path to dst with byte at `at` replaced by v; returns 0 or -1. */
static int patch(const char *path, const char *dst, size_t at, uint8_t v)
{
    size_t len;
    uint8_t *p = get_file(path, &len);
    int rc = -1;

    if (p != NULL && at < len) {
        p[at] = v;
        rc = put_file(dst, p, len);
    }
    free(p);
    return rc;
}

/* open_error - returns 1 if opening and reading path (page) fails naming s. */
static int open_error(const char *path, uint32_t page, const char *s, char *err)
{
    struct img_info info;
    struct img_open_opts o = { .page = page, .max_pixels = 1u << 20 };
    uint8_t *pix = malloc((size_t)GW * GH * 4);
    img_reader *r = img_open_opts_path(path, &o, &info, err);
    int rc = r == NULL ? -1 : img_read_rows(r, pix, info.height, err);

    img_close(r);
    free(pix);
    return rc == -1 && has(err, s) && has(err, path);
}

/* test_gif_broken - every broken file is one error naming it. */
static void test_gif_broken(void)
{
    struct frame one[] = { { 0, 0, GW, GH, 0, -1, 0, 1 } };
    /* header 13, global palette 48, GCE 8: the descriptor's 0x2c at 69 */
    const size_t desc = 13 + 48 + 8;
    char err[ERR_MAX];
    size_t len;

    if (write_gif(tpath("ok.gif"), one, 1) < 0) {
        CHECK(0, "gif: write the base file", "giflib refused");
        return;
    }
    uint8_t *p = get_file(tpath("ok.gif"), &len);
    CHECK(p != NULL && len > desc + 10 && p[desc] == 0x2c, "gif: the base file's layout",
          "byte %zu is not an image descriptor", desc);
    CHECK(open_error(tpath("ok.gif"), 1, "frame 1 is not there: the file has 1 frame", err),
          "gif: page 1 of a one-frame file", "%s", err);
    patch(tpath("ok.gif"), tpath("left.gif"), desc + 1, 20);        /* Left 20 + 23 > 23 */
    CHECK(open_error(tpath("left.gif"), 0, "outside the 23x17 screen", err),
          "gif: frame outside the screen", "%s", err);
    /* no global palette (flag off, its 48 bytes gone) and no local one */
    if (p != NULL && len > desc) {
        uint8_t *q = malloc(len);
        memcpy(q, p, 13);
        q[10] &= 0x7f;
        memcpy(q + 13, p + 13 + 48, len - 13 - 48);
        put_file(tpath("nopal.gif"), q, len - 48);
        free(q);
    }
    CHECK(open_error(tpath("nopal.gif"), 0, "no palette", err), "gif: no palette", "%s", err);
    truncate_copy(tpath("ok.gif"), tpath("cut.gif"), len - 20, NULL, 0);
    CHECK(open_error(tpath("cut.gif"), 0, "gif: corrupt or truncated image data", err),
          "gif: truncated in the image data", "%s", err);
    truncate_copy(tpath("ok.gif"), tpath("cut2.gif"), 9, NULL, 0);
    CHECK(open_error(tpath("cut2.gif"), 0, "gif:", err), "gif: truncated in the header",
          "%s", err);
    patch(tpath("ok.gif"), tpath("lzw.gif"), desc + 10, 12);        /* LZW minimum code size 12 */
    CHECK(open_error(tpath("lzw.gif"), 0, "gif:", err), "gif: bad LZW code size", "%s", err);
    /* screen 4096x4096 over a limit of 1 Mi pixels */
    patch(tpath("ok.gif"), tpath("big0.gif"), 7, 0x10);
    patch(tpath("big0.gif"), tpath("big.gif"), 9, 0x10);
    CHECK(open_error(tpath("big.gif"), 0, "over the limit", err), "gif: screen over max_pixels",
          "%s", err);
    /* 2 Mi empty extensions before the image: refused after the bound */
    if (p != NULL) {
        size_t n = (size_t)2 << 20, at = 13 + 48;
        uint8_t *q = malloc(len + 3 * n);
        memcpy(q, p, at);
        for (size_t i = 0; i < n; i++)
            memcpy(q + at + 3 * i, "\x21\xfe\x00", 3);
        memcpy(q + at + 3 * n, p + at, len - at);
        put_file(tpath("ext.gif"), q, len + 3 * n);
        free(q);
    }
    CHECK(open_error(tpath("ext.gif"), 0, "records before frame 0", err),
          "gif: endless empty extensions end in one error", "%s", err);
    free(p);
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (make_dir("test_image_gif") != 0)
        return 1;
    test_gif_frames();
    test_gif_broken();
    CHECK(!img_format_writable(IMG_GIF), "gif: read only", "img_format_writable says 1");
    cleanup();
    CHECK_DONE();
}
