/*
 * test_image_webp.c - unit tests for the WebP reader and writer (image.h).
 *
 * Our writer is checked by decoding its files with plain libwebp
 * (WebPDecodeRGBA), and our reader by files made here with libwebp's
 * encoder and mux: lossless round trips are exact (RGB under alpha 0
 * too), gray is widened, 16-bit samples reduced, lossy stays close on a
 * smooth image, metadata chunks go through both ways (a leading
 * "Exif\0\0" is dropped), an animation's frames are picked by page and
 * placed on the canvas.  Refused: over 16383 a side, RIFF that is not
 * WEBP, truncated and corrupt files, a canvas over max_pixels, a page
 * that is not there.  The test_* functions return nothing: each reports
 * through CHECK.
 */
#include "check.h"
#include "imagetest.h"

#include <math.h>
#include <webp/decode.h>
#include <webp/encode.h>
#include <webp/mux.h>

/* decode_plain - decodes path with libwebp alone into RGBA; returns the
 * pixels (caller frees, WebPFree) or NULL. */
static uint8_t *decode_plain(const char *path, int *w, int *h)
{
    size_t len;
    uint8_t *file = get_file(path, &len);
    uint8_t *pix = file ? WebPDecodeRGBA(file, len, w, h) : NULL;

    free(file);
    return pix;
}

/* to_rgba - returns pix (w*h of ch channels, 8-bit) as RGBA (caller frees). */
static uint8_t *to_rgba(const uint8_t *pix, size_t n, int ch)
{
    uint8_t *out = malloc(n * 4);

    for (size_t i = 0; out != NULL && i < n; i++) {
        const uint8_t *p = pix + i * ch;
        out[4 * i] = p[0];
        out[4 * i + 1] = ch >= 3 ? p[1] : p[0];
        out[4 * i + 2] = ch >= 3 ? p[2] : p[0];
        out[4 * i + 3] = ch == 2 || ch == 4 ? p[ch - 1] : 255;
    }
    return out;
}

/* test_webp_lossless - our lossless files decode, with libwebp alone and
 * with our reader, to exactly what was written. */
static void test_webp_lossless(void)
{
    const uint32_t w = 37, h = 23;
    struct img_write_opts o;
    char err[ERR_MAX], name[96];

    img_default_opts(&o);
    o.webp_lossless = 1;
    for (int ch = 1; ch <= 4; ch++) {
        uint8_t *src = noise((size_t)w * h * ch), *want, *got = NULL, *back = NULL;
        int gw = 0, gh = 0;
        struct img_info info;

        /* every other pixel fully transparent, its colour kept */
        for (size_t i = 0; (ch == 2 || ch == 4) && i < (size_t)w * h; i += 2)
            src[i * ch + ch - 1] = 0;
        want = to_rgba(src, (size_t)w * h, ch);
        int rc = write_image(tpath("l.webp"), IMG_WEBP, w, h, ch, &o, src, err);
        snprintf(name, sizeof name, "webp lossless %d channel(s): written", ch);
        CHECK(rc == 0, name, "%s", err);
        got = decode_plain(tpath("l.webp"), &gw, &gh);
        snprintf(name, sizeof name, "webp lossless %d channel(s): libwebp decodes it exactly", ch);
        CHECK(got && gw == (int)w && gh == (int)h && memcmp(got, want, (size_t)w * h * 4) == 0,
              name, "max diff %d", got ? max_diff(got, want, (size_t)w * h * 4) : -1);
        rc = read_image(tpath("l.webp"), 0, 7, &info, &back, err);
        int och = ch == 2 || ch == 4 ? 4 : 3;
        uint8_t *mine = rc == 0 ? to_rgba(back, (size_t)w * h, info.channels) : NULL;
        snprintf(name, sizeof name, "webp lossless %d channel(s): our reader gives %d channels,"
                 " the same pixels", ch, och);
        CHECK(rc == 0 && info.channels == och && info.format == IMG_WEBP
              && strcmp(info.src_color, och == 4 ? "lossless+alpha" : "lossless") == 0
              && memcmp(mine, want, (size_t)w * h * 4) == 0, name, "%s ch %d '%s'",
              rc ? err : "pixels differ", info.channels, info.src_color);
        free(mine);
        free(back);
        WebPFree(got);
        free(want);
        free(src);
    }
}

