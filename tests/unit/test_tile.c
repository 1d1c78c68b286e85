/*
 * test_tile.c - unit tests for tile names, geometry and files (tile.h).
 *
 * Names are made and parsed back for every tile of small grids and for
 * chosen tiles of a grid needing 5 digits; parsing must refuse anything
 * tile_name would not produce for a tile of the grid.  Geometry is
 * checked at the partial last row and column.  Tiles are written and
 * read back in both formats with 1 to 4 channels at 8 and 16 bits, and
 * tile_read must
 * refuse short, long, mis-sized and mis-typed files.  Files live in a
 * private temporary directory, removed at the end.
 */
#include "tile.h"
#include "spool.h"
#include "err.h"
#include "netpbm.h"
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[256];
static char err[ERR_MAX];

static int has(const char *s) { return strstr(err, s) != NULL; }

static uint32_t rng = 777;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* grid - a manifest for a width x height image of ch channels cut into
 * tile x tile tiles with the given halo and format, consistent as the
 * manifest reader demands: no stages, so the source is the output. */
static void grid(struct manifest *m, uint32_t width, uint32_t height, uint32_t tile, int ch,
                 int halo, enum tile_format fmt)
{
    memset(m, 0, sizeof *m);
    m->source.width = width;
    m->source.height = height;
    m->source.channels = ch;
    m->source.depth = 8;
    m->plan.img[0] = (struct plan_image){width, height, ch, 8};
    m->tile_size = tile;
    m->halo = halo;
    m->tile_format = fmt;
    m->cols = (width + tile - 1) / tile;
    m->rows = (height + tile - 1) / tile;
    uint32_t most = m->cols > m->rows ? m->cols : m->rows;
    m->digits = 1;
    for (uint32_t v = most - 1; v >= 10; v /= 10)
        m->digits++;
    snprintf(m->tile_ext, sizeof m->tile_ext, "%s", fmt == TILE_PNG ? ".png" : pnm_extension(ch));
}

/* tpath - top/name into a static buffer (4 deep). */
static const char *tpath(const char *name)
{
    static char buf[4][PATH_MAX];
    static int next;
    next = (next + 1) % 4;
    snprintf(buf[next], sizeof buf[next], "%s/%.200s", top, name);
    return buf[next];
}

static void test_names(void)
{
    struct manifest m;
    char name[SPOOL_TILE_NAME_MAX];
    uint32_t row, col;

    grid(&m, 1000, 700, 256, 3, 0, TILE_PNM);   /* 4 x 3: 1 digit */
    tile_name(&m, 2, 3, name);
    CHECK(m.digits == 1 && strcmp(name, "r2c3.ppm") == 0, "1-digit name", "'%s'", name);
    int ok = 1;
    for (uint32_t r = 0; r < m.rows; r++)
        for (uint32_t c = 0; c < m.cols; c++) {
            tile_name(&m, r, c, name);
            ok &= tile_parse_name(&m, name, &row, &col) == 0 && row == r && col == c;
        }
    CHECK(ok, "1-digit grid: every name parses back", "failed");

    grid(&m, 40 * 16, 12 * 16, 16, 1, 0, TILE_PNM);   /* 40 x 12: 2 digits */
    tile_name(&m, 3, 7, name);
    CHECK(m.digits == 2 && strcmp(name, "r03c07.pgm") == 0, "2-digit name", "'%s'", name);
    ok = 1;
    for (uint32_t r = 0; r < m.rows; r++)
        for (uint32_t c = 0; c < m.cols; c++) {
            tile_name(&m, r, c, name);
            ok &= tile_parse_name(&m, name, &row, &col) == 0 && row == r && col == c;
        }
    CHECK(ok, "2-digit grid: every name parses back", "failed");
    tile_name(&m, 11, 39, name);
    CHECK(strcmp(name, "r11c39.pgm") == 0, "2-digit name of the last tile", "'%s'", name);

    grid(&m, 10, 10, 1, 3, 0, TILE_PNM);   /* 10 x 10: indices 0..9, 1 digit */
    tile_name(&m, 9, 9, name);
    CHECK(m.digits == 1 && strcmp(name, "r9c9.ppm") == 0, "10 x 10 grid needs 1 digit", "'%s'",
          name);

    grid(&m, 20000, 3, 1, 4, 0, TILE_PNG);   /* 20000 x 3: 5 digits */
    static const uint32_t cols[] = {0, 9, 10, 99, 100, 9999, 10000, 19999};
    ok = m.digits == 5;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        for (uint32_t r = 0; r < 3; r++) {
            tile_name(&m, r, cols[i], name);
            ok &= strlen(name) == 1 + 5 + 1 + 5 + 4 &&
                  tile_parse_name(&m, name, &row, &col) == 0 && row == r && col == cols[i];
        }
    tile_name(&m, 2, 19999, name);
    CHECK(ok && strcmp(name, "r00002c19999.png") == 0, "5-digit grid names parse back", "'%s'",
          name);
}

