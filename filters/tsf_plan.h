/*
 * tsf_plan.h - the ABI version 2 part of the filter SDK, included by
 * tsf_filter.h (never by a filter directly): the args block and the tsf_plan,
 * tsf_region and tsf_run exports, for every kind of filter.
 * filters/ABI.md ("Version 2") is the contract.
 *
 * For point, neighborhood and global filters the SDK answers plan and
 * region itself (the image kept, channels from filter_channels; the out
 * rectangle grown by filter_halo on each side) and tsf_run calls
 * filter_process as tsf_process does.  A geometry filter
 * (TSF_GEOMETRY_FILTER) defines:
 *
 *   static int32_t filter_plan(const float *p, const struct tsf_image *in,
 *                              struct tsf_image *out);
 *	The output image for input image in.  *out is a copy of *in on
 *	entry: set what changes.  TSF_OK, TSF_EPARAM (params it cannot
 *	use), TSF_ECHANNELS or TSF_EBADARG (cannot make that size).
 *
 *   static int32_t filter_region(const float *p, const struct tsf_image *in,
 *                                const struct tsf_image *out,
 *                                const struct tsf_rect *out_rect,
 *                                struct tsf_rect *in_rect);
 *	The smallest input rectangle that out_rect (inside out, never
 *	empty) needs, kernel support included.  It may reach outside in:
 *	the host replicates the edge pixels there.  It must overlap in.
 *
 *   static int32_t filter_process(const struct tsf_call *c);
 *	Fill c->out (c->out_w x c->out_h pixels of c->out_ch channels and
 *	c->out_depth bits) from c->in (c->in_w x c->in_h of c->ch, c->depth).
 *	Buffer pixel (i, j) of out is pixel (out_rect.x + i, out_rect.y + j)
 *	of the output image, and buffer pixel (i, j) of in is input pixel
 *	(in_rect.x + i, in_rect.y + j).  Compute every output pixel from its
 *	absolute position and absolute input positions, by the same
 *	operations wherever the rectangle falls, so that tiles are
 *	seam-free.
 *
 * Every call may come to a fresh instance and depends on its arguments
 * only.  Before filter_process runs, tsf_run has checked that the input
 * image has a declared channel count and depth, that the output image is
 * what plan says for it, that the out rectangle lies inside the output
 * image and the in rectangle is exactly what region says for it, and that
 * both buffers are that size, in allocated memory and apart.
 */
#ifndef TSF_PLAN_H
#define TSF_PLAN_H

#ifndef TSF_ABI_V1

/* The args block of tsf_plan, tsf_region and tsf_run: 20 little-endian int32. */
struct tsf__args {
    int32_t in_w, in_h, in_ch, in_depth;
    int32_t out_w, out_h, out_ch, out_depth;
    int32_t params, in_x, in_y, in_rw;
    int32_t in_rh, out_x, out_y, out_rw;
    int32_t out_rh, in_px, out_px, reserved;
};

_Static_assert(sizeof(struct tsf__args) == 80, "the args block is 80 bytes");
_Static_assert(offsetof(struct tsf__args, in_x) == 36 && offsetof(struct tsf__args, out_px) == 72,
               "the args block's offsets are fixed by the ABI");

/* Coordinates and sizes stay within +-2^30, so sums of two never overflow. */
#define TSF__COORD_MAX (1 << 30)

/*
 * tsf__args_read - copy the block at off into a and its params into p;
 * 0, or -1 if the block or the params lie outside allocated memory.
 */
static int tsf__args_read(int32_t off, struct tsf__args *a, float *p)
{
    uint32_t o = (uint32_t)off, q;
    if (o == 0 || (uint64_t)o + sizeof *a > tsf__top)
        return -1;
    __builtin_memcpy(a, tsf_ptr(off), sizeof *a);
    q = (uint32_t)a->params;
    if (q && (uint64_t)q + 4 * (uint64_t)tsf__info.nparams > tsf__top)
        return -1;
    tsf__params(a->params, p);
    return 0;
}

/* tsf__depth_ok - is depth one of the declared depths? */
static int tsf__depth_ok(int32_t depth)
{
    int32_t v = 0;
    for (const char *s = tsf__info.depths; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            v = v * 10 + (*s - '0');
            continue;
        }
        if (v != 0 && v == depth)
            return 1;
        v = 0;
    }
    return 0;
}