/* test_webp_16bit - 16-bit rows are reduced as (v*255+32767)/65535. */
static void test_webp_16bit(void)
{
    const uint32_t w = 300, h = 2;
    uint16_t src[300 * 2 * 3];
    uint8_t want[300 * 2 * 4];
    struct img_write_opts o;
    char err[ERR_MAX];
    int gw, gh;

    img_default_opts(&o);
    o.webp_lossless = 1;
    o.depth = 16;
    for (size_t i = 0; i < (size_t)w * h; i++)
        for (int c = 0; c < 3; c++) {
            uint16_t v = (uint16_t)(i * 219 + (size_t)c * 7);
            src[3 * i + c] = v;
            want[4 * i + c] = (uint8_t)(((uint32_t)v * 255 + 32767) / 65535);
            want[4 * i + 3] = 255;
        }
    int rc = write_image(tpath("16.webp"), IMG_WEBP, w, h, 3, &o, (const uint8_t *)src, err);
    uint8_t *got = rc == 0 ? decode_plain(tpath("16.webp"), &gw, &gh) : NULL;
    CHECK(got && memcmp(got, want, sizeof want) == 0, "webp: 16-bit rows reduced with rounding",
          "%s", rc ? err : "pixels differ");
    WebPFree(got);
}

/* psnr - returns the PSNR in dB of b against a (n samples). */
static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;

    for (size_t i = 0; i < n; i++)
        se += (double)(a[i] - b[i]) * (a[i] - b[i]);
    return se == 0 ? 99 : 10 * log10(255.0 * 255.0 * (double)n / se);
}

/* test_webp_lossy - quality 75 stays above 30 dB on a smooth image; 95 is
 * larger than 50. */
static void test_webp_lossy(void)
{
    const uint32_t w = 96, h = 64;
    uint8_t *src = smooth(w, h, 3), *want = to_rgba(src, (size_t)w * h, 3);
    struct img_write_opts o;
    char err[ERR_MAX];
    size_t l50 = 0, l95 = 0;
    int gw, gh;

    img_default_opts(&o);
    int rc = write_image(tpath("q75.webp"), IMG_WEBP, w, h, 3, &o, src, err);
    uint8_t *got = rc == 0 ? decode_plain(tpath("q75.webp"), &gw, &gh) : NULL;
    double db = got ? psnr(want, got, (size_t)w * h * 4) : 0;
    CHECK(got && db > 30, "webp lossy quality 75: PSNR above 30 dB", "%s %.1f dB",
          rc ? err : "", db);
    WebPFree(got);
    o.webp_quality = 50;
    write_image(tpath("q50.webp"), IMG_WEBP, w, h, 3, &o, src, err);
    o.webp_quality = 95;
    write_image(tpath("q95.webp"), IMG_WEBP, w, h, 3, &o, src, err);
    free(get_file(tpath("q50.webp"), &l50));
    free(get_file(tpath("q95.webp"), &l95));
    CHECK(l50 > 0 && l95 > l50, "webp lossy: quality 95 gives a larger file than 50",
          "%zu vs %zu bytes", l95, l50);
    free(src);
    free(want);
}

/* test_webp_meta - ICC, Exif and XMP through our writer and reader; a
 * leading "Exif\0\0" in a file's EXIF chunk is dropped. */
static void test_webp_meta(void)
{
    static const uint8_t icc[] = "fake icc profile bytes";
    static const uint8_t exif[] = "II*\0\x08\0\0\0\0\0\0\0\0\0";
    static const uint8_t xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";
    struct img_meta m = { (uint8_t *)icc, sizeof icc, (uint8_t *)exif, sizeof exif,
                          (uint8_t *)xmp, sizeof xmp - 1, 0, 0 };
    struct img_write_opts o;
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *src = smooth(16, 8, 3);
    size_t len;

    img_default_opts(&o);
    o.meta = &m;
    int rc = write_image(tpath("m.webp"), IMG_WEBP, 16, 8, 3, &o, src, err);
    uint8_t *file = get_file(tpath("m.webp"), &len);
    CHECK(rc == 0 && file && len > 30 && memcmp(file + 12, "VP8X", 4) == 0
          && (file[20] & 0x2c) == 0x2c, "webp meta: the file is VP8X with ICC, Exif, XMP flags",
          "%s", err);
    img_reader *r = img_open(tpath("m.webp"), 0, &info, err);
    const struct img_meta *got = r ? img_reader_meta(r) : NULL;
    CHECK(got && got->icc_len == sizeof icc && memcmp(got->icc, icc, sizeof icc) == 0
          && got->exif_len == sizeof exif && memcmp(got->exif, exif, sizeof exif) == 0
          && got->xmp_len == sizeof xmp - 1 && memcmp(got->xmp, xmp, sizeof xmp - 1) == 0,
          "webp meta: read back the same blocks", "%s", err);
    img_close(r);

    /* an EXIF chunk with the JPEG prefix, put by another writer */
    WebPMux *mux = file ? WebPMuxCreate(&(WebPData){ file, len }, 1) : NULL;
    uint8_t pre[6 + sizeof exif];
    memcpy(pre, "Exif\0\0", 6);
    memcpy(pre + 6, exif, sizeof exif);
    WebPData out = { NULL, 0 };
    if (mux && WebPMuxSetChunk(mux, "EXIF", &(WebPData){ pre, sizeof pre }, 1) == WEBP_MUX_OK
        && WebPMuxAssemble(mux, &out) == WEBP_MUX_OK)
        put_file(tpath("pre.webp"), out.bytes, out.size);
    WebPDataClear(&out);
    WebPMuxDelete(mux);
    r = img_open(tpath("pre.webp"), 0, &info, err);
    got = r ? img_reader_meta(r) : NULL;
    CHECK(got && got->exif_len == sizeof exif && memcmp(got->exif, exif, sizeof exif) == 0,
          "webp meta: a leading Exif\\0\\0 is dropped", "%s", err);
    img_close(r);
    free(file);
    free(src);
}

