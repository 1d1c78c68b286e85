/*
 * filter.c - filter modules: find, check, dlopen, instantiate, call (filter.h).
 *
 * Two backends behind one interface.  WASM: the wasm2c translation of the
 * module plus common/glue/filter_glue.c, reached through the `tsf_glue`
 * table; calls are made inside wasm_rt_impl_try() so that a trap comes
 * back here as FILTER_TRAP.  NATIVE: the filter's C source compiled for
 * the host with -DTSF_NATIVE, whose SDK emulates linear memory with an
 * arena (filters/tsf.h); used to check the sandbox and as a speed floor.
 */
#include "filter.h"
#include "err.h"
#include "filter_glue.h"
#include "hash.h"
#include "wasm_check.h"
#include "wasm_memory.h"
#include "filter_impl.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasm-rt-impl.h>
#include "wasm_memory.h"

void filter_runtime_init(void)
{
    wasm_rt_init();
    wasm_memory_init();     /* before the caller confines itself */
}

const char *filter_module_name(const struct filter_module *m) { return m->name; }

int filter_has_global(const struct filter_module *m)
{
    if (m->backend == FILTER_NATIVE)
        return m->n_analyze && m->n_apply;
    return m->glue->has_global();
}

int filter_has_abi(const struct filter_module *m, int version)
{
    if (m->backend == FILTER_NATIVE)
        return version == 1 ? m->n_halo && m->n_process
                            : version == 2 && m->n_plan && m->n_region && m->n_run;
    return version == 1 ? m->glue->has_v1() : version == 2 && m->glue->has_v2();
}

int filter_module_abi(const struct filter_module *m) { return m->abi; }
const struct hash *filter_module_hash(const struct filter_module *m) { return &m->hash; }

int filter_exe_dir(char *buf, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    if (len <= 0)
        return -1;
    buf[len] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

int filter_search_dirs(char dirs[][PATH_MAX], int max)
{
    int n = 0;
    const char *env = getenv("TILESPOOL_FILTER_PATH");
    while (env && *env && n < max) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        if (len > 0 && len < PATH_MAX) {
            memcpy(dirs[n], env, len);
            dirs[n++][len] = '\0';
        }
        env = colon ? colon + 1 : NULL;
    }
    char here[PATH_MAX];
    if (filter_exe_dir(here, sizeof here) == 0) {
        /* build tree: build/bin -> build/filters; installed:
         * libexec/tilespool -> lib/tilespool/filters */
        if (n < max)
            snprintf(dirs[n++], PATH_MAX, "%.*s/../filters", PATH_MAX - 16, here);
        if (n < max)
            snprintf(dirs[n++], PATH_MAX, "%.*s/../../lib/tilespool/filters",
                     PATH_MAX - 32, here);
    }
    return n;
}

/* edit_distance - Levenshtein distance of two filter names (< 64 chars). */
static int edit_distance(const char *a, const char *b)
{
    int row[64], la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    for (int j = 0; j <= lb; j++)
        row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* suggest - " (did you mean a, b?)" into out: the filters of the search
 * directories nearest to name by edit distance, or starting with it. */
static void suggest(const char *name, char dirs[][PATH_MAX], int n, char *out, size_t size)
{
    int limit = strlen(name) < 6 ? 2 : 3, found = 0;
    out[0] = '\0';
    for (int d = 0; d < n && found < 3; d++) {
        DIR *dir = opendir(dirs[d]);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL && found < 3) {
            char cand[64];
            size_t len = strlen(e->d_name);
            if (len < 6 || len > 68 || strcmp(e->d_name + len - 5, ".wasm") != 0)
                continue;
            snprintf(cand, sizeof cand, "%.*s", (int)(len - 5), e->d_name);
            if ((edit_distance(name, cand) <= limit || strncmp(cand, name, strlen(name)) == 0) &&
                !strstr(out, cand))
                snprintf(out + strlen(out), size - strlen(out), "%s%s", found++ ? ", " : "",
                         cand);
        }
        if (dir)
            closedir(dir);
    }
    if (found > 0) {
        char list[256];
        snprintf(list, sizeof list, "%s", out);
        snprintf(out, size, "did you mean %.200s? ", list);
    }
}

int filter_find(const char *name, char *so_path, char *wasm_path, char *err)
{
    if (!chain_name_ok(name))
        return errf(err, "filter '%s': not a valid filter name", name);
    char dirs[16][PATH_MAX];
    int n = filter_search_dirs(dirs, 16);
    for (int i = 0; i < n; i++) {
        snprintf(so_path, PATH_MAX, "%.*s/%s.so", PATH_MAX - 80, dirs[i], name);
        snprintf(wasm_path, PATH_MAX, "%.*s/%s.wasm", PATH_MAX - 80, dirs[i], name);
        /* the .wasm decides: it is checked before the .so is ever opened */
        if (access(wasm_path, R_OK) == 0)
            return 0;
    }
    char where[1024] = "";
    for (int i = 0; i < n; i++)
        snprintf(where + strlen(where), sizeof where - strlen(where), "%s%s",
                 i ? ":" : "", dirs[i]);
    char near[256];
    suggest(name, dirs, n, near, sizeof near);
    return errf(err, "unknown filter '%s' (%slooked in %s; `tilespool filters` lists them)",
                name, near, n ? where : "no directory");
}

