/*
 * prepare.c - splitter: the chain one input runs, resolved and planned.
 *
 * Two things depend on the input, not only on the user's chain:
 *
 *   - Auto-orient.  A stored EXIF orientation other than 1 becomes the
 *     geometry stages that turn the stored pixels upright, put before the
 *     user's stages and recorded in the job like them; the output then
 *     has orientation 1.  --no-autorotate keeps the stored pixels.
 *   - Shrink-on-load.  When the first of the user's stages is the bundled
 *     resize (or a thumbnail that fits inside or exactly) and it shrinks
 *     a JPEG by 4x or more, libjpeg decodes it at 1/2, 1/4 or 1/8 size
 *     with DCT scaling, as vipsthumbnail does, keeping at least a 2x
 *     reduction for the resampling kernel to antialias.  That stage
 *     becomes a resize to the same output size, so the result has the
 *     size it would have had, from a decode that costs a fraction.
 *
 * Resolving and planning runs filter code: resolve.h does it in a child.
 */
#include "split.h"
#include "err.h"
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

/* The stages that make EXIF orientation o upright (o = 2..8), as
 * libvips's autorot and the EXIF specification give them. */
static const char *const orient_stages[9][2] = {
    [2] = {"flip:direction=horizontal", NULL},
    [3] = {"rotate:angle=180", NULL},
    [4] = {"flip:direction=vertical", NULL},
    [5] = {"transpose", NULL},
    [6] = {"rotate:angle=90", NULL},
    [7] = {"rotate:angle=270", "flip:direction=horizontal"},
    [8] = {"rotate:angle=270", NULL},
};

/* orient_chain - user's chain after the stages of orientation o into
 * *out.  Returns how many stages were put first, or -1 with err when the
 * chain becomes too long. */
static int orient_chain(const struct chain *user, int o, struct chain *out, char *err)
{
    struct chain lead = {0};
    char text[128] = "";
    for (int k = 0; o >= 2 && o <= 8 && k < 2 && orient_stages[o][k]; k++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", k ? "," : "",
                 orient_stages[o][k]);
    if (text[0] && chain_parse(text, &lead, err) < 0)
        return -1;
    if (lead.nstages + user->nstages > CHAIN_MAX_STAGES)
        return errf(err, "filter chain: more than %d filters with the %d that turn the "
                    "image upright (--no-autorotate keeps it as stored)", CHAIN_MAX_STAGES,
                    lead.nstages);
    *out = lead;
    memcpy(&out->stages[lead.nstages], user->stages, sizeof user->stages[0] * user->nstages);
    out->nstages = lead.nstages + user->nstages;
    return lead.nstages;
}

/* param_of - the value the user gave stage st's parameter key, or NULL. */
static const char *param_of(const struct chain_stage *st, const char *key)
{
    for (int i = 0; i < st->nparams; i++)
        if (strcmp(st->params[i].key, key) == 0)
            return st->params[i].value;
    return NULL;
}

/* shrinkable - 1 if stage st may be replaced by a resize to its planned
 * output size: the bundled resize, or thumbnail fitting inside or
 * exactly (a cover crop is not a resize). */
static int shrinkable(const struct chain_stage *st)
{
    if (st->is_path)
        return 0;
    if (strcmp(st->name, "resize") == 0)
        return 1;
    const char *fit = param_of(st, "fit");
    return strcmp(st->name, "thumbnail") == 0 &&
           (!fit || strcmp(fit, "inside") == 0 || strcmp(fit, "0") == 0 ||
            strcmp(fit, "exact") == 0 || strcmp(fit, "2") == 0);
}

/* shrink_for - the JPEG DCT shrink (1, 2, 4 or 8) for stage k of p,
 * which reduces image k to image k+1. */
static int shrink_for(const struct plan *p, int k)
{
    double fx = (double)p->img[k].w / p->img[k + 1].w, fy = (double)p->img[k].h / p->img[k + 1].h;
    double f = fx < fy ? fx : fy;
    return f >= 16 ? 8 : f >= 8 ? 4 : f >= 4 ? 2 : 1;
}