/* encode_lossless - a lossless bitstream of w x h RGBA pix into *out; 0 or -1. */
static int encode_lossless(const uint8_t *pix, int w, int h, WebPData *out)
{
    uint8_t *bytes = NULL;
    size_t n = WebPEncodeLosslessRGBA(pix, w, h, w * 4, &bytes);

    out->bytes = bytes;
    out->size = n;
    return n ? 0 : -1;
}

/* test_webp_animation - frames by page; a frame smaller than the canvas
 * sits at its offset on transparency; a page past the last is an error. */
static void test_webp_animation(void)
{
    const int cw = 20, ch = 10, fw = 8, fh = 4, fx = 4, fy = 2;
    uint8_t *a = noise((size_t)cw * ch * 4), *b = noise((size_t)fw * fh * 4), *pix = NULL;
    WebPData fa = { 0 }, fb = { 0 }, out = { 0 };
    WebPMux *mux = WebPMuxNew();
    char err[ERR_MAX] = "";
    struct img_info info;
    struct img_open_opts o = { .page = 1 };

    for (int i = 0; i < cw * ch; i++)
        a[4 * i + 3] = 255;
    for (int i = 0; i < fw * fh; i++)
        b[4 * i + 3] = 255;
    WebPMuxFrameInfo f1 = { fa, 0, 0, 100, WEBP_CHUNK_ANMF, WEBP_MUX_DISPOSE_NONE,
                            WEBP_MUX_NO_BLEND, { 0 } };
    WebPMuxFrameInfo f2 = f1;
    WebPMuxAnimParams ap = { 0, 0 };
    int made = encode_lossless(a, cw, ch, &fa) == 0 && encode_lossless(b, fw, fh, &fb) == 0;
    f1.bitstream = fa;
    f2.bitstream = fb;
    f2.x_offset = fx;
    f2.y_offset = fy;
    made = made && WebPMuxPushFrame(mux, &f1, 1) == WEBP_MUX_OK
           && WebPMuxPushFrame(mux, &f2, 1) == WEBP_MUX_OK
           && WebPMuxSetAnimationParams(mux, &ap) == WEBP_MUX_OK
           && WebPMuxSetCanvasSize(mux, cw, ch) == WEBP_MUX_OK
           && WebPMuxAssemble(mux, &out) == WEBP_MUX_OK
           && put_file(tpath("anim.webp"), out.bytes, out.size) == 0;
    CHECK(made, "webp animation: made with libwebp's mux", "mux refused");
    img_reader *r = img_open_opts_path(tpath("anim.webp"), &o, &info, err);
    if (r != NULL && (pix = malloc((size_t)cw * ch * 4)) != NULL
        && img_read_rows(r, pix, (uint32_t)ch, err) < 0) {
        free(pix);
        pix = NULL;
    }
    img_close(r);
    int good = pix != NULL && info.channels == 4 && info.width == (uint32_t)cw;
    for (int y = 0; good && y < ch; y++)
        for (int x = 0; good && x < cw; x++) {
            const uint8_t *p = pix + ((size_t)y * cw + x) * 4;
            int in = x >= fx && x < fx + fw && y >= fy && y < fy + fh;
            const uint8_t *q = b + ((size_t)(y - fy) * fw + (x - fx)) * 4;
            good = in ? memcmp(p, q, 4) == 0 : p[3] == 0;
        }
    CHECK(good, "webp animation: frame 1 at its offset, transparent around", "%s", err);
    o.page = 0;
    r = img_open_opts_path(tpath("anim.webp"), &o, &info, err);
    CHECK(r && info.channels == 3 && strcmp(info.src_color, "animated lossless") == 0,
          "webp animation: frame 0 covers the canvas: RGB", "%s '%s'", r ? "" : err,
          r ? info.src_color : "");
    img_close(r);
    o.page = 2;
    r = img_open_opts_path(tpath("anim.webp"), &o, &info, err);
    CHECK(r == NULL && has(err, "frame 2 is not there: the file has 2 frames"),
          "webp animation: page 2 of 2 frames is an error", "%s", err);
    img_close(r);
    WebPDataClear(&out);
    WebPMuxDelete(mux);
    WebPFree((void *)fa.bytes);
    WebPFree((void *)fb.bytes);
    free(pix);
    free(a);
    free(b);
}