/* tsf__image_ok - is im a size and format the ABI allows? */
static int tsf__image_ok(const struct tsf_image *im)
{
    return im->w >= 1 && im->h >= 1 && im->w <= TSF__COORD_MAX && im->h <= TSF__COORD_MAX &&
           im->ch >= 1 && im->ch <= 4 && (im->depth == 8 || im->depth == 16);
}

/*
 * tsf__plan_image - check the input image of a, fill *in and the output
 * image *out that these params make of it.  0 or the error code.
 */
static int32_t tsf__plan_image(const struct tsf__args *a, const float *p, struct tsf_image *in,
                               struct tsf_image *out)
{
    if (a->in_w < 1 || a->in_h < 1 || a->in_w > TSF__COORD_MAX || a->in_h > TSF__COORD_MAX)
        return TSF_EBADARG;
    if (!tsf__channels_ok(a->in_ch))
        return TSF_ECHANNELS;
    if (!tsf__depth_ok(a->in_depth))
        return TSF_EDEPTH;
    *in = (struct tsf_image){(uint32_t)a->in_w, (uint32_t)a->in_h, (uint32_t)a->in_ch,
                             (uint32_t)a->in_depth};
    *out = *in;
    if (tsf__info.plan) {
        int32_t rc = tsf__info.plan(p, in, out);
        if (rc != TSF_OK)
            return rc;
        return tsf__image_ok(out) ? TSF_OK : TSF_EBADARG;
    }
    if (filter_halo(p) < 0)
        return TSF_EPARAM;
    if (tsf__info.channels_out) {
        int32_t ch = tsf__info.channels_out(p, in->ch);
        if (ch < 0)
            return TSF_EPARAM;
        if (ch < 1 || ch > 4)
            return TSF_ECHANNELS;
        out->ch = (uint32_t)ch;
    }
    return TSF_OK;
}

/* tsf__rect_ok - does r lie within +-2^30 and overlap image im? */
static int tsf__rect_ok(const struct tsf_rect *r, const struct tsf_image *im)
{
    int64_t x = r->x, y = r->y, w = r->w, h = r->h;
    if (w < 1 || h < 1 || w > TSF__COORD_MAX || h > TSF__COORD_MAX || x < -TSF__COORD_MAX ||
        y < -TSF__COORD_MAX || x + w > TSF__COORD_MAX || y + h > TSF__COORD_MAX)
        return 0;
    return x < (int64_t)im->w && y < (int64_t)im->h && x + w > 0 && y + h > 0;
}

/* tsf__rect_inside - does r lie wholly inside image im? */
static int tsf__rect_inside(const struct tsf_rect *r, const struct tsf_image *im)
{
    return tsf__rect_ok(r, im) && r->x >= 0 && r->y >= 0 &&
           (int64_t)r->x + r->w <= (int64_t)im->w && (int64_t)r->y + r->h <= (int64_t)im->h;
}

/*
 * tsf__images - read the block at args for tsf_region or tsf_run: the
 * input image, the output image (which must be what plan says) and the
 * out rectangle (which must lie inside it).  0 or the error code.
 */
static int32_t tsf__images(int32_t args, struct tsf__args *a, float *p, struct tsf_image *in,
                           struct tsf_image *out, struct tsf_rect *orect)
{
    if (tsf__args_read(args, a, p) < 0)
        return TSF_EBADARG;
    int32_t rc = tsf__plan_image(a, p, in, out);
    if (rc != TSF_OK)
        return rc;
    if ((int64_t)out->w != a->out_w || (int64_t)out->h != a->out_h ||
        (int64_t)out->ch != a->out_ch || (int64_t)out->depth != a->out_depth)
        return TSF_EBADARG;
    if (a->out_rw < 1 || a->out_rh < 1)
        return TSF_EBADARG;
    *orect = (struct tsf_rect){a->out_x, a->out_y, (uint32_t)a->out_rw, (uint32_t)a->out_rh};
    return tsf__rect_inside(orect, out) ? TSF_OK : TSF_EBADARG;
}

/*
 * tsf__region_rect - the input rectangle *irect that *orect needs: the
 * geometry filter's answer, or orect grown by the halo.  0 or the error code.
 */
