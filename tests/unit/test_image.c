/*
 * test_image.c - unit tests for the image API (image.h) that are not about
 * one codec: netpbm through img_*, format sniffing by magic, generic
 * error cases, row counting, writers' argument checks and error paths,
 * format names.  PNG and JPEG specifics are in test_image_png.c and
 * test_image_jpeg.c; the helpers all three share are in imagetest.h.
 * Broken files (truncated, empty, unknown) must give errors.  Everything
 * lives in a private temporary directory, removed at the end.  The test_*
 * functions return nothing: each reports through CHECK.
 */
#include "check.h"
#include "imagetest.h"

/* --- netpbm through img_* ------------------------------------------------ */

/* test_pnm_roundtrip - 1-4 channels, exact, with the right header. */
static void test_pnm_roundtrip(void)
{
    static const char *heads[5] = { NULL, "P5\n19 7\n255\n",
        "P7\nWIDTH 19\nHEIGHT 7\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n",
        "P6\n19 7\n255\n",
        "P7\nWIDTH 19\nHEIGHT 7\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n" };
    char err[ERR_MAX] = "", name[64];

    for (int ch = 1; ch <= 4; ch++) {
        uint8_t *pix = noise((size_t)19 * 7 * ch), *got = NULL, *file;
        struct img_info info;
        size_t len = 0, hl = strlen(heads[ch]);
        int rc = write_image(tpath("rt.pnm"), IMG_PNM, 19, 7, ch, NULL, pix, err);

        file = get_file(tpath("rt.pnm"), &len);
        if (rc == 0)
            rc = read_image(tpath("rt.pnm"), 0, 2, &info, &got, err);
        snprintf(name, sizeof name, "pnm round trip %d channels", ch);
        CHECK(rc == 0 && info.format == IMG_PNM && info.channels == ch
              && info.src_depth == 8 && memcmp(got, pix, (size_t)19 * 7 * ch) == 0
              && file && len == hl + (size_t)19 * 7 * ch && memcmp(file, heads[ch], hl) == 0,
              name, "rc %d %s len %zu", rc, err, len);
        free(pix);
        free(got);
        free(file);
    }
}