/* load_wasm - check and hash the .wasm, dlopen the .so, fetch the glue. */
static int load_wasm(struct filter_module *m, const char *so_path, const char *wasm_path,
                     char *err)
{
    if (wasm_check_file(wasm_path, err) < 0)
        return -1;
    if (access(so_path, R_OK) != 0)
        return errf(err, "filter %s: %s is missing (compile the module first)", m->name,
                    so_path);
    if (hash_file(wasm_path, &m->hash, NULL, err) < 0)
        return -1;
    m->dl = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!m->dl)
        return errf(err, "filter %s: cannot load %s: %s", m->name, so_path, dlerror());
    m->glue = dlsym(m->dl, TSF_GLUE_SYMBOL);
    if (!m->glue || m->glue->version != TSF_GLUE_VERSION)
        return errf(err, "filter %s: %s is not a tilespool filter object (glue v%d)",
                    m->name, so_path, TSF_GLUE_VERSION);
    return 0;
}

/* load_native - dlopen a natively compiled filter and fetch its exports. */
static int load_native(struct filter_module *m, const char *so_path, char *err)
{
    if (hash_file(so_path, &m->hash, NULL, err) < 0)
        return -1;
    m->dl = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!m->dl)
        return errf(err, "filter %s: cannot load %s: %s", m->name, so_path, dlerror());
    /* POSIX guarantees that dlsym's object pointer converts to a function pointer. */
    *(void **)&m->n_abi = dlsym(m->dl, "tsf_abi_version");
    *(void **)&m->n_describe = dlsym(m->dl, "tsf_describe");
    *(void **)&m->n_halo = dlsym(m->dl, "tsf_halo");
    *(void **)&m->n_alloc = dlsym(m->dl, "tsf_alloc");
    *(void **)&m->n_process = dlsym(m->dl, "tsf_process");
    *(void **)&m->n_plan = dlsym(m->dl, "tsf_plan");           /* ABI v2 */
    *(void **)&m->n_region = dlsym(m->dl, "tsf_region");
    *(void **)&m->n_run = dlsym(m->dl, "tsf_run");
    *(void **)&m->n_base = dlsym(m->dl, "tsf_native_base");
    *(void **)&m->n_reset = dlsym(m->dl, "tsf_native_reset");
    *(void **)&m->n_analyze = dlsym(m->dl, "tsf_analyze");     /* global filters only */
    *(void **)&m->n_apply = dlsym(m->dl, "tsf_apply");
    if (!m->n_abi || !m->n_describe || !m->n_alloc || !m->n_base || !m->n_reset ||
        (!filter_has_abi(m, 1) && !filter_has_abi(m, 2)))
        return errf(err, "filter %s: %s lacks the native filter exports", m->name, so_path);
    return 0;
}

struct filter_module *filter_load(const char *name, enum filter_backend backend,
                                  const char *so_path, const char *wasm_path, char *err)
{
    struct filter_module *m = calloc(1, sizeof *m);
    if (!m) {
        errf(err, "filter %s: out of memory", name);
        return NULL;
    }
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->path, sizeof m->path, "%s", so_path);
    m->backend = backend;
    int rc = backend == FILTER_WASM ? load_wasm(m, so_path, wasm_path, err)
                                    : load_native(m, so_path, err);
    if (rc < 0) {
        filter_unload(m);
        return NULL;
    }
    return m;
}

void filter_unload(struct filter_module *m)
{
    if (!m)
        return;
    if (m->dl)
        dlclose(m->dl);
    free(m);
}

/* trap_error - describe trap code t of module m into err; returns FILTER_TRAP. */
static int trap_error(const struct filter_module *m, const char *during, int t, char *err)
{
    errf(err, "filter %s: trap in %s: %s", m->name, during,
         wasm_rt_strerror((wasm_rt_trap_t)t));
    return FILTER_TRAP;
}

static wasm_rt_memory_t *inst_memory(struct filter_inst *fi)
{
    return (wasm_rt_memory_t *)fi->m->glue->memory(fi->wasm);
}

/* guarded_instantiate - run the module's start-up code inside the trap
 * guard, with the limits of the instance in place from its first
 * instruction (wasm_memory.h); returns 0, FILTER_TRAP, or FILTER_LIMIT
 * when the start-up code trapped on something a limit refused it. */