/* test_webp_refused - size limit, not WebP, truncated, corrupt, too big. */
static void test_webp_refused(void)
{
    char err[ERR_MAX] = "";
    FILE *f = fopen(tpath("big.webp"), "wb");
    img_writer *w = f ? img_create(f, "big.webp", IMG_WEBP, 20000, 300, 3, NULL, err) : NULL;

    CHECK(w == NULL && has(err, "big.webp: webp: 20000x300 is over WebP's limit of 16383 "
                            "pixels a side: write PNG or TIFF"),
          "webp: 20000 wide refused in create", "%s", err);
    img_abandon(w);
    if (f)
        fclose(f);
    CHECK(img_format_writable(IMG_WEBP), "webp: writable", "img_format_writable says 0");
    uint8_t px[3 * 8 * 8] = { 0 };
    FILE *full = fopen("/dev/full", "wb");
    w = full ? img_create(full, "full.webp", IMG_WEBP, 8, 8, 3, NULL, err) : NULL;
    CHECK(w && img_write_rows(w, px, 8, err) == 0 && img_finish(w, err) < 0
          && has(err, "full.webp: webp: write error"), "webp: a full disk is a write error",
          "%s", full ? err : "no /dev/full");
    if (full)
        fclose(full);

    uint8_t *src = smooth(64, 48, 4);
    struct img_write_opts o;
    size_t len;
    img_default_opts(&o);
    write_image(tpath("ok.webp"), IMG_WEBP, 64, 48, 4, &o, src, err);
    free(src);
    uint8_t *file = get_file(tpath("ok.webp"), &len);
    if (file == NULL)
        return;
    memcpy(file + 8, "WAVE", 4);
    put_file(tpath("wave.webp"), file, len);
    CHECK(expect_read_error(tpath("wave.webp"), "not a WebP image (RIFF but not WEBP)", err),
          "webp: RIFF but not WEBP", "%s", err);
    truncate_copy(tpath("ok.webp"), tpath("cut.webp"), len / 2, NULL, 0);
    CHECK(expect_read_error(tpath("cut.webp"), "cut.webp: webp: truncated", err),
          "webp: truncated", "%s", err);
    memcpy(file + 8, "WEBP", 4);
    /* the first chunk's size past the end of the file and the RIFF */
    file[16] = file[17] = 0xff;
    put_file(tpath("chunk.webp"), file, len);
    CHECK(expect_read_error(tpath("chunk.webp"), "chunk.webp: webp:", err),
          "webp: chunk size past the end", "%s", err);
    free(file);
    file = get_file(tpath("ok.webp"), &len);
    for (size_t i = len / 2; i < len; i += 3)
        file[i] ^= 0x5a;
    put_file(tpath("noise.webp"), file, len);
    CHECK(expect_read_error(tpath("noise.webp"), "noise.webp: webp:", err),
          "webp: corrupt image data", "%s", err);
    free(file);
    struct img_info info;
    uint8_t *pix = NULL;
    CHECK(read_image(tpath("ok.webp"), 64 * 47, 8, &info, &pix, err) < 0
          && has(err, "over the limit"), "webp: canvas over max_pixels", "%s", err);
    free(pix);
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (make_dir("test_image_webp") != 0)
        return 1;
    test_webp_lossless();
    test_webp_16bit();
    test_webp_lossy();
    test_webp_meta();
    test_webp_animation();
    test_webp_refused();
    cleanup();
    CHECK_DONE();
}