static void test_parse_rejects(void)
{
    struct manifest m;
    uint32_t row = 99, col = 99;
    static const char *bad[] = {
        "r3c7.pgm",       "r003c007.pgm",   "r03c7.pgm",       "r3c07.pgm",
        "r12c00.pgm",     "r00c40.pgm",     "r99c99.pgm",      "r03c07.ppm",
        "r03c07.png",     "r03c07",         "r03c07.",         "../r03c07.pgm",
        "r03c07.pgm/",    "r03c07.pgmx",    "r03c07.pgm.tmp",  "r03c07.pgm@host.1",
        "R03c07.pgm",     "r03C07.pgm",     "r-3c07.pgm",      "r 3c07.pgm",
        "r+3c07.pgm",     "r0xc07.pgm",     "",                "r",
        "r03",            "r03c",           "c07r03.pgm",      " r03c07.pgm",
        "r03c07.pgm\n",   "r03c07.PGM",     "r03c07/../x.pgm", "r03c07.pgm\x01",
    };
    char name[128];

    grid(&m, 40 * 16, 12 * 16, 16, 1, 0, TILE_PNM);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = tile_parse_name(&m, bad[i], &row, &col);
        snprintf(name, sizeof name, "tile_parse_name refuses '%s'", bad[i]);
        for (char *p = name; *p; p++)
            if (*p < ' ')
                *p = '?';
        CHECK(rc == -1, name, "accepted as row %u col %u", row, col);
    }
    int rc = tile_parse_name(&m, "r11c39.pgm", &row, &col);
    CHECK(rc == 0 && row == 11 && col == 39, "tile_parse_name: the last tile", "rc %d", rc);

    grid(&m, 1000, 700, 256, 3, 0, TILE_PNG);
    CHECK(tile_parse_name(&m, "r2c3.png", &row, &col) == 0 && row == 2 && col == 3 &&
              tile_parse_name(&m, "r2c3.ppm", &row, &col) == -1 &&
              tile_parse_name(&m, "r3c3.png", &row, &col) == -1 &&
              tile_parse_name(&m, "r2c4.png", &row, &col) == -1,
          "tile_parse_name with .png tiles", "row %u col %u", row, col);
}

static void test_geometry(void)
{
    struct manifest m;
    struct tile_geom g;

    grid(&m, 1000, 700, 256, 3, 3, TILE_PNM);
    tile_geometry(&m, 0, 0, &g);
    CHECK(g.row == 0 && g.col == 0 && g.x0 == 0 && g.y0 == 0 && g.w == 256 && g.h == 256,
          "geometry of the first tile", "x0 %u y0 %u %ux%u", g.x0, g.y0, g.w, g.h);
    tile_geometry(&m, 1, 3, &g);
    CHECK(g.row == 1 && g.col == 3 && g.x0 == 768 && g.y0 == 256 && g.w == 232 && g.h == 256,
          "geometry of the last column", "x0 %u y0 %u %ux%u", g.x0, g.y0, g.w, g.h);
    tile_geometry(&m, 2, 1, &g);
    CHECK(g.x0 == 256 && g.y0 == 512 && g.w == 256 && g.h == 188,
          "geometry of the last row", "x0 %u y0 %u %ux%u", g.x0, g.y0, g.w, g.h);
    tile_geometry(&m, 2, 3, &g);
    CHECK(g.x0 == 768 && g.y0 == 512 && g.w == 232 && g.h == 188,
          "geometry of the last tile", "x0 %u y0 %u %ux%u", g.x0, g.y0, g.w, g.h);

    /* the cores tile the image exactly */
    uint64_t area = 0;
    for (uint32_t r = 0; r < m.rows; r++)
        for (uint32_t c = 0; c < m.cols; c++) {
            tile_geometry(&m, r, c, &g);
            area += (uint64_t)g.w * g.h;
        }
    CHECK(area == 1000u * 700u, "cores cover the image once", "area %llu",
          (unsigned long long)area);

    grid(&m, 512, 512, 256, 1, 0, TILE_PNM);
    tile_geometry(&m, 1, 1, &g);
    CHECK(g.w == 256 && g.h == 256,
          "an exact multiple has no partial tile", "%ux%u", g.w, g.h);
    grid(&m, 100, 50, 256, 1, 7, TILE_PNM);
    tile_geometry(&m, 0, 0, &g);
    CHECK(m.cols == 1 && m.rows == 1 && g.w == 100 && g.h == 50,
          "a tile larger than the image", "%ux%u", g.w, g.h);
    grid(&m, 5, 3, 1, 1, 2, TILE_PNM);
    tile_geometry(&m, 2, 4, &g);
    CHECK(g.x0 == 4 && g.y0 == 2 && g.w == 1 && g.h == 1,
          "1-pixel tiles", "x0 %u y0 %u %ux%u", g.x0, g.y0, g.w, g.h);
}

