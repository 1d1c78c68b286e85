/*
 * fuzz_describe.c - libFuzzer target: the host's reading of what a filter
 * declares about itself (stage_parse_desc) and the binding of a chain
 * stage's parameters against that declaration (stage_bind_params).
 *
 * Both halves are untrusted: the describe JSON comes out of a module's
 * memory, the stage from the command line.  The input is the JSON, a NUL
 * byte, then a chain ("name:k=v,...") whose every stage is bound against
 * the description; with no NUL, one stage without parameters is bound.
 *
 * Invariants (a broken one abort()s, so libFuzzer saves the input):
 *  - a refused description or binding has a message; parsing is
 *    deterministic;
 *  - an accepted description has kind point, neighborhood, geometry or
 *    global (a
 *    global one with 1-16 statistics fields of 1-65536 values in all, each
 *    merged by sum, min or max; the others with none), a channel
 *    mask of bits 1-4 only and not empty, at most 16 params with valid,
 *    distinct names, and for each param finite numbers min <= default <=
 *    max that a float can hold (a param reaches the filter as a float),
 *    named values only as the range 0..n-1, and depths 8 and/or 16;
 *  - a successful binding gives one value per declared param, in
 *    declared order under the declared name; each is finite, within the
 *    declared range before its rounding to float, and equals the stage's
 *    value for it (strtod, rounded to float) or else the default; a path
 *    param is 1 and its non-empty value is the stage's reference path;
 *    every key the stage gives is a declared param.
 */
#include "chain.h"
#include "err.h"
#include "stage.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fail - report a broken invariant and abort (libFuzzer keeps the input). */
static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_describe: invariant broken: %s%s%s\n", what,
            detail ? ": " : "", detail ? detail : "");
    abort();
}

/* float_range - 1 if v is a finite number a float can hold. */
static int float_range(double v)
{
    return isfinite(v) && fabs(v) <= FLT_MAX;
}

/* check_desc - the invariants of an accepted description. */
/* check_stats - the statistics layout of an accepted description. */
static void check_stats(const struct filter_desc *d)
{
    const struct stats_layout *l = &d->stats;
    uint32_t n = 0;
    if (strcmp(d->kind, "global") != 0) {
        if (l->nfields != 0)
            fail("statistics on a filter that is not global", d->kind);
        return;
    }
    if (l->nfields < 1 || l->nfields > STATS_MAX_FIELDS)
        fail("global filter with a field count out of range", NULL);
    for (int k = 0; k < l->nfields; k++) {
        if (!chain_name_ok(l->f[k].name) || l->f[k].count < 1 ||
            l->f[k].merge < STATS_SUM || l->f[k].merge > STATS_MAX)
            fail("bad statistics field accepted", l->f[k].name);
        n += l->f[k].count;
    }
    if (n != l->nvalues || n > STATS_MAX_VALUES)
        fail("statistics value count wrong or too large", NULL);
}

static void check_desc(const struct filter_desc *d)
{
    if (strcmp(d->kind, "point") != 0 && strcmp(d->kind, "neighborhood") != 0 &&
        strcmp(d->kind, "geometry") != 0 && strcmp(d->kind, "global") != 0)
        fail("unsupported kind accepted", d->kind);
    check_stats(d);
    if (d->channels_mask == 0 || (d->channels_mask & ~0x1eu) != 0)
        fail("channel mask empty or outside 1-4", NULL);
    if (d->nparams < 0 || d->nparams > CHAIN_MAX_PARAMS)
        fail("param count out of range", NULL);
    for (int k = 0; k < d->nparams; k++) {
        const struct filter_param_desc *p = &d->params[k];
        if (!chain_name_ok(p->name))
            fail("bad param name accepted", p->name);
        for (int j = 0; j < k; j++)
            if (strcmp(d->params[j].name, p->name) == 0)
                fail("param declared twice accepted", p->name);
        if (!float_range(p->min) || !float_range(p->def) || !float_range(p->max))
            fail("param range not finite in float", p->name);
        if (!(p->min <= p->def && p->def <= p->max))
            fail("default outside [min, max]", p->name);
        if (p->nchoices < 0 || p->nchoices > FILTER_CHOICES_MAX ||
            (p->nchoices && (p->min != 0 || p->max != p->nchoices - 1)))
            fail("named values that are not the range 0..n-1 accepted", p->name);
    }
    if (d->depths == 0 || (d->depths & ~(STAGE_DEPTH_8 | STAGE_DEPTH_16)) != 0)
        fail("depths empty or other than 8 and 16 accepted", NULL);
}

/* check_bound - the invariants of a successful binding of st against d. */
static void check_bound(const struct filter_desc *d, const struct chain_stage *st,
                        const struct stage_spec *s)
{
    for (int i = 0; i < st->nparams; i++) {
        int k = 0;
        while (k < d->nparams && strcmp(d->params[k].name, st->params[i].key) != 0)
            k++;
        if (k == d->nparams)
            fail("undeclared param bound", st->params[i].key);
    }
    if (s->nparams != d->nparams)
        fail("bound param count is not the declared one", NULL);
    for (int k = 0; k < d->nparams; k++) {
        const struct filter_param_desc *p = &d->params[k];
        double v = p->def;
        if (strcmp(s->param_names[k], p->name) != 0)
            fail("bound params not in declared order", p->name);
        if (p->is_path) {
            if (s->params[k] != 1.0f || !s->ref_path[0])
                fail("path param not bound to 1 with its path", p->name);
            continue;
        }
        for (int i = 0; i < st->nparams; i++)
            if (strcmp(st->params[i].key, p->name) == 0)
                v = strtod(st->params[i].value, NULL);
        if (!isfinite(v) || v < p->min || v > p->max)
            fail("bound value outside the declared range", p->name);
        if (!isfinite(s->params[k]) || s->params[k] != (float)v)
            fail("bound value is not the given one or the default", p->name);
    }
}

/* LLVMFuzzerTestOneInput - one input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct filter_desc d, again;
    static struct chain c;
    struct stage_spec s;
    char err[ERR_MAX] = "", err2[ERR_MAX] = "";

    /* the host copies at most FILTER_DESC_MAX bytes out of a module */
    if (size >= FILTER_DESC_MAX)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t jlen = strlen(text);
    const char *stage_text = jlen < size ? text + jlen + 1 : "";

    int rc = stage_parse_desc(text, "fuzz", &d, err);
    int rc2 = stage_parse_desc(text, "fuzz", &again, err2);
    if (rc != rc2 || strcmp(err, err2) != 0 || memcmp(&d, &again, sizeof d) != 0)
        fail("parsing the same text twice gives different results", NULL);
    if (rc != 0) {
        if (err[0] == '\0')
            fail("stage_parse_desc fails without a message", NULL);
        goto done;
    }
    check_desc(&d);

    if (chain_parse(stage_text, &c, err) != 0) {
        /* not a chain: bind the bare filter, defaults only */
        memset(&c, 0, sizeof c);
        c.nstages = 1;
        snprintf(c.stages[0].name, sizeof c.stages[0].name, "%s", d.name);
    }
    for (int i = 0; i < c.nstages; i++) {
        memset(&s, 0, sizeof s);
        err[0] = '\0';
        if (stage_bind_params(&d, &c.stages[i], &s, err) != 0) {
            if (err[0] == '\0')
                fail("stage_bind_params fails without a message", NULL);
            continue;
        }
        check_bound(&d, &c.stages[i], &s);
    }
done:
    free(text);
    return 0;
}
