/*
 * test_plan.c - the output-driven plan (common/job/plan.h) with stages
 * whose answers are arithmetic: halos, a 2x shrink with a kernel, a
 * crop, a 90-degree turn, and answers a module must not give.
 */
#include "check.h"
#include "err.h"
#include "plan.h"

#include <string.h>

/* The fake stages: what each answers for an output rectangle. */
enum fake { HALO, SHRINK2, CROP, TURN, EMPTY, OUTSIDE, HUGE };

struct fakes {
    enum fake kind[CHAIN_MAX_STAGES];
    int arg[CHAIN_MAX_STAGES];
    const struct plan *p;
};

static int fake_region(void *ctx, int k, const struct plan_rect *o, struct plan_rect *w,
                       char *err)
{
    const struct fakes *f = ctx;
    int a = f->arg[k];
    (void)err;
    switch (f->kind[k]) {
    case HALO:     /* a blur of radius a */
        *w = (struct plan_rect){o->x - a, o->y - a, o->w + 2u * (uint32_t)a,
                                o->h + 2u * (uint32_t)a};
        break;
    case SHRINK2:  /* output pixel x from input 2x .. 2x+1, and a taps more each side */
        *w = (struct plan_rect){2 * o->x - a, 2 * o->y - a, 2 * o->w + 2u * (uint32_t)a,
                                2 * o->h + 2u * (uint32_t)a};
        break;
    case CROP:     /* the output is the input from (a, a) on */
        *w = (struct plan_rect){o->x + a, o->y + a, o->w, o->h};
        break;
    case TURN: {   /* clockwise: output (x, y) is input (y, H-1-x), H = input height */
        int64_t H = f->p->img[k].h;
        *w = (struct plan_rect){o->y, H - (o->x + o->w), o->h, o->w};
        break;
    }
    case EMPTY:
        *w = (struct plan_rect){o->x, o->y, 0, o->h};
        break;
    case OUTSIDE:
        *w = (struct plan_rect){o->x + 100000, o->y, o->w, o->h};
        break;
    case HUGE:
        *w = (struct plan_rect){0, 0, 1u << 20, 1u << 20};
        break;
    }
    return 0;
}

static const char names[CHAIN_MAX_STAGES][64] = {"s0", "s1", "s2", "s3"};

/* setup - a plan of n stages over a w x h source, images given as sizes. */
static void setup(struct plan *p, int n, const uint32_t (*sizes)[2])
{
    memset(p, 0, sizeof *p);
    p->nstages = n;
    for (int i = 0; i <= n; i++)
        p->img[i] = (struct plan_image){sizes[i][0], sizes[i][1], 3, 8};
}

static int rect_is(const struct plan_rect *r, int64_t x, int64_t y, uint32_t w, uint32_t h)
{
    return r->x == x && r->y == y && r->w == w && r->h == h;
}

static void test_halos(void)
{
    struct plan p;
    struct plan_tile t;
    char err[ERR_MAX];
    const uint32_t sizes[][2] = {{300, 200}, {300, 200}, {300, 200}};
    struct fakes f = {{HALO, HALO}, {2, 3}, &p};
    setup(&p, 2, sizes);
    CHECK(plan_grid(&p, 97, err) == 0 && p.cols == 4 && p.rows == 3, "grid of 97 on 300x200",
          "%ux%u %s", p.cols, p.rows, err);
    CHECK(plan_tile(&p, 0, 0, fake_region, &f, names, &t, err) == 0, "halo chain plans",
          "%s", err);
    CHECK(rect_is(&t.core, 0, 0, 97, 97), "core of the first tile", "mismatch");
    CHECK(rect_is(&t.want[1], -3, -3, 103, 103) && rect_is(&t.out[0], 0, 0, 100, 100) &&
          rect_is(&t.want[0], -2, -2, 104, 104), "border tile: clipped between stages",
          "want1 %lld,%lld %ux%u want0 %lld,%lld %ux%u", (long long)t.want[1].x,
          (long long)t.want[1].y, t.want[1].w, t.want[1].h, (long long)t.want[0].x,
          (long long)t.want[0].y, t.want[0].w, t.want[0].h);
    CHECK(plan_tile(&p, 1, 1, fake_region, &f, names, &t, err) == 0 &&
          rect_is(&t.want[0], 97 - 5, 97 - 5, 107, 107), "inner tile: core plus both halos",
          "%lld %u", (long long)t.want[0].x, t.want[0].w);
    CHECK(plan_tile(&p, 2, 3, fake_region, &f, names, &t, err) == 0 &&
          rect_is(&t.core, 291, 194, 9, 6) && rect_is(&t.out[0], 288, 191, 12, 9),
          "last tile: short core, clipped at the far edges", "%u %u", t.out[0].w, t.out[0].h);
}

static void test_geometry(void)
{
    struct plan p;
    struct plan_tile t;
    char err[ERR_MAX];
    /* crop 10 off, shrink 2x (2 taps), turn: 300x200 -> 290x190 -> 145x95 -> 95x145 */
    const uint32_t sizes[][2] = {{300, 200}, {290, 190}, {145, 95}, {95, 145}};
    struct fakes f = {{CROP, SHRINK2, TURN}, {10, 2, 0}, &p};
    setup(&p, 3, sizes);
    CHECK(plan_grid(&p, 64, err) == 0 && p.cols == 2 && p.rows == 3, "grid of the output",
          "%ux%u", p.cols, p.rows);
    CHECK(plan_tile(&p, 0, 1, fake_region, &f, names, &t, err) == 0, "geometry chain plans",
          "%s", err);
    /* core (64,0) 31x64 of the turned image = rows 95-95.. of the shrunk one */
    CHECK(rect_is(&t.core, 64, 0, 31, 64), "core", "mismatch");
    CHECK(rect_is(&t.want[2], 0, 0, 64, 31), "turn asks for the turned rectangle",
          "%lld,%lld %ux%u", (long long)t.want[2].x, (long long)t.want[2].y, t.want[2].w,
          t.want[2].h);
    CHECK(rect_is(&t.want[1], -2, -2, 132, 66) && rect_is(&t.out[0], 0, 0, 130, 64),
          "shrink asks for twice plus taps, clipped to the cropped image", "mismatch");
    CHECK(rect_is(&t.want[0], 10, 10, 130, 64), "crop shifts into the source", "mismatch");
}

static void test_refused(void)
{
    struct plan p;
    struct plan_tile t;
    char err[ERR_MAX];
    const uint32_t sizes[][2] = {{50, 40}, {50, 40}};
    const enum fake bad[] = {EMPTY, OUTSIDE, HUGE};
    const char *what[] = {"an empty answer is refused", "an answer outside the image is refused",
                          "an answer over the pixel limit is refused"};
    setup(&p, 1, sizes);
    plan_grid(&p, 16, err);
    for (int i = 0; i < 3; i++) {
        struct fakes f = {{bad[i]}, {0}, &p};
        err[0] = '\0';
        int rc = plan_tile(&p, 1, 1, fake_region, &f, names, &t, err);
        CHECK(rc < 0 && strstr(err, "filter s0") != NULL, what[i], "rc %d err '%s'", rc, err);
    }
    CHECK(plan_grid(&p, 0, err) < 0, "tile size 0 is refused", "mismatch");
}

int main(void)
{
    test_halos();
    test_geometry();
    test_refused();
    CHECK_DONE();
}