static int guarded_instantiate(struct filter_module *m, void *wasm, uint64_t max_memory,
                               int *lowered, char *err)
{
    char why[ERR_MAX];
    wasm_memory_limit_begin(max_memory);
    int t = wasm_rt_impl_try();
    if (t != 0) {
        int limit = wasm_memory_limit_end(lowered, why, sizeof why);
        if (limit == 2)
            return errf(err, "filter %s: %s", m->name, why), FILTER_LIMIT;
        if (limit == 1)
            return errf(err, "filter %s: %s (then it trapped: %s)", m->name, why,
                        wasm_rt_strerror((wasm_rt_trap_t)t)), FILTER_LIMIT;
        return trap_error(m, "instantiate", t, err);
    }
    if (!m->module_ready) {
        m->glue->init_module();
        m->module_ready = 1;
    }
    m->glue->instantiate(wasm);
    /* a refusal the start-up code coped with is no error */
    wasm_memory_limit_end(lowered, why, sizeof why);
    return 0;
}

/* cap_memory - record the cap the allocator put on the instance's memory;
 * for an object built without the host's allocator, put it on now.
 * Returns 0, or FILTER_LIMIT when the memory is already larger. */
static int cap_memory(struct filter_inst *fi, uint64_t max_memory, int lowered, char *err)
{
    wasm_rt_memory_t *mem = inst_memory(fi);
    uint64_t cap = max_memory / WASM_PAGE;
    if (max_memory == 0 || (!lowered && cap >= mem->max_pages))
        return 0;           /* the module's own maximum is the lower one */
    if (mem->pages > cap)
        return errf(err, "filter %s: memory limit: the module starts with %llu KiB of "
                    "memory, more than the %llu KiB allowed", fi->m->name,
                    (unsigned long long)mem->pages * (WASM_PAGE / 1024),
                    (unsigned long long)(max_memory >> 10)), FILTER_LIMIT;
    mem->max_pages = (uint32_t)cap;
    fi->limit = cap * WASM_PAGE;
    return 0;
}

/* drop_half_made - free what a failed instantiation made (memories and
 * tables are NULL until made, and freeing those is a no-op), so that a
 * process that carries on holds no address space or table count for it. */
static void drop_half_made(struct filter_inst *fi)
{
    wasm_rt_memory_t *mem = inst_memory(fi);
    fi->m->glue->free_instance(fi->wasm);
    wasm_memory_release_rest(mem);
    free(fi->wasm);
    free(fi);
}

struct filter_inst *filter_instantiate(struct filter_module *m, uint64_t max_memory,
                                       int *why, char *err)
{
    *why = -1;
    struct filter_inst *fi = calloc(1, sizeof *fi);
    if (!fi) {
        errf(err, "filter %s: out of memory", m->name);
        return NULL;
    }
    fi->m = m;
    if (m->backend == FILTER_NATIVE) {
        m->n_reset();
        *why = 0;
        return fi;
    }
    fi->wasm = calloc(1, m->glue->instance_size);
    if (!fi->wasm) {
        free(fi);
        errf(err, "filter %s: out of memory", m->name);
        return NULL;
    }
    int lowered = 0;
    if ((*why = guarded_instantiate(m, fi->wasm, max_memory, &lowered, err)) != 0) {
        drop_half_made(fi);
        return NULL;
    }
    if ((*why = cap_memory(fi, max_memory, lowered, err)) != 0) {
        filter_free(fi);
        return NULL;
    }
    return fi;
}

void filter_free(struct filter_inst *fi)
{
    if (!fi)
        return;
    if (fi->wasm) {
        wasm_rt_memory_t *mem = inst_memory(fi);
        fi->m->glue->free_instance(fi->wasm);
        /* The runtime's own free unmaps only the pages in use and leaves
         * the rest of the 8 GiB reservation mapped; without this a
         * long-lived child runs out of address space after some thousands
         * of tiles.  (A memory the host allocator kept needs nothing.) */
        wasm_memory_release_rest(mem);
        free(fi->wasm);
    }
    free(fi);
}

uint64_t filter_mem_size(struct filter_inst *fi)
{
    return fi->m->backend == FILTER_NATIVE ? NATIVE_ARENA : inst_memory(fi)->size;
}

uint64_t filter_mem_limit(struct filter_inst *fi)
{
    return fi->limit;
}

uint8_t *filter_mem(struct filter_inst *fi, uint32_t off, uint64_t len, char *err)
{
    uint8_t *base;
    uint64_t size;
    if (fi->m->backend == FILTER_NATIVE) {
        base = fi->m->n_base();
        size = NATIVE_ARENA;
    } else {
        wasm_rt_memory_t *mem = inst_memory(fi);
        base = mem->data;
        size = mem->size;
    }
    if (off == 0 || len > size || off > size - len) {
        errf(err, "filter %s: buffer [%u, +%llu) is outside its memory (%llu bytes)",
             fi->m->name, off, (unsigned long long)len, (unsigned long long)size);
        return NULL;
    }
    return base + off;
}