/* as_resize - stage st replaced by a resize to w x h with its kernel. */
static void as_resize(struct chain_stage *st, uint32_t w, uint32_t h)
{
    const char *kernel = param_of(st, "kernel");
    struct chain_stage r = {0};
    snprintf(r.name, sizeof r.name, "resize");
    snprintf(r.params[0].key, CHAIN_KEY_MAX, "width");
    snprintf(r.params[0].value, CHAIN_VALUE_MAX, "%u", w);
    snprintf(r.params[1].key, CHAIN_KEY_MAX, "height");
    snprintf(r.params[1].value, CHAIN_VALUE_MAX, "%u", h);
    r.nparams = 2;
    if (kernel) {
        snprintf(r.params[2].key, CHAIN_KEY_MAX, "kernel");
        snprintf(r.params[2].value, CHAIN_VALUE_MAX, "%s", kernel);
        r.nparams = 3;
    }
    *st = r;
}

/* resolve - resolve and plan chain c for source src into m; *first gets
 * every tile's source rectangle.  Returns an exit status. */
static int resolve(const struct split_opts *o, const struct chain *c,
                   const struct plan_image *src, struct manifest *m, struct plan_rect **first,
                   char *err)
{
    enum resolve_error why;
    *first = NULL;
    if (resolve_plan_isolated(c, src, o->tile_size, o->max_pixels, m->stages, &m->plan, first,
                              resolve_describe_timeout(), &why, err) < 0)
        return why == RESOLVE_USAGE ? EXIT_USAGE : EXIT_INPUT;
    m->nstages = c->nstages;
    return EXIT_OK;
}

/* read_info - the header of input decoded as o and shrink say, into
 * *info, the file closed again: planning forks a child, which should not
 * share an open input with the decoder.  Returns 0 or -1 with err. */
static int read_info(const struct split_opts *o, const char *input, int shrink,
                     struct img_info *info, char *err)
{
    struct img_open_opts oo = {o->max_pixels, !o->depth8, shrink, o->page};
    FILE *f = spool_fopen_input(stdin_path(o, input), err);
    img_reader *r = f ? img_open_opts_fp(f, stdin_name(input), &oo, info, err) : NULL;
    img_close(r);
    return r ? 0 : -1;
}

int prepare_input(const struct split_opts *o, const struct chain *user, const char *input,
                  struct img_info *info, struct manifest *m, struct plan_rect **first,
                  char *err)
{
    struct chain c;
    *first = NULL;
    if (read_info(o, input, 1, info, err) < 0)
        return EXIT_INPUT;
    int lead = orient_chain(user, o->autorotate ? info->orientation : 1, &c, err);
    if (lead < 0)
        return EXIT_USAGE;
    struct plan_image src = {info->width, info->height, info->channels, info->depth};
    int status = resolve(o, &c, &src, m, first, err);
    int s = status == EXIT_OK && info->format == IMG_JPEG && shrinkable(&c.stages[lead])
                ? shrink_for(&m->plan, lead) : 1;
    if (s == 1)
        return status;
    struct plan_image want = m->plan.img[m->plan.nstages];
    as_resize(&c.stages[lead], m->plan.img[lead + 1].w, m->plan.img[lead + 1].h);
    free(*first);
    *first = NULL;
    if (read_info(o, input, s, info, err) < 0)
        return EXIT_INPUT;
    src = (struct plan_image){info->width, info->height, info->channels, info->depth};
    status = resolve(o, &c, &src, m, first, err);
    const struct plan_image *got = &m->plan.img[m->plan.nstages];
    if (status == EXIT_OK && (got->w != want.w || got->h != want.h))
        return errf(err, "%s: internal: shrink-on-load by %d changed the output from %ux%u to "
                    "%ux%u", input, s, want.w, want.h, got->w, got->h), EXIT_INPUT;
    return status;
}