/* write_tile - tile_write px (w x h) to path; returns 0 or -1. */
static int write_tile(const struct manifest *m, const char *path, const uint8_t *px,
                      uint32_t w, uint32_t h)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int rc = tile_write(m, &m->plan.img[0], f, path, px, w, h, err);
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_round_trip(void)
{
    const uint32_t w = 13, h = 7;
    uint8_t px[13 * 7 * 4 * 2], back[13 * 7 * 4 * 2];
    struct manifest m;
    char name[64];
    static const char *magic[] = {"", "P5", "P7", "P6", "P7"};

    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)rnd();
    for (int fmt = 0; fmt < 4; fmt++)
        for (int ch = 1; ch <= 4; ch++) {
            int depth = fmt >= 2 ? 16 : 8;
            grid(&m, 100, 100, 16, ch, 0, fmt % 2 ? TILE_PNG : TILE_PNM);
            m.plan.img[0].depth = depth;
            const char *path = tpath("rt.tile");
            memset(back, 0, sizeof back);
            int rc = write_tile(&m, path, px, w, h);
            int rc2 = rc == 0 ? tile_read(&m, &m.plan.img[0], path, back, w, h, err) : -5;
            FILE *f = fopen(path, "rb");
            char head[8] = "";
            if (f) {
                if (fread(head, 1, 4, f) != 4)
                    head[0] = '\0';
                fclose(f);
            }
            int right_kind = fmt % 2 ? memcmp(head, "\x89PNG", 4) == 0
                                     : strncmp(head, magic[ch], 2) == 0;
            snprintf(name, sizeof name, "tile round trip: %s, %d channel%s, %d-bit",
                     fmt % 2 ? "png" : "pnm", ch, ch > 1 ? "s" : "", depth);
            CHECK(rc == 0 && rc2 == 0 && right_kind &&
                      memcmp(px, back, (size_t)w * h * ch * (size_t)depth / 8) == 0,
                  name, "write %d read %d kind ok %d err '%s'", rc, rc2, right_kind, err);
            unlink(path);
        }
}

