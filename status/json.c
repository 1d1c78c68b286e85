/*
 * json.c - status --json: a versioned object, documented field by field
 * in docs/cli.md.  Fields are only ever added within a version.
 */
#include "status.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <time.h>

/* chain_json - the chain's stages with their resolved parameters. */
static cJSON *chain_json(const struct manifest *m)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < m->nstages; i++) {
        const struct stage_spec *s = &m->stages[i];
        cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddNumberToObject(o, "halo", s->halo);
        for (int k = 0; k < s->nparams; k++)
            cJSON_AddNumberToObject(p, s->param_names[k], s->params[k]);
        cJSON_AddItemToObject(o, "params", p);
        if (s->ref_path[0])
            cJSON_AddStringToObject(o, "reference", s->ref_path);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* tiles_json - counts by state, and the grid. */
static cJSON *tiles_json(const struct job_scan *js)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "total", js->total);
    for (int s = 0; s < TILE_NSTATES; s++)
        cJSON_AddNumberToObject(t, tile_state_name(s), js->count[s]);
    cJSON_AddNumberToObject(t, "size", js->m->tile_size);
    cJSON_AddNumberToObject(t, "halo", js->m->halo);
    cJSON_AddNumberToObject(t, "cols", js->m->cols);
    cJSON_AddNumberToObject(t, "rows", js->m->rows);
    return t;
}

static cJSON *claims_json(const struct job_scan *js)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < js->nclaims; i++) {
        const struct js_claim *c = &js->claims[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "tile", c->tile);
        cJSON_AddStringToObject(o, "node", c->node);
        cJSON_AddNumberToObject(o, "pid", (double)c->pid);
        cJSON_AddBoolToObject(o, "alive", c->alive);
        cJSON_AddNumberToObject(o, "age_s", (double)(long)c->age);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *failures_json(const struct job_scan *js)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < js->nfailures; i++) {
        const struct failrec *x = &js->failures[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "tile", x->tile);
        cJSON_AddStringToObject(o, "kind", x->kind);
        cJSON_AddStringToObject(o, "reason", x->reason);
        cJSON_AddNumberToObject(o, "attempts", x->attempts);
        cJSON_AddNumberToObject(o, "pid", (double)x->pid);
        cJSON_AddStringToObject(o, "time", x->time);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* job_json - one job; without a manifest only id, state, age (and error). */
static cJSON *job_json(const struct job_scan *js)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "job", js->id);
    cJSON_AddStringToObject(o, "state", jobscan_state_name(js->state));
    cJSON_AddNumberToObject(o, "age_s", (double)(long)js->age);
    if (js->state == JOB_INVALID)
        cJSON_AddStringToObject(o, "error", js->error);
    if (!js->m)
        return o;
    const struct manifest *m = js->m;
    cJSON_AddStringToObject(o, "created", m->created);
    cJSON *src = cJSON_AddObjectToObject(o, "source");
    cJSON_AddStringToObject(src, "path", m->source_path);
    cJSON_AddNumberToObject(src, "width", m->source.width);
    cJSON_AddNumberToObject(src, "height", m->source.height);
    cJSON_AddNumberToObject(src, "channels", m->source.channels);
    cJSON_AddNumberToObject(src, "depth", m->source.depth);
    const struct plan_image *im = &m->plan.img[m->nstages];
    cJSON *res = cJSON_AddObjectToObject(o, "result");
    cJSON_AddNumberToObject(res, "width", im->w);
    cJSON_AddNumberToObject(res, "height", im->h);
    cJSON_AddNumberToObject(res, "channels", im->ch);
    cJSON_AddNumberToObject(res, "depth", im->depth);
    cJSON_AddStringToObject(o, "output", m->output_path);
    cJSON_AddStringToObject(o, "chain_text", m->chain_text);
    cJSON_AddItemToObject(o, "chain", chain_json(m));
    cJSON_AddItemToObject(o, "tiles", tiles_json(js));
    if (js->global_stage >= 0) {
        cJSON *g = cJSON_AddObjectToObject(o, "global");
        cJSON_AddNumberToObject(g, "stage", js->global_stage);
        cJSON_AddNumberToObject(g, "analyzed", js->analyzed);
        cJSON_AddBoolToObject(g, "merged", js->merged);
    }
    cJSON_AddItemToObject(o, "claims", claims_json(js));
    cJSON_AddItemToObject(o, "failures", failures_json(js));
    return o;
}

/* totals_json - the sums over every job listed. */
static cJSON *totals_json(const struct status_report *r)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "jobs", r->njobs);
    cJSON_AddNumberToObject(t, "tiles", (double)r->total);
    for (int s = 0; s < TILE_NSTATES; s++)
        cJSON_AddNumberToObject(t, tile_state_name(s), (double)r->sum[s]);
    return t;
}

int status_json_begin(struct status_report *r, char *err)
{
    char when[32];
    manifest_utc_now(when);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return errf(err, "out of memory");
    cJSON_AddStringToObject(o, "format", "tilespool-status");
    cJSON_AddNumberToObject(o, "version", STATUS_JSON_VERSION);
    cJSON_AddStringToObject(o, "spool", r->spool);
    cJSON_AddStringToObject(o, "time", when);
    if (!cJSON_AddArrayToObject(o, "jobs")) {
        cJSON_Delete(o);
        return errf(err, "out of memory");
    }
    r->doc = o;
    return 0;
}

int status_json_job(struct status_report *r, const struct job_scan *js, char *err)
{
    cJSON *jobs = cJSON_GetObjectItemCaseSensitive(r->doc, "jobs");
    cJSON *o = job_json(js);
    if (!o || !cJSON_AddItemToArray(jobs, o)) {
        cJSON_Delete(o);
        return errf(err, "out of memory");
    }
    status_count(r, js);
    return 0;
}

int status_json_end(FILE *f, struct status_report *r, char *err)
{
    cJSON *o = r->doc;
    r->doc = NULL;
    if (!f) {
        cJSON_Delete(o);
        return 0;
    }
    cJSON_AddItemToObject(o, "totals", totals_json(r));
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return errf(err, "out of memory");
    fprintf(f, "%s\n", text);
    free(text);
    return 0;
}