static int32_t tsf__region_rect(const float *p, const struct tsf_image *in,
                                const struct tsf_image *out, const struct tsf_rect *orect,
                                struct tsf_rect *irect)
{
    if (tsf__info.region) {
        int32_t rc = tsf__info.region(p, in, out, orect, irect);
        if (rc != TSF_OK)
            return rc;
    } else {
        int64_t h = filter_halo(p);
        if (h < 0 || h > TSF__COORD_MAX)
            return TSF_EBADARG;
        int64_t x = orect->x - h, y = orect->y - h, w = orect->w + 2 * h, hh = orect->h + 2 * h;
        if (x < -TSF__COORD_MAX || y < -TSF__COORD_MAX || w > TSF__COORD_MAX ||
            hh > TSF__COORD_MAX)
            return TSF_EBADARG;
        *irect = (struct tsf_rect){(int32_t)x, (int32_t)y, (uint32_t)w, (uint32_t)hh};
    }
    return tsf__rect_ok(irect, in) ? TSF_OK : TSF_EBADARG;
}

/* tsf__store - write n int32 at byte offset at of the block at args. */
static void tsf__store(int32_t args, uint32_t at, const int32_t *v, uint32_t n)
{
    __builtin_memcpy(tsf_ptr(args) + at, v, 4 * (size_t)n);
}

/* tsf_plan - export: out_w, out_h, out_ch, out_depth for the input image. */
TSF_EXPORT int32_t tsf_plan(int32_t args)
{
    struct tsf__args a;
    struct tsf_image in, out;
    float p[TSF_MAX_PARAMS];
    if (tsf__args_read(args, &a, p) < 0)
        return TSF_EBADARG;
    int32_t rc = tsf__plan_image(&a, p, &in, &out);
    if (rc != TSF_OK)
        return rc;
    int32_t v[4] = {(int32_t)out.w, (int32_t)out.h, (int32_t)out.ch, (int32_t)out.depth};
    tsf__store(args, offsetof(struct tsf__args, out_w), v, 4);
    return TSF_OK;
}

/* tsf_region - export: in_x, in_y, in_rw, in_rh for the out rectangle. */
TSF_EXPORT int32_t tsf_region(int32_t args)
{
    struct tsf__args a;
    struct tsf_image in, out;
    struct tsf_rect orect, irect;
    float p[TSF_MAX_PARAMS];
    int32_t rc = tsf__images(args, &a, p, &in, &out, &orect);
    if (rc == TSF_OK)
        rc = tsf__region_rect(p, &in, &out, &orect, &irect);
    if (rc != TSF_OK)
        return rc;
    int32_t v[4] = {irect.x, irect.y, (int32_t)irect.w, (int32_t)irect.h};
    tsf__store(args, offsetof(struct tsf__args, in_x), v, 4);
    return TSF_OK;
}

/* tsf__bytes - the size of a w x h buffer of image im's pixel format. */
static uint64_t tsf__bytes(uint32_t w, uint32_t h, const struct tsf_image *im)
{
    return (uint64_t)w * h * im->ch * (im->depth / 8);
}

/* tsf_run - export: check the call, then fill the out rectangle. */
TSF_EXPORT int32_t tsf_run(int32_t args)
{
    struct tsf__args a;
    struct tsf_image in, out;
    struct tsf_rect orect, want, irect;
    struct tsf_call c;
    int32_t rc = tsf__images(args, &a, c.p, &in, &out, &orect);
    if (rc == TSF_OK)
        rc = tsf__region_rect(c.p, &in, &out, &orect, &want);
    if (rc != TSF_OK)
        return rc;
    if (a.in_rw < 1 || a.in_rh < 1)
        return TSF_EBADARG;
    irect = (struct tsf_rect){a.in_x, a.in_y, (uint32_t)a.in_rw, (uint32_t)a.in_rh};
    if (irect.x != want.x || irect.y != want.y || irect.w != want.w || irect.h != want.h)
        return TSF_EBADARG;
    if (!tsf__disjoint((uint32_t)a.in_px, tsf__bytes(irect.w, irect.h, &in),
                       (uint32_t)a.out_px, tsf__bytes(orect.w, orect.h, &out)))
        return TSF_EBADARG;
    c.in = tsf_ptr(a.in_px);
    c.in_w = irect.w;
    c.in_h = irect.h;
    c.out = tsf_ptr(a.out_px);
    c.out_w = orect.w;
    c.out_h = orect.h;
    c.ch = in.ch;
    c.halo = tsf__info.plan ? 0 : (uint32_t)(orect.x - irect.x);
    c.stats = c.ref = c.acc = NULL;
    c.out_ch = out.ch;
    c.depth = in.depth;
    c.out_depth = out.depth;
    c.src = in;
    c.dst = out;
    c.in_rect = irect;
    c.out_rect = orect;
    if (tsf__info.analyze)
        return tsf__global_process(&c);
    return filter_process(&c);
}

#endif /* TSF_ABI_V1 */

#endif /* TSF_PLAN_H */
