/*
 * canvas.c - compose downscaled views of a job from its tile files: the
 * source from the input tiles wherever they are (tiles/, claimed/, done/,
 * failed/; done/ is empty with --no-keep), the output from out/.  Neither
 * the original input nor the assembled output is needed: the report shows
 * what the spool holds.  A chain that changes the image's size cuts its
 * input tiles by the filters' own answers (plan.h), which this program
 * does not run: the source view is then left empty and says so.  Views
 * are 8-bit: a 16-bit tile is shown by its samples' high bytes.
 */
#include "inspect.h"
#include "tilestate.h"
#include "image.h"
#include "tile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const uint8_t state_rgb[TILE_NSTATES][3] = {
    {150, 150, 150},   /* waiting: grey */
    {30, 136, 229},    /* claimed: blue */
    {46, 158, 68},     /* done: green */
    {229, 57, 53}      /* failed: red */
};

/* canvas_init - an empty view of the image, checkerboard grey. */
static int canvas_init(struct canvas *c, const struct plan_image *im, char *err)
{
    uint32_t edge = im->w > im->h ? im->w : im->h;
    memset(c, 0, sizeof *c);
    c->scale = (edge + VIEW_MAX_EDGE - 1) / VIEW_MAX_EDGE;
    c->w = (im->w + c->scale - 1) / c->scale;
    c->h = (im->h + c->scale - 1) / c->scale;
    c->channels = im->ch;
    c->px = malloc((size_t)c->w * c->h * (size_t)c->channels);
    if (!c->px)
        return errf(err, "out of memory for a %ux%u view", c->w, c->h);
    for (uint32_t y = 0; y < c->h; y++)
        for (uint32_t x = 0; x < c->w; x++) {
            uint8_t *p = c->px + ((size_t)y * c->w + x) * (size_t)c->channels;
            uint8_t v = ((x / 8 + y / 8) & 1) ? 96 : 64;
            memset(p, v, (size_t)c->channels);
            if (c->channels == 2 || c->channels == 4)
                p[c->channels - 1] = 255;
        }
    return 0;
}

void canvas_free(struct canvas *c)
{
    free(c->px);
    c->px = NULL;
}

/* first_at - the first view pixel at or after image coordinate v. */
static uint32_t first_at(uint32_t v, uint32_t scale) { return (v + scale - 1) / scale; }

/* draw_tile - sample the tile's pixels (buf, bw wide, core at (ox, oy))
 * into the view. */
static void draw_tile(struct canvas *c, const struct tile_geom *g, const uint8_t *buf, uint32_t bw,
                      uint32_t ox, uint32_t oy)
{
    size_t ch = (size_t)c->channels;
    for (uint32_t vy = first_at(g->y0, c->scale); vy < first_at(g->y0 + g->h, c->scale); vy++)
        for (uint32_t vx = first_at(g->x0, c->scale); vx < first_at(g->x0 + g->w, c->scale); vx++) {
            uint32_t ty = vy * c->scale - g->y0 + oy, tx = vx * c->scale - g->x0 + ox;
            memcpy(c->px + ((size_t)vy * c->w + vx) * ch, buf + ((size_t)ty * bw + tx) * ch, ch);
        }
    c->tiles++;
}

/* load_tile - read jobdir/rel (bw x bh) into buf and draw it.  Returns 0,
 * 1 if the file is gone (it moved on), -1 if it could not be read (noted
 * in c). */
static int load_tile(struct canvas *c, const struct report *r, const struct tile_geom *g,
                     const char *rel, const struct plan_image *im, uint8_t *buf, uint32_t bw,
                     uint32_t bh, uint32_t ox, uint32_t oy)
{
    char path[PATH_MAX], err[ERR_MAX];
    if (spool_path(path, r->jobdir, rel, NULL, err) < 0 || access(path, F_OK) != 0)
        return 1;
    int rc = tile_read(r->js.m, im, path, buf, bw, bh, err);
    if (rc == 0 && im->depth == 16)      /* host order: the high byte of each */
        for (size_t i = 0; i < (size_t)bw * bh * (size_t)im->ch; i++)
            buf[i] = (uint8_t)(((uint16_t)buf[2 * i] | (uint16_t)buf[2 * i + 1] << 8) >> 8);
    if (rc < 0) {
        if (access(path, F_OK) != 0)
            return 1;
        if (!c->unreadable++)
            snprintf(c->first_error, sizeof c->first_error, "%s", err);
        return -1;
    }
    draw_tile(c, g, buf, bw, ox, oy);
    return 0;
}

