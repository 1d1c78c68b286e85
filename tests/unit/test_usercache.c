/*
 * test_usercache.c - unit tests for the cache of users' modules
 * (usercache.h): where the cache is, how entries are named, how a stage
 * given by path finds its compiled object, and that a module whose
 * content differs from the hash a job expects is refused before anything
 * is compiled.  Compiling itself is tested end to end (userfilter.sh).
 */
#include "usercache.h"
#include "err.h"
#include "filter_glue.h"
#include "hash.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char err[ERR_MAX];

/* the cache folder of this glue version, as a string literal */
#define STR_(x) #x
#define STR(x) STR_(x)
#define GLUE_DIR "glue-" STR(TSF_GLUE_VERSION)

static void test_dir(void)
{
    char dir[PATH_MAX];
    setenv("XDG_CACHE_HOME", "/var/tmp/xdg", 1);
    setenv("HOME", "/home/ann", 1);
    CHECK(usercache_dir(dir, err) == 0 && strcmp(dir, "/var/tmp/xdg/tilespool/" GLUE_DIR) == 0,
          "dir: $XDG_CACHE_HOME/tilespool/glue-N", "got '%s'", dir);
    setenv("XDG_CACHE_HOME", "relative/cache", 1);
    CHECK(usercache_dir(dir, err) == 0 && strcmp(dir, "/home/ann/.cache/tilespool/" GLUE_DIR) == 0,
          "dir: a relative XDG_CACHE_HOME is ignored", "got '%s'", dir);
    unsetenv("XDG_CACHE_HOME");
    CHECK(usercache_dir(dir, err) == 0 && strcmp(dir, "/home/ann/.cache/tilespool/" GLUE_DIR) == 0,
          "dir: ~/.cache/tilespool/glue-N without XDG_CACHE_HOME", "got '%s'", dir);
    unsetenv("HOME");
    CHECK(usercache_dir(dir, err) < 0 && strstr(err, "XDG_CACHE_HOME"),
          "dir: neither set is an error naming the variables", "err '%s'", err);
}

static void test_names(void)
{
    char path[PATH_MAX];
    CHECK(usercache_file(path, "/c", 0x0123456789abcdefULL, ".so", err) == 0 &&
              strcmp(path, "/c/0123456789abcdef.so") == 0,
          "file: DIR/16 hex digits.EXT", "got '%s'", path);
    CHECK(usercache_file(path, "/c", 0x1ULL, ".wasm", err) == 0 &&
              strcmp(path, "/c/0000000000000001.wasm") == 0,
          "file: hash zero-padded", "got '%s'", path);
    char longdir[PATH_MAX];
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    CHECK(usercache_file(path, longdir, 1, ".so", err) < 0, "file: too long refused",
          "accepted");
}

static void test_stage(void)
{
    struct stage_spec s;
    char so[PATH_MAX], wasm[PATH_MAX];
    memset(&s, 0, sizeof s);
    setenv("XDG_CACHE_HOME", "/x", 1);
    snprintf(s.name, sizeof s.name, "warm");
    snprintf(s.path, sizeof s.path, "/home/ann/warm.wasm");
    s.hash = 0xfeedULL;
    CHECK(usercache_find_stage(&s, so, wasm, err) == 0 &&
              strcmp(so, "/x/tilespool/" GLUE_DIR "/000000000000feed.so") == 0 &&
              strcmp(wasm, "/home/ann/warm.wasm") == 0,
          "stage by path: the cache's HASH.so and the recorded .wasm", "so '%s' wasm '%s'",
          so, wasm);
}

/* test_refused - modules that are not filters, missing, or not the one a
 * job expects are refused before the cache directory is even created. */
static void test_refused(void)
{
    char tmpl[] = "/tmp/usercache-test.XXXXXX", mod[PATH_MAX], so[PATH_MAX], cache[PATH_MAX];
    if (!mkdtemp(tmpl)) {
        CHECK(0, "changed: temporary directory", "mkdtemp failed");
        return;
    }
    snprintf(mod, sizeof mod, "%s/m.wasm", tmpl);
    snprintf(cache, sizeof cache, "%s/cache", tmpl);
    setenv("XDG_CACHE_HOME", cache, 1);
    /* the smallest valid header: not a filter, refused by the check */
    FILE *f = fopen(mod, "wb");
    fwrite("\0asm\1\0\0\0", 1, 8, f);
    fclose(f);
    uint64_t h = 0;
    CHECK(usercache_build(mod, 0, &h, so, err) < 0 && strstr(err, "missing export"),
          "build: a module without the ABI exports is refused", "err '%s'", err);
    CHECK(access(cache, F_OK) != 0, "build: nothing created for a refused module",
          "%s exists", cache);
    unlink(mod);
    CHECK(usercache_build(mod, 0, &h, so, err) < 0 && strstr(err, mod),
          "build: a missing module is an error naming it", "err '%s'", err);
    /* a real filter (tests run from the top of the tree), wrong hash */
    const char *inv = "build/filters/invert.wasm";
    uint64_t real;
    if (hash_file(inv, &real, NULL, err) == 0) {
        CHECK(usercache_build(inv, real ^ 1, &h, so, err) < 0 && strstr(err, "has changed"),
              "build: a module whose hash is not the expected one is refused", "err '%s'", err);
        CHECK(access(cache, F_OK) != 0, "build: nothing compiled for a changed module",
              "%s exists", cache);
    } else {
        printf("skip - build: changed module: %s\n", err);
    }
    rmdir(tmpl);
}

int main(void)
{
    test_dir();
    test_names();
    test_stage();
    test_refused();
    CHECK_DONE();
}
