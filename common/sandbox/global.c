/*
 * global.c - global (two-pass) filters: a tile's analysis and the
 * reference image's (global.h).
 */
#include "global.h"
#include "subproc.h"
#include "confine.h"
#include "err.h"
#include "image.h"
#include "spool_fs.h"
#include "usercache.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* rows of the reference image analysed per instance: a band, not the image */
#define REF_BAND_BYTES (8u << 20)
#define REF_MAX_MEMORY (1024ull << 20)

/* struct analyze_call - the instance and its buffers for one tsf_analyze. */
struct analyze_call {
    struct filter_inst *fi;
    uint32_t args[7];
    uint8_t *in;
};

/* analyze_setup - instantiate, allocate in, params and the block. */
static int analyze_setup(struct filter_module *mod, const struct stage_spec *s, int ch,
                         uint32_t w, uint32_t h, uint32_t halo, uint64_t max_memory,
                         struct analyze_call *a, char *err)
{
    uint64_t in_bytes = (uint64_t)w * h * (uint32_t)ch;
    uint32_t psize = sizeof(float) * CHAIN_MAX_PARAMS, p_off, st_off, in_off;
    int why, rc;
    if (in_bytes > UINT32_MAX - 16)
        return errf(err, "filter %s: %ux%u is too large for a 32-bit memory", s->name, w, h);
    if (!(a->fi = filter_instantiate(mod, max_memory, &why, err)))
        return why == FILTER_TRAP ? FILTER_TRAP : -1;
    if ((rc = filter_call_alloc(a->fi, (uint32_t)in_bytes, &in_off, err)) != 0 ||
        (rc = filter_call_alloc(a->fi, psize, &p_off, err)) != 0 ||
        (rc = filter_call_alloc(a->fi, 8 * s->stats.nvalues, &st_off, err)) != 0)
        return rc;
    uint8_t *p = filter_mem(a->fi, p_off, psize, err);
    if (!p || !(a->in = filter_mem(a->fi, in_off, in_bytes, err)))
        return -1;
    memcpy(p, s->params, sizeof(float) * (size_t)s->nparams);
    uint32_t args[7] = {in_off, w, h, halo, (uint32_t)ch, p_off, st_off};
    memcpy(a->args, args, sizeof args);
    return 0;
}

enum exec_result global_analyze(struct filter_module *mod, const struct stage_spec *s, int ch,
                                uint32_t w, uint32_t h, uint32_t halo, const uint8_t *px,
                                exec_fill_fn fill, void *ctx, uint64_t max_memory,
                                uint64_t *stats, char *err)
{
    struct analyze_call a = {0};
    int32_t status = 0;
    int rc = analyze_setup(mod, s, ch, w, h, halo, max_memory, &a, err);
    if (rc == 0 && px) {
        memcpy(a.in, px, (size_t)w * h * (size_t)ch);
    } else if (rc == 0) {
        rc = exec_fill_guarded(a.fi, fill, ctx, a.in, w, h, err);
    }
    if (rc == 0)
        rc = filter_call_analyze(a.fi, a.args, &status, err);
    if (rc == 0 && status != 0)
        rc = errf(err, "filter %s: tsf_analyze returned error code %d", s->name, status);
    const uint8_t *block = rc == 0 ? filter_mem(a.fi, a.args[6], 8 * s->stats.nvalues, err)
                                   : NULL;
    if (block)
        memcpy(stats, block, 8 * (size_t)s->stats.nvalues);
    else if (rc == 0)
        rc = -1;
    filter_free(a.fi);
    return rc == 0 ? EXEC_OK : rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
}

/* reference_bands - analyze the open image band by band into acc. */
static int reference_bands(img_reader *r, const struct img_info *info,
                           struct filter_module *mod, const struct stage_spec *s,
                           uint64_t *acc, uint64_t *v, char *err)
{
    size_t row = (size_t)info->width * (size_t)info->channels;
    uint32_t band = row >= REF_BAND_BYTES ? 1 : (uint32_t)(REF_BAND_BYTES / row);
    uint8_t *buf = malloc(row * (band < info->height ? band : info->height));
    int rc = buf ? 0 : errf(err, "out of memory");
    for (uint32_t y = 0; rc == 0 && y < info->height; y += band) {
        uint32_t n = info->height - y < band ? info->height - y : band;
        if (img_read_rows(r, buf, n, err) < 0) {
            rc = -1;
            break;
        }
        enum exec_result res = global_analyze(mod, s, info->channels, info->width, n, 0, buf,
                                              NULL, NULL, REF_MAX_MEMORY, y ? v : acc, err);
        if (res != EXEC_OK)
            rc = -1;
        else if (y && stage_stats_merge(&s->stats, acc, v, err) < 0)
            rc = -1;
    }
    free(buf);
    return rc;
}

