/*
 * whole.c - a filter chain on whole images in one process (whole.h).
 */
#include "whole.h"
#include "err.h"
#include "pad.h"
#include "progress.h"

#include <stdlib.h>
#include <string.h>

int whole_load(const char *text, enum filter_backend backend, struct whole_chain *wc,
               enum resolve_error *why, char *err)
{
    struct chain c;
    memset(wc, 0, sizeof *wc);
    wc->backend = backend;
    *why = RESOLVE_USAGE;
    if (chain_parse(text, &c, err) < 0)
        return -1;
    if (resolve_chain_loaded(&c, backend, wc->stages, wc->mods, why, err) < 0)
        return -1;
    wc->nstages = c.nstages;
    return 0;
}

void whole_unload(struct whole_chain *wc)
{
    for (int i = 0; i < wc->nstages; i++)
        filter_unload(wc->mods[i]);
    wc->nstages = 0;
}

/* What fill_decoded needs: the open decoder, the rectangle of the image
 * to fill and where its time goes. */
struct decode_ctx {
    img_reader *r;
    const struct img_info *info;
    struct plan_rect want;
    uint8_t *row;              /* one decoded row, for rows not placed whole */
    double seconds;
};

/* fill_decoded - exec_fill_fn: decode the image row by row into dst, the
 * rectangle `want` of it, and replicate its edges where want reaches past
 * them. */
static int fill_decoded(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    struct decode_ctx *d = ctx;
    const struct plan_rect *r = &d->want;
    double t0 = now_seconds();
    uint32_t iw = d->info->width, ih = d->info->height;
    size_t ch = (size_t)d->info->channels;
    int64_t x0 = r->x < 0 ? 0 : r->x, x1 = r->x + w < iw ? r->x + w : iw;
    int whole = r->x <= 0 && r->x + w >= iw;
    for (int64_t y = 0; y < ih; y++) {
        int in = y >= r->y && y < r->y + h;
        uint8_t *at = in ? dst + ((size_t)(y - r->y) * w + (size_t)(x0 - r->x)) * ch : NULL;
        if (img_read_rows(d->r, in && whole ? at : d->row, 1, err) < 0)
            return -1;
        if (in && !whole)
            memcpy(at, d->row + (size_t)x0 * ch, (size_t)(x1 - x0) * ch);
    }
    struct pad_rect rect = {r->x, r->y, w, h};
    if (pad_touches_border(&rect, iw, ih))
        pad_replicate(dst, &rect, (int)ch, iw, ih);
    d->seconds += now_seconds() - t0;
    return 0;
}

int whole_save(const char *path, const uint8_t *px, uint32_t w, uint32_t h, int ch,
               const struct img_write_opts *o, char *err)
{
    enum img_format fmt = img_format_from_path(path);
    FILE *f = fopen(path, "wb");
    if (!f)
        return errf_sys(err, "%s", path);
    img_writer *wr = img_create(f, path, fmt == IMG_UNKNOWN ? IMG_PNG : fmt, w, h, ch, o, err);
    int rc = wr ? img_write_rows(wr, px, h, err) : -1;
    rc = wr ? (rc == 0 ? img_finish(wr, err) : (img_abandon(wr), -1)) : -1;
    if (fclose(f) != 0 && rc == 0)
        rc = errf_sys(err, "%s", path);
    return rc;
}

int whole_image(const struct whole_chain *wc, const char *in, const char *out,
                const struct img_write_opts *wopts, uint64_t max_pixels, struct whole_times *t,
                int *trapped, char *err)
{
    struct img_info info;
    struct exec_out res = {0};
    struct plan p;
    struct plan_tile tile = {0};
    enum resolve_error why;
    enum exec_result rc = EXEC_FAILED;
    *trapped = 0;
    double t0 = now_seconds();
    struct decode_ctx d = {img_open(in, max_pixels, &info, err), &info, {0, 0, 0, 0}, NULL, 0};
    if (!d.r)
        return -1;
    const struct plan_image src = {info.width, info.height, info.channels, 8};
    if (!(d.row = malloc((size_t)info.width * (size_t)info.channels)))
        errf(err, "out of memory");
    else if (resolve_plan_stages(wc->mods, wc->stages, wc->nstages, &src, 0, max_pixels, &p,
                                 NULL, &why, err) == 0)
        rc = exec_plan_tile(wc->mods, wc->stages, &p, 0, 0, 0, &tile, err);
    d.want = tile.want[0];
    double t1 = now_seconds();
    if (rc == EXEC_OK)
        rc = exec_chain(wc->mods, wc->stages, &p, &tile, 0, wc->nstages, NULL, 0, fill_decoded,
                        &d, &res, err);
    double t2 = now_seconds();
    img_close(d.r);
    free(d.row);
    if (rc != EXEC_OK) {
        *trapped = rc == EXEC_TRAPPED;
        return err_prefix(err, "%s", in);
    }
    const struct plan_image *o = &p.img[p.nstages];
    int st = whole_save(out, res.px, o->w, o->h, o->ch, wopts, err);
    double t3 = now_seconds();
    exec_release(&res);
    if (t) {
        /* the decoder runs inside exec_chain, through fill_decoded */
        t->decode += (t1 - t0) + d.seconds;
        t->filter += (t2 - t1) - d.seconds;
        t->encode += t3 - t2;
    }
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double whole_median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