static void test_read_rejects(void)
{
    const uint32_t w = 13, h = 7;
    uint8_t px[13 * 7 * 4], back[14 * 8 * 4];
    struct manifest m, m1;
    int rc;

    memset(px, 0x5a, sizeof px);
    for (int fmt = 0; fmt < 2; fmt++) {
        const char *kind = fmt ? "png" : "pnm";
        char name[96];
        enum tile_format tf = fmt ? TILE_PNG : TILE_PNM;
        grid(&m, 100, 100, 16, 3, 0, tf);
        const char *path = tpath(fmt ? "t.png" : "t.ppm");

        write_tile(&m, path, px, w, h);
        long size = file_size(path);
        if (truncate(path, size - 1) != 0)
            size = -1;
        err[0] = '\0';
        rc = tile_read(&m, &m.plan.img[0], path, back, w, h, err);
        snprintf(name, sizeof name, "%s: a tile short by one byte is refused", kind);
        CHECK(size > 0 && rc == -1 && has(path), name, "rc %d err '%s'", rc, err);

        write_tile(&m, path, px, w, h);
        if (truncate(path, size / 2) != 0)
            size = -1;
        err[0] = '\0';
        rc = tile_read(&m, &m.plan.img[0], path, back, w, h, err);
        snprintf(name, sizeof name, "%s: a tile cut in half is refused", kind);
        CHECK(size > 0 && rc == -1 && has(path), name, "rc %d err '%s'", rc, err);

        write_tile(&m, path, px, w, h);
        FILE *f = fopen(path, "ab");
        if (f) {
            fputc(0, f);
            fclose(f);
        }
        err[0] = '\0';
        rc = tile_read(&m, &m.plan.img[0], path, back, w, h, err);
        /* tile.h: "A short, long or mis-sized file is an error" */
        snprintf(name, sizeof name, "%s: a tile with an extra byte is refused", kind);
        CHECK(rc == -1 && has(path), name, "rc %d err '%s'", rc, err);

        write_tile(&m, path, px, w, h);
        rc = tile_read(&m, &m.plan.img[0], path, back, w + 1, h, err);
        snprintf(name, sizeof name, "%s: a tile of the wrong width is refused", kind);
        CHECK(rc == -1 && has("expected"), name, "rc %d err '%s'", rc, err);
        rc = tile_read(&m, &m.plan.img[0], path, back, w, h - 1, err);
        snprintf(name, sizeof name, "%s: a tile of the wrong height is refused", kind);
        CHECK(rc == -1 && has(path) && has("13x7"), name, "rc %d err '%s'", rc, err);

        grid(&m1, 100, 100, 16, 1, 0, tf);
        rc = tile_read(&m1, &m1.plan.img[0], path, back, w, h, err);
        snprintf(name, sizeof name, "%s: a tile with the wrong channel count is refused", kind);
        CHECK(rc == -1 && has("channels"), name, "rc %d err '%s'", rc, err);

        /* a tile of the other format */
        grid(&m1, 100, 100, 16, 3, 0, fmt ? TILE_PNM : TILE_PNG);
        rc = tile_read(&m1, &m1.plan.img[0], path, back, w, h, err);
        snprintf(name, sizeof name, "%s file read as the other format is refused", kind);
        CHECK(rc == -1, name, "rc %d", rc);

        unlink(path);
        rc = tile_read(&m, &m.plan.img[0], path, back, w, h, err);
        snprintf(name, sizeof name, "%s: a missing tile is an error", kind);
        CHECK(rc == -1 && has(path) && has("No such file"), name, "rc %d err '%s'", rc, err);
    }

    /* pnm: maxval other than 255, with the right number of (2-byte) samples */
    grid(&m, 100, 100, 16, 1, 0, TILE_PNM);
    const char *path = tpath("deep.pgm");
    FILE *f = fopen(path, "wb");
    if (f) {
        fprintf(f, "P5\n%u %u\n65535\n", w, h);
        for (uint32_t i = 0; i < w * h * 2; i++)
            fputc(0x11, f);
        fclose(f);
    }
    rc = tile_read(&m, &m.plan.img[0], path, back, w, h, err);
    CHECK(rc == -1 && has("maxval"), "pnm: a 16-bit tile where 8 bits are planned is refused",
          "rc %d err '%s'", rc, err);
    m.plan.img[0].depth = 16;
    rc = tile_read(&m, &m.plan.img[0], path, back, w, h, err);
    CHECK(rc == 0 && back[0] == 0x11 && back[1] == 0x11, "pnm: a 16-bit tile is read as planned",
          "rc %d err '%s'", rc, err);
    m.plan.img[0].depth = 8;
    f = fopen(path, "wb");
    if (f) {
        fprintf(f, "P5\n%u %u\n255\n", w, h);
        for (uint32_t i = 0; i < w * h; i++)
            fputc(i & 0xff, f);
        fclose(f);
    }
    rc = tile_read(&m, &m.plan.img[0], path, back, w, h, err);
    CHECK(rc == 0 && back[0] == 0 && back[w * h - 1] == ((w * h - 1) & 0xff),
          "pnm: a hand-written P5 tile is read", "rc %d err '%s'", rc, err);
    unlink(path);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(top, sizeof top, "%.200s/test_tile.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(top)) {
        perror(top);
        return 2;
    }
    test_names();
    test_parse_rejects();
    test_geometry();
    test_round_trip();
    test_read_rejects();
    CHECK(rmdir(top) == 0, "temporary directory empty and removed", "%s: %s", top,
          strerror(errno));
    CHECK_DONE();
}
