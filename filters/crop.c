/*
 * crop.c - the crop filter: cut a width x height box out of the image.
 *
 * Box (W x H the input; values rounded halves up):
 *   gravity none   left edge x, top edge y; width 0 = up to the right
 *                  edge (W - x), height 0 = down to the bottom (H - y)
 *   other gravity  x and y ignored; width, height 0 = W, H; placed by
 *                  the compass: west 0, east W - width, neither
 *                  floor((W - width) / 2); north 0, south H - height,
 *                  neither floor((H - height) / 2) (centre: both halves)
 * A box that does not lie wholly inside the image fails the plan with
 * TSF_EBADARG.  Output pixel (X, Y) is input pixel (X + x0, Y + y0),
 * every channel and depth copied unchanged.
 */
#include "tsf.h"
#include "tsf_geometry.h"

#define PARAMS(X)                                                                      \
    X(x, 0, 0, 16777216, "left edge of the box (gravity none)")                        \
    X(y, 0, 0, 16777216, "top edge of the box (gravity none)")                         \
    X(width, 0, 0, 16777216, "box width; 0 = to the right edge, or the image's width") \
    X(height, 0, 0, 16777216, "box height; 0 = to the bottom, or the image's height")  \
    X(gravity, 0, 0, 9, "where the box lies: none (at x, y), centre, or a compass point")
#define CHOICES(X)                                                                           \
    X(gravity, "none", "centre", "north", "south", "east", "west", "northeast", "northwest", \
      "southeast", "southwest")

enum { G_NONE, G_CENTRE, G_NORTH, G_SOUTH, G_EAST, G_WEST, G_NE, G_NW, G_SE, G_SW };

TSF_GEOMETRY_FILTER("crop",
                    "Cut a width x height box at x, y or placed by gravity; a box outside "
                    "the image is refused; alpha copied",
                    "[1,2,3,4]", "[8,16]", PARAMS, CHOICES);

/* crop_place - a box side's start: low side 0, high side n - len, else centred. */
static int64_t crop_place(int64_t n, int64_t len, int low, int high)
{
    return low ? 0 : high ? n - len : (n - len) / 2;
}

/* crop_box - the box these params cut from image in; TSF_OK or TSF_EBADARG. */
static int32_t crop_box(const float *p, const struct tsf_image *in, struct tsf_rect *box)
{
    int64_t iw = in->w, ih = in->h, x = tsf_round_i(p[P_x]), y = tsf_round_i(p[P_y]);
    int64_t w = tsf_round_i(p[P_width]), h = tsf_round_i(p[P_height]);
    int g = tsf_round_i(p[P_gravity]);
    if (g == G_NONE) {
        w = w ? w : iw - x;
        h = h ? h : ih - y;
    } else {
        w = w ? w : iw;
        h = h ? h : ih;
        x = crop_place(iw, w, g == G_WEST || g == G_NW || g == G_SW,
                       g == G_EAST || g == G_NE || g == G_SE);
        y = crop_place(ih, h, g == G_NORTH || g == G_NE || g == G_NW,
                       g == G_SOUTH || g == G_SE || g == G_SW);
    }
    if (w < 1 || h < 1 || x < 0 || y < 0 || x + w > iw || y + h > ih)
        return TSF_EBADARG;
    *box = (struct tsf_rect){(int32_t)x, (int32_t)y, (uint32_t)w, (uint32_t)h};
    return TSF_OK;
}

/* crop_map - the shift from output to input pixels. */
static int32_t crop_map(const float *p, const struct tsf_image *in, struct tsf_remap *m)
{
    struct tsf_rect b;
    int32_t rc = crop_box(p, in, &b);
    if (rc == TSF_OK)
        *m = (struct tsf_remap){1, 0, b.x, 0, 1, b.y};
    return rc;
}

static int32_t filter_plan(const float *p, const struct tsf_image *in, struct tsf_image *out)
{
    struct tsf_rect b;
    int32_t rc = crop_box(p, in, &b);
    if (rc != TSF_OK)
        return rc;
    out->w = b.w;
    out->h = b.h;
    return TSF_OK;
}

static int32_t filter_region(const float *p, const struct tsf_image *in,
                             const struct tsf_image *out, const struct tsf_rect *out_rect,
                             struct tsf_rect *in_rect)
{
    struct tsf_remap m;
    int32_t rc = crop_map(p, in, &m);
    (void)out;
    return rc == TSF_OK ? tsf_remap_region(&m, out_rect, in_rect) : rc;
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct tsf_remap m;
    int32_t rc = crop_map(c->p, &c->src, &m);
    return rc == TSF_OK ? tsf_remap_copy(c, &m) : rc;
}