/* find_input - the input tile's file relative to r->jobdir into rel,
 * wherever it is now.  Returns 0 or 1 (none, or it cannot be told). */
static int find_input(const struct report *r, const char *tile, char rel[PATH_MAX])
{
    char err[ERR_MAX];
    if (tilestate_find_input(r->jobdir, tile, rel, err) == 0)
        return 0;
    rel[0] = '\0';
    return 1;
}

/* compose_tile - draw tile (row, col) into both views. */
static void compose_tile(struct report *r, uint32_t row, uint32_t col, uint8_t *buf)
{
    const struct manifest *m = r->js.m;
    struct tile_geom g;
    char name[SPOOL_TILE_NAME_MAX], rel[PATH_MAX];
    size_t i = (size_t)row * m->cols + col;
    tile_geometry(m, row, col, &g);
    tile_name(m, row, col, name);
    /* a tile may move on between finding and reading it: look again */
    struct plan_tile t;
    char err[ERR_MAX];
    int shown = manifest_plan_tile(m, row, col, &t, err) == 0;   /* not for geometric jobs */
    const struct plan_rect *in = &t.want[0];
    for (int tries = 0; shown && tries < 3; tries++) {
        if (find_input(r, name, r->input[i]) != 0 ||
            load_tile(&r->src, r, &g, r->input[i], &m->plan.img[0], buf, in->w, in->h,
                      (uint32_t)(t.core.x - in->x), (uint32_t)(t.core.y - in->y)) <= 0)
            break;
    }
    if (!shown)
        find_input(r, name, r->input[i]);      /* still linked from the report */
    snprintf(rel, sizeof rel, "%s/%s", SPOOL_OUT, name);
    load_tile(&r->out, r, &g, rel, &m->plan.img[m->nstages], buf, g.w, g.h, 0, 0);
}

int canvas_compose(struct report *r, char *err)
{
    const struct manifest *m = r->js.m;
    const struct plan_image *src = &m->plan.img[0], *dst = &m->plan.img[m->nstages];
    size_t tw = m->tile_size < dst->w ? m->tile_size : dst->w;
    size_t th = m->tile_size < dst->h ? m->tile_size : dst->h, H2 = 2 * (size_t)m->halo;
    /* the largest tile file read: an input tile (when shown) or an output one */
    size_t in_px = manifest_geometric(m) ? 0 : (tw + H2) * (th + H2);
    size_t out_px = tw * th;
    size_t bytes = in_px * plan_bytes_per_pixel(src) > out_px * plan_bytes_per_pixel(dst)
                       ? in_px * plan_bytes_per_pixel(src) : out_px * plan_bytes_per_pixel(dst);
    r->input = calloc(r->js.total, sizeof *r->input);
    uint8_t *buf = malloc(bytes);
    int rc = 0;
    if (!r->input || !buf)
        rc = errf(err, "out of memory for tiles of %zu bytes", bytes);
    if (rc == 0 && (canvas_init(&r->src, src, err) < 0 || canvas_init(&r->out, dst, err) < 0))
        rc = -1;
    for (uint32_t row = 0; rc == 0 && row < m->rows; row++)
        for (uint32_t col = 0; col < m->cols; col++)
            compose_tile(r, row, col, buf);
    free(buf);
    return rc;
}

/* base64 - encode n bytes of p as one malloc'd string, or NULL. */
static char *base64(const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

char *canvas_png_base64(const struct canvas *c, char *err)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f) {
        errf_sys(err, "in-memory PNG");
        return NULL;
    }
    struct img_write_opts o;
    img_default_opts(&o);
    img_writer *w = img_create(f, "view.png", IMG_PNG, c->w, c->h, c->channels, &o, err);
    int rc = w ? 0 : -1;
    if (rc == 0 && img_write_rows(w, c->px, c->h, err) < 0) {
        img_abandon(w);
        rc = -1;
    } else if (rc == 0) {
        rc = img_finish(w, err);
    }
    if (fclose(f) != 0 && rc == 0)
        rc = errf_sys(err, "in-memory PNG");
    char *text = rc == 0 ? base64((const unsigned char *)mem, len) : NULL;
    if (rc == 0 && !text)
        errf(err, "out of memory encoding a view");
    free(mem);
    return text;
}
