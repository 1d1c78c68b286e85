/*
 * tile.c - tile names, geometry, and reading/writing tile files (tile.h).
 */
#include "tile.h"
#include "err.h"
#include "netpbm.h"
#include "spool_fs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tile_geometry(const struct manifest *m, uint32_t row, uint32_t col, struct tile_geom *g)
{
    g->row = row;
    g->col = col;
    g->x0 = col * m->tile_size;
    g->y0 = row * m->tile_size;
    uint32_t W = m->plan.img[m->nstages].w, H = m->plan.img[m->nstages].h;
    g->w = W - g->x0 < m->tile_size ? W - g->x0 : m->tile_size;
    g->h = H - g->y0 < m->tile_size ? H - g->y0 : m->tile_size;
}

void tile_name(const struct manifest *m, uint32_t row, uint32_t col, char *out)
{
    snprintf(out, TILE_NAME_MAX, "r%0*uc%0*u%s", m->digits, row, m->digits, col,
             m->tile_ext);
}

/* parse_index - exactly `digits` decimal digits at *p; advances *p. */
static int parse_index(const char **p, int digits, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (uint32_t)(c - '0');
    }
    *p += digits;
    *out = v;
    return 0;
}

int tile_parse_name(const struct manifest *m, const char *name, uint32_t *row, uint32_t *col)
{
    const char *p = name;
    if (*p++ != 'r' || parse_index(&p, m->digits, row) < 0 || *p++ != 'c' ||
        parse_index(&p, m->digits, col) < 0 || strcmp(p, m->tile_ext) != 0)
        return -1;
    return *row < m->rows && *col < m->cols ? 0 : -1;
}

/* write_pnm16 - 16-bit samples as netpbm wants them, big-endian, a row
 * at a time through a buffer of the caller's. */
static int write_pnm16(FILE *f, const char *name, const uint8_t *px, size_t row_bytes,
                       uint32_t h, uint8_t *row, char *err)
{
    for (uint32_t y = 0; y < h; y++) {
        memcpy(row, px + (size_t)y * row_bytes, row_bytes);
        pnm_swap16(row, row_bytes / 2);
        if (fwrite(row, 1, row_bytes, f) != row_bytes)
            return errf_sys(err, "%s: write", name);
    }
    return 0;
}

int tile_write(const struct manifest *m, const struct plan_image *im, FILE *f,
               const char *name, const uint8_t *px, uint32_t w, uint32_t h, char *err)
{
    int ch = im->ch;
    size_t row_bytes = (size_t)w * plan_bytes_per_pixel(im);
    if (m->tile_format == TILE_PNG) {
        struct img_write_opts o;
        img_default_opts(&o);
        o.png_level = 1;   /* tiles are transient: favour speed over size */
        o.depth = im->depth;
        img_writer *iw = img_create(f, name, IMG_PNG, w, h, ch, &o, err);
        if (!iw)
            return -1;
        if (img_write_rows(iw, px, h, err) < 0) {
            img_abandon(iw);
            return -1;
        }
        return img_finish(iw, err);
    }
    if (pnm_write_header_depth(f, name, w, h, ch, im->depth, err) < 0)
        return -1;
    if (im->depth == 16) {
        uint8_t *row = malloc(row_bytes);
        int rc = row ? write_pnm16(f, name, px, row_bytes, h, row, err)
                     : errf(err, "%s: out of memory", name);
        free(row);
        return rc;
    }
    size_t n = row_bytes * h;
    if (fwrite(px, 1, n, f) != n)
        return errf_sys(err, "%s: write", name);
    return 0;
}

/* read_png_tile - decode a PNG tile from f (closed here) and check its size. */
static int read_png_tile(const struct plan_image *im, FILE *f, const char *path, uint8_t *dst,
                         uint32_t w, uint32_t h, char *err)
{
    struct img_info info;
    struct img_open_opts o = {0};
    /* a generous limit: a wrong size is reported below, with both sizes */
    o.max_pixels = (uint64_t)w * h * 4 + 4096;
    o.keep16 = im->depth == 16;
    img_reader *r = f ? img_open_opts_fp(f, path, &o, &info, err) : NULL;
    if (!r)
        return -1;
    int rc = 0;
    if (info.format != IMG_PNG || info.width != w || info.height != h ||
        info.channels != im->ch || info.depth != im->depth)
        rc = errf(err, "%s: tile is %s %ux%u with %d channels of %d bits, expected PNG %ux%u "
                  "with %d of %d", path, img_format_name(info.format), info.width,
                  info.height, info.channels, info.depth, w, h, im->ch, im->depth);
    else if ((rc = img_read_rows(r, dst, h, err)) == 0 && img_has_trailing_bytes(r) != 0)
        rc = errf(err, "%s: tile has bytes after its image", path);
    img_close(r);
    return rc;
}

/* read_tile - the tile in f (closed here, NULL after a failed open) into
 * dst; path names it in messages.  Returns as tile_read. */
static int read_tile(const struct manifest *m, const struct plan_image *im, FILE *f,
                     const char *path, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    if (m->tile_format == TILE_PNG)
        return read_png_tile(im, f, path, dst, w, h, err);
    if (!f)
        return -1;
    struct pnm_header hd;
    unsigned maxval = im->depth == 16 ? 65535u : 255u;
    int rc = pnm_read_header(f, path, &hd, err);
    if (rc == 0 && (hd.width != w || hd.height != h || hd.channels != im->ch ||
                    hd.maxval != maxval))
        rc = errf(err, "%s: tile is %ux%u with %d channels (maxval %u), expected %ux%u with "
                  "%d (maxval %u)", path, hd.width, hd.height, hd.channels, hd.maxval, w, h,
                  im->ch, maxval);
    size_t n = (size_t)w * h * plan_bytes_per_pixel(im);
    if (rc == 0 && fread(dst, 1, n, f) != n)
        rc = errf(err, "%s: tile is truncated", path);
    if (rc == 0 && fgetc(f) != EOF)
        rc = errf(err, "%s: tile has bytes after its pixels", path);
    if (rc == 0 && im->depth == 16)
        pnm_swap16(dst, n / 2);
    fclose(f);
    return rc;
}

int tile_read(const struct manifest *m, const struct plan_image *im, const char *path,
              uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    return read_tile(m, im, spool_fopen(path, err), path, dst, w, h, err);
}

int tile_read_fd(const struct manifest *m, const struct plan_image *im, int fd,
                 const char *path, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    /* a copy of the descriptor, so that closing the stream keeps fd and
     * its lock; it shares fd's offset, so the read starts at the top */
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    FILE *f = NULL;
    if (copy < 0 || lseek(copy, 0, SEEK_SET) < 0 || !(f = fdopen(copy, "rb"))) {
        errf_sys(err, "%s", path);
        if (copy >= 0)
            close(copy);
    }
    return read_tile(m, im, f, path, dst, w, h, err);
}