/* test_pnm_maxval - maxval other than 255 is scaled with rounding. */
static void test_pnm_maxval(void)
{
    static const uint16_t v16[8] = { 0, 128, 129, 257, 0x1234, 32767, 32768, 65535 };
    static const uint16_t v1000[6] = { 0, 1, 2, 500, 998, 1000 };
    uint8_t file[64], want[8], *got = NULL;
    struct img_info info;
    char err[ERR_MAX] = "";
    int n, rc;

    n = snprintf((char *)file, sizeof file, "P5\n8 1\n65535\n");
    for (int i = 0; i < 8; i++) {
        file[n++] = (uint8_t)(v16[i] >> 8);
        file[n++] = (uint8_t)v16[i];
        want[i] = (uint8_t)((v16[i] * 255u + 32767) / 65535);
    }
    put_file(tpath("m16.pgm"), file, n);
    rc = read_image(tpath("m16.pgm"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.src_depth == 16 && info.channels == 1 && memcmp(got, want, 8) == 0
          && got[1] == 0 && got[2] == 1 && got[3] == 1 && got[7] == 255,
          "pnm maxval 65535, big-endian, rounded", "rc %d %s", rc, err);
    free(got);

    n = snprintf((char *)file, sizeof file, "P6\n2 1\n1000\n");
    for (int i = 0; i < 6; i++) {
        file[n++] = (uint8_t)(v1000[i] >> 8);
        file[n++] = (uint8_t)v1000[i];
    }
    put_file(tpath("m1000.ppm"), file, n);
    rc = read_image(tpath("m1000.ppm"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.channels == 3 && got[0] == 0 && got[1] == 0 && got[2] == 1
          && got[3] == 128 && got[4] == 254 && got[5] == 255
          && strcmp(info.src_color, "rgb maxval 1000") == 0,
          "pnm maxval 1000 rounded", "rc %d %s %s", rc, err, info.src_color);
    free(got);

    static const char bw[] = "P7\nWIDTH 3\nHEIGHT 1\nDEPTH 1\nMAXVAL 1\n"
                             "TUPLTYPE BLACKANDWHITE\nENDHDR\n\1\0\1";
    put_file(tpath("bw.pam"), bw, sizeof bw - 1);
    rc = read_image(tpath("bw.pam"), 0, 1, &info, &got, err);
    CHECK(rc == 0 && info.channels == 1 && got[0] == 255 && got[1] == 0 && got[2] == 255,
          "pam blackandwhite", "rc %d %s", rc, err);
    free(got);

    static const char over[] = "P5\n3 1\n15\n\0\x0f\x10";
    put_file(tpath("over.pgm"), over, sizeof over - 1);
    CHECK(expect_read_error(tpath("over.pgm"), "over.pgm: pnm: sample 16 exceeds maxval 15", err),
          "pnm sample above maxval", "%s", err);
}

/* test_pnm_broken - truncated and unsupported netpbm files. */
static void test_pnm_broken(void)
{
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(10 * 10 * 3);
    size_t len = 0;

    write_image(tpath("ok.ppm"), IMG_PNM, 10, 10, 3, NULL, pix, err);
    free(get_file(tpath("ok.ppm"), &len));
    truncate_copy(tpath("ok.ppm"), tpath("short.ppm"), len - 1, NULL, 0);
    CHECK(expect_read_error(tpath("short.ppm"), "short.ppm: pnm: unexpected end of file", err),
          "pnm one byte short", "%s", err);
    truncate_copy(tpath("ok.ppm"), tpath("hdr.ppm"), 8, NULL, 0);
    CHECK(expect_read_error(tpath("hdr.ppm"), "hdr.ppm: pnm: end of file in header", err),
          "pnm cut in the header", "%s", err);
    put_file(tpath("plain.ppm"), "P3\n1 1\n255\n0 0 0\n", 17);
    CHECK(expect_read_error(tpath("plain.ppm"), "P3 (plain or bitmap netpbm) is not supported", err),
          "plain P3 refused", "%s", err);
    free(pix);
}

/* --- generic --------------------------------------------------------------- */

/* test_sniff - format by magic, never by name; bad inputs. */
static void test_sniff(void)
{
    struct img_info info;
    char err[ERR_MAX] = "", want[1024];
    uint8_t *pix = noise(4 * 4 * 3), *got = NULL;
    img_reader *r;

    write_image(tpath("really-png.jpg"), IMG_PNG, 4, 4, 3, NULL, pix, err);
    write_image(tpath("really-jpeg.pnm"), IMG_JPEG, 4, 4, 3, NULL, pix, err);
    write_image(tpath("really-pnm.png"), IMG_PNM, 4, 4, 3, NULL, pix, err);
    CHECK(read_image(tpath("really-png.jpg"), 0, 4, &info, &got, err) == 0
          && info.format == IMG_PNG, "png named .jpg read as png", "%s", err);
    free(got);
    CHECK(read_image(tpath("really-jpeg.pnm"), 0, 4, &info, &got, err) == 0
          && info.format == IMG_JPEG, "jpeg named .pnm read as jpeg", "%s", err);
    free(got);
    CHECK(read_image(tpath("really-pnm.png"), 0, 4, &info, &got, err) == 0
          && info.format == IMG_PNM, "pnm named .png read as pnm", "%s", err);
    free(got);

    put_file(tpath("empty.png"), "", 0);
    r = img_open(tpath("empty.png"), 0, &info, err);
    snprintf(want, sizeof want, "%s: empty file (0 bytes)", tpath("empty.png"));
    CHECK(r == NULL && strcmp(err, want) == 0, "zero-byte file", "%s", err);
    put_file(tpath("text.png"), "hello, world\n", 13);
    r = img_open(tpath("text.png"), 0, &info, err);
    snprintf(want, sizeof want, "%s: not a PNG, JPEG, netpbm, TIFF, WebP or GIF image", tpath("text.png"));
    CHECK(r == NULL && strcmp(err, want) == 0, "wrong magic", "%s", err);
    put_file(tpath("short.png"), "\x89PNG", 4);
    r = img_open(tpath("short.png"), 0, &info, err);
    CHECK(r == NULL && has(err, "not a PNG, JPEG, netpbm, TIFF, WebP or GIF image"), "4-byte png prefix", "%s", err);
    r = img_open(tpath("missing.png"), 0, &info, err);
    CHECK(r == NULL && has(err, "missing.png: No such file or directory"), "missing file", "%s", err);
    r = img_open(dir, 0, &info, err);
    CHECK(r == NULL && has(err, "Is a directory"), "directory", "%s", err);
    free(pix);
}

/* test_row_counts - more rows than remain is an error for readers and writers. */
static void test_row_counts(void)
{
    struct img_info info;
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(6 * 10), buf[6 * 10];
    img_reader *r;
    img_writer *w;
    FILE *f;
    int a, b, c, d;

    write_image(tpath("rows.png"), IMG_PNG, 6, 10, 1, NULL, pix, err);
    r = img_open(tpath("rows.png"), 0, &info, err);
    a = r ? img_read_rows(r, buf, 8, err) : -2;
    b = r ? img_read_rows(r, buf + 48, 3, err) : -2;
    CHECK(a == 0 && b == -1 && has(err, "asked for 3 rows but only 2 remain"),
          "reader refuses rows past the end", "%d %d %s", a, b, err);
    c = r ? img_read_rows(r, buf + 48, 0, err) : -2;
    d = r ? img_read_rows(r, buf + 48, 2, err) : -2;
    CHECK(c == 0 && d == 0 && memcmp(buf, pix, 60) == 0,
          "reader continues after a refused request", "%d %d %s", c, d, err);
    d = r ? img_read_rows(r, buf, 1, err) : -2;
    CHECK(d == -1 && has(err, "only 0 remain"), "reader refuses a row after the last", "%s", err);
    img_close(r);
    img_close(NULL);

    if ((f = fopen(tpath("w.png"), "wb")) == NULL)
        return;
    w = img_create(f, "w.png", IMG_PNG, 6, 10, 1, NULL, err);
    a = w ? img_write_rows(w, pix, 11, err) : -2;
    CHECK(a == -1 && has(err, "w.png: 11 rows given but only 10 remain"),
          "writer refuses rows past the end", "%s", err);
    b = w ? img_write_rows(w, pix, 9, err) : -2;
    c = w ? img_finish(w, err) : -2;
    CHECK(b == 0 && c == -1 && has(err, "only 9 of 10 rows written"),
          "finish refuses a short image", "%d %d %s", b, c, err);
    img_abandon(NULL);
    fclose(f);
    free(pix);
}

/* test_create_args - bad shapes and options are refused. */
static void test_create_args(void)
{
    struct img_write_opts bad[3];
    char err[ERR_MAX] = "";
    FILE *f = fopen(tpath("args.png"), "wb");
    int refused = 0;

    if (f == NULL)
        return;
    for (int i = 0; i < 3; i++)
        img_default_opts(&bad[i]);
    bad[0].png_level = 10;
    bad[1].png_filter = 5;
    bad[2].jpeg_quality = 0;
    for (int i = 0; i < 3; i++)
        refused += img_create(f, "x", IMG_PNG, 4, 4, 3, &bad[i], err) == NULL;
    refused += img_create(f, "x", IMG_PNG, 4, 4, 0, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_PNG, 4, 4, 5, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_PNG, 0, 4, 3, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_UNKNOWN, 4, 4, 3, NULL, err) == NULL;
    refused += img_create(f, "x", IMG_JPEG, 70000, 4, 3, NULL, err) == NULL;
    CHECK(refused == 8 && ftell(f) == 0, "img_create refuses bad arguments",
          "%d of 8 refused, last: %s", refused, err);
    fclose(f);
}

/* test_write_errors - a full disk is reported, nothing leaks. */
static void test_write_errors(void)
{
    char err[ERR_MAX] = "";
    uint8_t *pix = noise(64 * 64 * 3);
    static const enum img_format fmts[3] = { IMG_PNG, IMG_JPEG, IMG_PNM };

    for (int i = 0; i < 3; i++) {
        FILE *f = fopen("/dev/full", "wb");
        img_writer *w;
        int rc = 0;
        char name[64];

        if (f == NULL)
            return;
        setvbuf(f, NULL, _IONBF, 0);
        err[0] = '\0';
        w = img_create(f, "full", fmts[i], 64, 64, 3, NULL, err);
        if (w == NULL)
            rc = -1;
        for (uint32_t y = 0; w != NULL && y < 64 && rc == 0; y += 16)
            rc = img_write_rows(w, pix + y * 64 * 3, 16, err);
        if (w != NULL)
            rc = rc == 0 ? img_finish(w, err) : (img_abandon(w), -1);
        fclose(f);
        snprintf(name, sizeof name, "%s writer reports a full disk", img_format_name(fmts[i]));
        CHECK(rc == -1 && strncmp(err, "full: ", 6) == 0
              && (has(err, "No space left") || has(err, "write error")), name, "%s", err);
    }
    free(pix);
}

/* test_names - format names and extensions. */
static void test_names(void)
{
    CHECK(img_format_from_path("a.png") == IMG_PNG && img_format_from_path("A.PNG") == IMG_PNG
          && img_format_from_path("x/b.jpg") == IMG_JPEG
          && img_format_from_path("b.JPEG") == IMG_JPEG
          && img_format_from_path("c.pgm") == IMG_PNM && img_format_from_path("c.ppm") == IMG_PNM
          && img_format_from_path("c.pam") == IMG_PNM && img_format_from_path("c.pnm") == IMG_PNM
          && img_format_from_path("d.gif") == IMG_GIF && img_format_from_path("e.TIF") == IMG_TIFF
          && img_format_from_path("e.tiff") == IMG_TIFF && img_format_from_path("f.webp") == IMG_WEBP
          && img_format_from_path("g.bmp") == IMG_UNKNOWN
          && img_format_from_path("png") == IMG_UNKNOWN
          && img_format_from_path("dir.png/file") == IMG_UNKNOWN,
          "img_format_from_path", "mismatch");
    CHECK(strcmp(img_format_name(IMG_PNG), "png") == 0
          && strcmp(img_format_name(IMG_JPEG), "jpeg") == 0
          && strcmp(img_format_name(IMG_PNM), "pnm") == 0
          && strcmp(img_format_name(IMG_UNKNOWN), "unknown") == 0,
          "img_format_name", "mismatch");
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (make_dir("test_image") != 0)
        return 1;
    test_names();
    test_pnm_roundtrip();
    test_pnm_maxval();
    test_pnm_broken();
    test_sniff();
    test_row_counts();
    test_create_args();
    test_write_errors();
    cleanup();
    CHECK_DONE();
}
