/*
 * text.c - the mailq-like listing of status: a heading, one line per job,
 * indented lines for its claims and failed tiles, a closing total.
 */
#include "status.h"

#include <string.h>

void status_age(double s, char out[32])
{
    long t = s < 0 ? 0 : (long)s;
    if (t < 60)
        snprintf(out, 32, "%lds", t);
    else if (t < 3600)
        snprintf(out, 32, "%ldm%02lds", t / 60, t % 60);
    else if (t < 86400)
        snprintf(out, 32, "%ldh%02ldm", t / 3600, t % 3600 / 60);
    else
        snprintf(out, 32, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
}

/* base_name - the last component of path. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* job_line - the job's own line: counts are "-" without a manifest. */
static void job_line(FILE *f, const struct job_scan *js, int idw)
{
    char age[32];
    status_age(js->age, age);
    const char *state = jobscan_state_name(js->state);
    if (!js->m) {
        fprintf(f, "%-*s %-10s %5s %5s %5s %5s %5s %6s  -  -\n", idw, js->id, state, "-", "-",
                "-", "-", "-", age);
        if (js->state == JOB_INVALID)
            fprintf(f, "    error   %s\n", js->error);
        return;
    }
    fprintf(f, "%-*s %-10s %5u %5u %5u %5u %5u %6s  %s  %s\n", idw, js->id, state,
            js->count[TILE_WAITING], js->count[TILE_CLAIMED], js->count[TILE_DONE],
            js->count[TILE_FAILED], js->total, age, base_name(js->m->source_path),
            js->m->chain_text);
}

/* detail_lines - one line per claim (owner, alive or dead, age) and per
 * failed tile (kind: reason). */
static void detail_lines(FILE *f, const struct job_scan *js)
{
    char age[32];
    int unsettled = js->state != JOB_DONE && js->state != JOB_FAILED;
    if (js->global_stage >= 0 && js->m && unsettled && !js->merged)
        fprintf(f, "    pass 1  %u/%u tiles analyzed for %s\n", js->analyzed, js->total,
                js->m->stages[js->global_stage].name);
    else if (js->global_stage >= 0 && js->m && unsettled)
        fprintf(f, "    pass 2  statistics for %s merged\n", js->m->stages[js->global_stage].name);
    for (int i = 0; i < js->nclaims; i++) {
        const struct js_claim *c = &js->claims[i];
        status_age(c->age, age);
        fprintf(f, "    claim   %-12s %s.%ld %s %s\n", c->tile, c->node, c->pid,
                c->alive ? "alive" : "dead ", age);
    }
    for (int i = 0; i < js->nfailures; i++) {
        const struct failrec *x = &js->failures[i];
        fprintf(f, "    failed  %-12s %s: %s\n", x->tile, x->kind, x->reason);
    }
}

void status_count(struct status_report *r, const struct job_scan *js)
{
    r->njobs++;
    for (int s = 0; s < TILE_NSTATES; s++)
        r->sum[s] += js->count[s];
    r->total += js->total;
}

void status_text_job(FILE *f, struct status_report *r, const struct job_scan *js)
{
    if (r->njobs == 0)
        fprintf(f, "%-*s %-10s %5s %5s %5s %5s %5s %6s  %s  %s\n", r->idw, "JOB", "STATE",
                "WAIT", "CLAIM", "DONE", "FAIL", "TOTAL", "AGE", "SOURCE", "CHAIN");
    job_line(f, js, r->idw);
    detail_lines(f, js);
    status_count(r, js);
}

void status_text_end(FILE *f, const struct status_report *r)
{
    if (r->njobs == 0) {
        fprintf(f, "%s: no jobs\n", r->spool);
        return;
    }
    fprintf(f, "-- %d job%s, %lu tiles: %lu waiting, %lu claimed, %lu done, %lu failed\n",
            r->njobs, r->njobs == 1 ? "" : "s", r->total, r->sum[TILE_WAITING],
            r->sum[TILE_CLAIMED], r->sum[TILE_DONE], r->sum[TILE_FAILED]);
}
