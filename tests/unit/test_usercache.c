/*
 * test_usercache.c - unit tests for the cache of users' modules
 * (usercache.h): where the cache is, how entries are named and keyed, how
 * a stage given by path finds its compiled object, which cache objects are
 * trusted, and that a module whose content differs from the hash a job
 * expects is refused before anything is compiled.  Also the hashes
 * themselves (hash.h) against BLAKE2b-256 test values.  Compiling itself
 * is tested end to end (userfilter.sh, usercache.sh).
 */
#include "usercache.h"
#include "err.h"
#include "filter_glue.h"
#include "hash.h"
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* test_hash - BLAKE2b-256 as `b2sum -l 256` prints it, and hex round trips. */
static void test_hash(void)
{
    struct hash h, back;
    char hex[HASH_HEX_MAX];
    hash_buffer("abc", 3, &h, err);
    hash_hex(&h, hex);
    CHECK(strcmp(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319") == 0,
          "hash: BLAKE2b-256 of \"abc\"", "got %s", hex);
    hash_buffer("", 0, &h, err);
    hash_hex(&h, hex);
    CHECK(strcmp(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8") == 0,
          "hash: BLAKE2b-256 of nothing", "got %s", hex);
    CHECK(hash_parse_hex(hex, &back) == 0 && hash_equal(&back, &h), "hash: hex round trip",
          "'%s'", hex);
    CHECK(hash_parse_hex("0e5751c026e543b2", &back) < 0, "hash: 16 hex digits refused",
          "accepted");
    hex[5] = 'G';
    CHECK(hash_parse_hex(hex, &back) < 0, "hash: a non-hex digit refused", "accepted");
}

static void test_names(void)
{
    char path[PATH_MAX], longdir[PATH_MAX];
    struct hash k;
    for (int i = 0; i < HASH_BYTES; i++)
        k.b[i] = (unsigned char)i;
    CHECK(usercache_file(path, "/c", &k, ".so", err) == 0 &&
              strcmp(path, "/c/000102030405060708090a0b0c0d0e0f"
                           "101112131415161718191a1b1c1d1e1f.so") == 0,
          "file: DIR/64 hex digits.EXT", "got '%s'", path);
    memset(longdir, 'a', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    CHECK(usercache_file(path, longdir, &k, ".so", err) < 0, "file: too long refused",
          "accepted");
}

/* test_stage - a stage's object is named by the key of its module hash,
 * which depends on the recipe too. */
static void test_stage(void)
{
    struct stage_spec s;
    struct hash key, other;
    char so[PATH_MAX], wasm[PATH_MAX], want[PATH_MAX];
    memset(&s, 0, sizeof s);
    setenv("XDG_CACHE_HOME", "/x", 1);
    snprintf(s.name, sizeof s.name, "warm");
    snprintf(s.path, sizeof s.path, "/home/ann/warm.wasm");
    memset(&s.hash, 0xfe, sizeof s.hash);
    int rc = usercache_key(&s.hash, &key, err);
    CHECK(rc == 0 && !hash_equal(&key, &s.hash), "key: not the module hash itself",
          "rc %d err '%s'", rc, err);
    usercache_file(want, "/x/tilespool/" GLUE_DIR, &key, ".so", err);
    CHECK(usercache_find_stage(&s, so, wasm, err) == 0 && strcmp(so, want) == 0 &&
              strcmp(wasm, "/home/ann/warm.wasm") == 0,
          "stage by path: the cache's KEY.so and the recorded .wasm", "so '%s' wasm '%s'",
          so, wasm);
    setenv("TILESPOOL_CC", "clang", 1);
    rc = usercache_key(&s.hash, &other, err);
    CHECK(rc == 0 && hash_equal(&key, &other), "key: the compiler's name is not in it",
          "rc %d", rc);
    unsetenv("TILESPOOL_CC");
    s.hash.b[31] ^= 1;
    rc = usercache_key(&s.hash, &other, err);
    CHECK(rc == 0 && !hash_equal(&key, &other), "key: another module, another key", "rc %d",
          rc);
}

/* test_trust - which files usercache_open accepts as cache objects. */
static void test_trust(void)
{
    char tmpl[] = "/tmp/usercache-trust.XXXXXX", f[PATH_MAX], l[PATH_MAX];
    int fd = -1;
    if (!mkdtemp(tmpl)) {
        CHECK(0, "trust: temporary directory", "mkdtemp failed");
        return;
    }
    snprintf(f, sizeof f, "%s/a.so", tmpl);
    snprintf(l, sizeof l, "%s/b.so", tmpl);
    close(open(f, O_WRONLY | O_CREAT, 0644));
    CHECK(usercache_open(f, &fd, err) == 0 && fd >= 0, "trust: the user's own 0644 file",
          "err '%s'", err);
    if (fd >= 0)
        close(fd);
    chmod(f, 0666);
    CHECK(usercache_open(f, &fd, err) < 0 && fd < 0 && strstr(err, "writable by others"),
          "trust: mode 0666 refused", "err '%s'", err);
    chmod(f, 0644);
    CHECK(symlink(f, l) == 0 && usercache_open(l, &fd, err) < 0 &&
              strstr(err, "symbolic link"),
          "trust: a symbolic link refused", "err '%s'", err);
    CHECK(usercache_open(tmpl, &fd, err) < 0 && strstr(err, "not a regular file"),
          "trust: a directory refused", "err '%s'", err);
    if (geteuid() == 0) {
        CHECK(chown(f, 65534, 65534) == 0 && usercache_open(f, &fd, err) < 0 &&
                  strstr(err, "another user"),
              "trust: a file of another user refused", "err '%s'", err);
    } else {
        printf("skip - trust: another user's file needs root\n");
    }
    unlink(l);
    unlink(f);
    rmdir(tmpl);
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
    struct hash h, real;
    CHECK(usercache_build(mod, NULL, &h, so, err) < 0 && strstr(err, "missing export"),
          "build: a module without the ABI exports is refused", "err '%s'", err);
    CHECK(access(cache, F_OK) != 0, "build: nothing created for a refused module",
          "%s exists", cache);
    unlink(mod);
    CHECK(usercache_build(mod, NULL, &h, so, err) < 0 && strstr(err, mod),
          "build: a missing module is an error naming it", "err '%s'", err);
    /* a real filter (tests run from the top of the tree), wrong hash */
    const char *inv = "build/filters/invert.wasm";
    if (hash_file(inv, &real, NULL, err) == 0) {
        real.b[0] ^= 1;
        CHECK(usercache_build(inv, &real, &h, so, err) < 0 && strstr(err, "has changed"),
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
    test_hash();
    test_names();
    test_stage();
    test_trust();
    test_refused();
    CHECK_DONE();
}