/* Exit statuses of the reference child besides 0: whose fault it was. */
#define REF_EXIT_INPUT 1
#define REF_EXIT_SPOOL 2

/* struct reference_job - what reference_child works on. */
struct reference_job {
    const char *jobdir;
    const struct stage_spec *s;
    global_publish_fn publish;
    void *ctx;
};

/* confine_reference - the image and the module are open: from here on
 * the process writes the job's statistics and touches nothing else. */
static int confine_reference(const char *jobdir, char *err)
{
    struct confine_rules r;
    confine_rules_init(&r);
    int rc = confine_write(&r, jobdir, err);
    if (rc == 0)
        rc = confine_process(&r, err);
    confine_rules_free(&r);
    return rc < 0 ? err_prefix(err, "cannot confine the process analysing it") : 0;
}

/* reference_child - the forked side of global_reference: exits 0, or
 * REF_EXIT_INPUT or REF_EXIT_SPOOL with the error written to fd. */
static void reference_child(void *ctx, int fd)
{
    const struct reference_job *job = ctx;
    const char *jobdir = job->jobdir;
    const struct stage_spec *s = job->s;
    char err[ERR_MAX], so[PATH_MAX], wasm[PATH_MAX];
    struct img_info info;
    size_t bytes = 8 * (size_t)s->stats.nvalues;
    uint64_t *acc = malloc(bytes), *v = malloc(bytes);
    struct filter_module *mod = NULL;
    img_reader *r = NULL;
    int rc = acc && v ? 0 : errf(err, "out of memory");
    FILE *f = rc == 0 ? spool_fopen_input(s->ref_path, err) : NULL;
    if (rc == 0 && !(r = f ? img_open_fp(f, s->ref_path, 0, &info, err) : NULL))
        rc = -1;
    filter_runtime_init();
    /* found as the worker finds it: a user's module by its path and hash */
    if (rc == 0 && (usercache_find_stage(s, so, wasm, err) < 0 ||
                    !(mod = filter_load(s->name, FILTER_WASM, so, wasm, err))))
        rc = -1;
    if (rc == 0 && !hash_equal(filter_module_hash(mod), &s->hash))
        rc = errf(err, "filter %s: module changed while splitting", s->name);
    if (rc == 0)
        rc = confine_reference(jobdir, err);
    if (rc == 0)
        rc = reference_bands(r, &info, mod, s, acc, v, err);
    int spool_failed = rc == 0 && job->publish(job->ctx, acc, err) < 0;
    if (spool_failed)
        rc = -1;
    img_close(r);
    filter_unload(mod);
    free(acc);
    free(v);
    if (rc < 0 && write(fd, err, strlen(err) + 1) < 0)
        spool_failed = 1;
    _exit(rc == 0 ? 0 : spool_failed ? REF_EXIT_SPOOL : REF_EXIT_INPUT);
}

int global_reference(const char *jobdir, const struct stage_spec *s, int timeout_sec,
                     global_publish_fn publish, void *ctx, char *err)
{
    struct reference_job job = {jobdir, s, publish, ctx};
    struct subproc_result res;
    char msg[ERR_MAX] = "", how[64];
    if (subproc_run(reference_child, &job, msg, sizeof msg - 1, timeout_sec, &res, err) < 0)
        return ERR_SYSTEM;
    msg[res.got] = '\0';
    if (subproc_exited_ok(&res))
        return 0;
    if (res.timed_out)
        return errf(err, "reference image %s: not analysed within %d s", s->ref_path,
                    timeout_sec), ERR_BAD_INPUT;
    int spool = WIFEXITED(res.status) && WEXITSTATUS(res.status) == REF_EXIT_SPOOL;
    if (msg[0]) {
        errf(err, "reference image %s: %s", s->ref_path, msg);
        return spool ? ERR_SYSTEM : ERR_BAD_INPUT;
    }
    subproc_how(&res, how, sizeof how);
    errf(err, "reference image %s: the process analysing it %s", s->ref_path, how);
    return spool ? ERR_SYSTEM : ERR_BAD_INPUT;
}
