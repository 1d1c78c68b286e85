/*
 * test_netpbm.c - unit tests for the netpbm header reader and writer.
 *
 * Each case writes a header (and maybe a few sample bytes) to a file in a
 * private temporary directory, parses it with pnm_read_header() and checks
 * the fields, the file position left behind and the error message.  Last,
 * a few thousand mutated headers check that the parser never accepts
 * nonsense (and, under ASan, never reads out of bounds).  The test_*
 * functions return nothing: each reports through CHECK.
 */
#include "netpbm.h"
#include "err.h"
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[512];
static char file[600];

/* setup - creates the temporary directory; returns 0 or -1. */
static int setup(void)
{
    const char *t = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%s/test_netpbm.XXXXXX", t && *t ? t : "/tmp");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(file, sizeof file, "%s/hdr", dir);
    return 0;
}

/* put - writes len bytes to the case file; returns it open for reading, or NULL. */
static FILE *put(const void *data, size_t len)
{
    FILE *f = fopen(file, "wb");

    if (f == NULL)
        return NULL;
    if (fwrite(data, 1, len, f) != len) {
        fclose(f);
        return NULL;
    }
    if (fclose(f) != 0)
        return NULL;
    return fopen(file, "rb");
}

struct result {
    int rc;
    struct pnm_header h;
    long pos;           /* offset after the header */
    int next;           /* the byte there, or EOF */
    char err[ERR_MAX];
};

/* parse_n - parses len bytes of data; returns the result (rc -2: setup failed). */
static struct result parse_n(const char *data, size_t len)
{
    struct result r;
    FILE *f = put(data, len);

    memset(&r, 0, sizeof r);
    r.rc = -2;
    if (f == NULL)
        return r;
    r.rc = pnm_read_header(f, "t.pnm", &r.h, r.err);
    r.pos = ftell(f);
    r.next = getc(f);
    fclose(f);
    return r;
}

/* parse - parses a NUL-terminated header; returns the result. */
static struct result parse(const char *data)
{
    return parse_n(data, strlen(data));
}

/* has - returns 1 if the error of r mentions s. */
static int has(const struct result *r, const char *s)
{
    return r->rc == -1 && strstr(r->err, s) != NULL && strncmp(r->err, "t.pnm: ", 7) == 0;
}

/* test_p5_p6 - P5/P6 headers, comments and the single whitespace. */
static void test_p5_p6(void)
{
    struct result r;

    r = parse("P5\n3 2\n255\nABCDEF");
    CHECK(r.rc == 0 && r.h.kind == 5 && r.h.width == 3 && r.h.height == 2
          && r.h.channels == 1 && r.h.maxval == 255, "p5 basic", "rc %d %s", r.rc, r.err);
    CHECK(r.pos == 11 && r.next == 'A', "p5 leaves f at first sample", "pos %ld next %d", r.pos, r.next);

    r = parse("P6 # one\n#two\n  3 # w\n2\n# three\n255\n\x01");
    CHECK(r.rc == 0 && r.h.kind == 6 && r.h.channels == 3 && r.h.width == 3
          && r.h.height == 2 && r.next == 1, "p6 comments everywhere", "rc %d %s next %d", r.rc, r.err, r.next);

    r = parse("P5 1 1 255 \n");
    CHECK(r.rc == 0 && r.next == '\n', "only one whitespace after maxval", "rc %d next %d", r.rc, r.next);
    r = parse("P5\n1 1\n255\n\n");
    CHECK(r.rc == 0 && r.pos == 11 && r.next == '\n', "sample byte that looks like whitespace", "pos %ld", r.pos);
    r = parse("P5\n1 1\n255#c\nZ");
    CHECK(r.rc == 0 && r.next == 'Z', "comment right after maxval", "rc %d next %d", r.rc, r.next);
    r = parse("P5\n1 1\n255\r\n");
    CHECK(r.rc == 0 && r.next == '\n', "CR is the one whitespace", "rc %d next %d", r.rc, r.next);

    r = parse("P5\n2 2\n65535\n");
    CHECK(r.rc == 0 && r.h.maxval == 65535, "maxval 65535", "%s", r.err);
    r = parse("P5\n2 2\n1\n");
    CHECK(r.rc == 0 && r.h.maxval == 1, "maxval 1", "%s", r.err);
    r = parse("P5\n2 2\n65536\n");
    CHECK(has(&r, "maxval"), "maxval 65536 refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n2 2\n0\n");
    CHECK(has(&r, "maxval"), "maxval 0 refused", "rc %d %s", r.rc, r.err);
}

/* test_bad_numbers - zero, huge, signed and malformed sizes. */
static void test_bad_numbers(void)
{
    struct result r;

    r = parse("P5\n0 2\n255\n");
    CHECK(has(&r, "0x2"), "zero width refused", "rc %d %s", r.rc, r.err);
    r = parse("P6\n2 0\n255\n");
    CHECK(has(&r, "2x0"), "zero height refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n99999999999999999999 1\n255\n");
    CHECK(has(&r, "too large"), "20-digit width refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n4294967296 1\n255\n");
    CHECK(has(&r, "too large"), "width 2^32 refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n1 1\n99999999999999\n");
    CHECK(has(&r, "too large"), "huge maxval refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n-3 2\n255\n");
    CHECK(has(&r, "width"), "negative width refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n+3 2\n255\n");
    CHECK(has(&r, "width"), "signed width refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n3x 2\n255\n");
    CHECK(has(&r, "after width"), "junk after width refused", "rc %d %s", r.rc, r.err);
    r = parse("P5\n3 2\n255x");
    CHECK(has(&r, "after maxval"), "junk after maxval refused", "rc %d %s", r.rc, r.err);

    r = parse("P5\n2147483647 1\n255\n");
    CHECK(r.rc == 0 && r.h.width == 2147483647u, "p5 row of 2^31-1 samples", "%s", r.err);
    r = parse("P5\n2147483648 1\n255\n");
    CHECK(has(&r, "too many"), "p5 row of 2^31 samples refused", "rc %d %s", r.rc, r.err);
    r = parse("P6\n715827882 1\n255\n");
    CHECK(r.rc == 0, "p6 row of 3*715827882 samples", "%s", r.err);
    r = parse("P6\n715827883 1\n255\n");
    CHECK(has(&r, "too many"), "p6 row over 2^31-1 samples refused", "rc %d %s", r.rc, r.err);
    r = parse("P6\n4294967295 4294967295\n255\n");
    CHECK(has(&r, "too many"), "p6 4294967295 square refused", "rc %d %s", r.rc, r.err);
}

/* test_magic - wrong and unsupported magic numbers. */
static void test_magic(void)
{
    static const char *bad[] = { "", "P", "Q5\n1 1\n255\n", "P8\n1 1\n255\n",
                                 "P0\n", "p5\n1 1\n255\n", "\x89PNG" };
    struct result r;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char name[64];

        r = parse(bad[i]);
        snprintf(name, sizeof name, "bad magic %zu refused", i);
        CHECK(has(&r, "not a netpbm file"), name, "rc %d %s", r.rc, r.err);
    }
    r = parse("P3\n1 1\n255\n0 0 0\n");
    CHECK(has(&r, "P3") && has(&r, "not supported"), "plain P3 refused", "rc %d %s", r.rc, r.err);
    r = parse("P4\n8 1\n\xff");
    CHECK(has(&r, "not supported"), "bitmap P4 refused", "rc %d %s", r.rc, r.err);
}

/* all_prefixes_fail - returns how many proper prefixes of hdr parse as valid. */
static int all_prefixes_fail(const char *hdr)
{
    int accepted = 0;

    for (size_t n = 0; n < strlen(hdr); n++) {
        struct result r = parse_n(hdr, n);

        if (r.rc != -1 || r.err[0] == '\0')
            accepted++;
    }
    return accepted;
}

/* test_eof - every truncation of a header is an error, never a hang. */
static void test_eof(void)
{
    const char *p5 = "P5 # c\n3 2\n# c2\n255\n";
    const char *p7 = "P7\n# c\nWIDTH 3\nHEIGHT 2\nDEPTH 4\nMAXVAL 255\n"
                     "TUPLTYPE RGB_ALPHA\nENDHDR\n";
    int n;

    n = all_prefixes_fail(p5);
    CHECK(n == 0, "every truncated P5 header fails", "%d prefixes accepted", n);
    n = all_prefixes_fail(p7);
    CHECK(n == 0, "every truncated P7 header fails", "%d prefixes accepted", n);
    CHECK(parse(p7).rc == 0, "the untruncated P7 header parses", "%s", parse(p7).err);
}

/* test_pam - valid P7 headers. */
static void test_pam(void)
{
    static const struct { const char *tt; int depth, maxval, channels; } ok[] = {
        { "GRAYSCALE", 1, 255, 1 }, { "RGB", 3, 255, 3 },
        { "GRAYSCALE_ALPHA", 2, 255, 2 }, { "RGB_ALPHA", 4, 65535, 4 },
        { "BLACKANDWHITE", 1, 1, 1 }, { "BLACKANDWHITE_ALPHA", 2, 1, 2 },
    };
    char hdr[256], name[80];
    struct result r;

    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        snprintf(hdr, sizeof hdr, "P7\nWIDTH 5\nHEIGHT 4\nDEPTH %d\nMAXVAL %d\n"
                 "TUPLTYPE %s\nENDHDR\nX", ok[i].depth, ok[i].maxval, ok[i].tt);
        r = parse(hdr);
        snprintf(name, sizeof name, "pam %s", ok[i].tt);
        CHECK(r.rc == 0 && r.h.kind == 7 && r.h.width == 5 && r.h.height == 4
              && r.h.channels == ok[i].channels && r.h.maxval == (unsigned)ok[i].maxval
              && r.next == 'X', name, "rc %d %s next %d", r.rc, r.err, r.next);
    }
    r = parse("P7 \n# comment\n\n  WIDTH   7  \nHEIGHT 1\r\n# x\nMAXVAL 255\nDEPTH 3\n"
              "TUPLTYPE RGB\nENDHDR\n\n");
    CHECK(r.rc == 0 && r.h.width == 7 && r.h.channels == 3 && r.next == '\n',
          "pam with comments, blanks, any order", "rc %d %s next %d", r.rc, r.err, r.next);
    r = parse("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n");
    CHECK(r.rc == 0 && r.h.channels == 3, "pam without TUPLTYPE uses DEPTH", "rc %d %s", r.rc, r.err);

    char all[1300];
    memcpy(all, "P7\n#", 4);
    memset(all + 4, 'c', 1000);
    snprintf(all + 1004, sizeof all - 1004, "\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nENDHDR\n");
    r = parse(all);
    CHECK(r.rc == 0 && r.h.channels == 1, "pam with a 1000-byte comment line", "rc %d %s", r.rc, r.err);
}

/* test_pam_bad - malformed P7 headers. */
static void test_pam_bad(void)
{
    static const struct { const char *hdr, *msg; } bad[] = {
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nTUPLTYPE BLACKANDWHITE\nENDHDR\n", "MAXVAL 1" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 4\nMAXVAL 255\nTUPLTYPE CMYK\nENDHDR\n", "unsupported TUPLTYPE" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n", "does not match" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n", "does not match" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\n", "end of file" },
        { "P7\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n", "lacks WIDTH" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nTUPLTYPE RGB\nENDHDR\n", "lacks MAXVAL" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nFOO 1\nMAXVAL 255\nENDHDR\n", "unknown PAM header field" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 5\nMAXVAL 255\nENDHDR\n", "DEPTH 5" },
        { "P7\nWIDTH 2\nWIDTH 3\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n", "more than one WIDTH" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nTUPLTYPE RGB\nENDHDR\n", "more than one TUPLTYPE" },
        { "P7\nWIDTH -1\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n", "bad WIDTH" },
        { "P7\nWIDTH 1x\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n", "bad WIDTH" },
        { "P7\nWIDTH\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n", "bad WIDTH" },
        { "P7\nWIDTH 4294967296\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n", "bad WIDTH" },
        { "P7\nWIDTH 0\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n", "0x2" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 70000\nENDHDR\n", "maxval" },
        { "P7\nWIDTH 536870912\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nENDHDR\n", "too many" },
        { "P7 WIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR\n", "junk after P7" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR x\n", "junk after ENDHDR" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE\nENDHDR\n", "bad TUPLTYPE" },
        { "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nENDHDR", "end of file" },
    };
    char name[80];

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct result r = parse(bad[i].hdr);

        snprintf(name, sizeof name, "bad pam %zu (%s)", i, bad[i].msg);
        CHECK(has(&r, bad[i].msg), name, "rc %d \"%s\"", r.rc, r.err);
    }

    char line[400];
    memset(line, 'W', sizeof line);
    memcpy(line, "P7\nTUPLTYPE ", 12);
    snprintf(line + 350, sizeof line - 350, "\nENDHDR\n");
    struct result r = parse(line);
    CHECK(has(&r, "too long"), "pam header line too long", "rc %d %s", r.rc, r.err);
    r = parse("P7\nWIDTH 536870911\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nENDHDR\n");
    CHECK(r.rc == 0, "pam row of 4*536870911 samples", "%s", r.err);
}

/* read_back - writes a header and parses it again; returns the result. */
static struct result read_back(uint32_t w, uint32_t h, int channels, char *text, size_t size)
{
    struct result r;
    FILE *f = fopen(file, "wb");
    size_t n;

    memset(&r, 0, sizeof r);
    r.rc = -2;
    if (f == NULL)
        return r;
    r.rc = pnm_write_header(f, "t.pnm", w, h, channels, r.err);
    fclose(f);
    if (r.rc != 0 || (f = fopen(file, "rb")) == NULL)
        return r;
    n = fread(text, 1, size - 1, f);
    text[n] = '\0';
    rewind(f);
    r.rc = pnm_read_header(f, "t.pnm", &r.h, r.err);
    r.pos = ftell(f);
    r.next = getc(f);
    fclose(f);
    return r;
}

/* test_write - exact header bytes and the round trip. */
static void test_write(void)
{
    static const char *want[5] = {
        NULL,
        "P5\n17 3\n255\n",
        "P7\nWIDTH 17\nHEIGHT 3\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n",
        "P6\n17 3\n255\n",
        "P7\nWIDTH 17\nHEIGHT 3\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n",
    };
    char text[256], name[64];
    char err[ERR_MAX];

    for (int ch = 1; ch <= 4; ch++) {
        struct result r = read_back(17, 3, ch, text, sizeof text);

        snprintf(name, sizeof name, "write header %d channels: bytes", ch);
        CHECK(strcmp(text, want[ch]) == 0, name, "got \"%s\"", text);
        snprintf(name, sizeof name, "write header %d channels: reads back", ch);
        CHECK(r.rc == 0 && r.h.width == 17 && r.h.height == 3 && r.h.channels == ch
              && r.h.maxval == 255 && r.h.kind == (ch == 1 ? 5 : ch == 3 ? 6 : 7)
              && r.pos == (long)strlen(want[ch]) && r.next == EOF,
              name, "rc %d %s", r.rc, r.err);
    }
    FILE *f = fopen(file, "wb");
    if (f != NULL) {
        int a = pnm_write_header(f, "t.pnm", 3, 3, 5, err);
        int b = pnm_write_header(f, "t.pnm", 3, 3, 0, err);
        int c = pnm_write_header(f, "t.pnm", 0, 3, 1, err);
        int d = pnm_write_header(f, "t.pnm", 3000000000u, 1, 1, err);
        long len = ftell(f);
        fclose(f);
        CHECK(a == -1 && b == -1 && c == -1 && d == -1 && len == 0,
              "write header refuses bad shapes, writes nothing", "%d %d %d %d len %ld", a, b, c, d, len);
    }
    f = fopen("/dev/full", "wb");
    if (f != NULL) {
        setvbuf(f, NULL, _IONBF, 0);
        int rc = pnm_write_header(f, "full.pnm", 3, 3, 3, err);
        fclose(f);
        CHECK(rc == -1 && strstr(err, "full.pnm: pnm: write") != NULL,
              "write header reports a write error", "rc %d %s", rc, err);
    }
    for (int ch = 1; ch <= 4; ch += 2) {     /* a .pam file is P7 even for gray and RGB */
        char text[128] = "";
        f = tmpfile();
        if (f == NULL || pnm_write_header(f, "out.pam", 5, 2, ch, err) < 0) {
            CHECK(0, "write a .pam header", "%s", err);
        } else {
            rewind(f);
            size_t n = fread(text, 1, sizeof text - 1, f);
            text[n] = '\0';
            rewind(f);
            struct pnm_header h;
            int rc = pnm_read_header(f, "out.pam", &h, err);
            CHECK(strncmp(text, "P7\n", 3) == 0 && rc == 0 && h.channels == ch &&
                      h.width == 5 && h.height == 2,
                  "a .pam name gets a P7 header", "channels %d header '%s'", ch, text);
        }
        if (f)
            fclose(f);
    }
    CHECK(strcmp(pnm_extension(1), ".pgm") == 0 && strcmp(pnm_extension(2), ".pam") == 0
          && strcmp(pnm_extension(3), ".ppm") == 0 && strcmp(pnm_extension(4), ".pam") == 0,
          "pnm_extension", "%s %s %s %s", pnm_extension(1), pnm_extension(2),
          pnm_extension(3), pnm_extension(4));
}

/* sane - returns 1 if a parse result is self-consistent. */
static int sane(const struct result *r)
{
    if (r->rc != 0)
        return r->rc == -1 && strncmp(r->err, "t.pnm: pnm: ", 12) == 0;
    return r->h.kind >= 5 && r->h.kind <= 7 && r->h.width > 0 && r->h.height > 0
        && r->h.channels >= 1 && r->h.channels <= 4
        && r->h.maxval >= 1 && r->h.maxval <= 65535
        && (uint64_t)r->h.width * (uint64_t)r->h.channels <= INT32_MAX
        && (r->h.kind != 5 || r->h.channels == 1) && (r->h.kind != 6 || r->h.channels == 3);
}

/* test_mutations - thousands of damaged headers give sane answers. */
static void test_mutations(void)
{
    static const char *seeds[] = {
        "P5\n3 2\n255\n",
        "P6 # c\n3 2\n65535\n",
        "P7\nWIDTH 3\nHEIGHT 2\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n",
        "P7\n#x\nWIDTH 3\nHEIGHT 2\nDEPTH 1\nMAXVAL 1\nTUPLTYPE BLACKANDWHITE\nENDHDR\n",
    };
    static const char alphabet[] = "P0123456789 \n\r\t#WIDTHEGMAXVLPUYNR_-+\xff";
    uint32_t seed = 12345;
    int bad = 0, accepted = 0, n = 3000;

    for (int i = 0; i < n; i++) {
        char buf[128];
        const char *s = seeds[i % 4];
        size_t len = strlen(s);

        memcpy(buf, s, len);
        for (int k = 0; k < 1 + i % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            buf[at] = alphabet[(seed >> 20) % (sizeof alphabet - 1)];
        }
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 4 == 0)
            len = (seed >> 4) % len;
        struct result r = parse_n(buf, len);
        bad += !sane(&r);
        accepted += r.rc == 0;
    }
    CHECK(bad == 0, "mutated headers: every answer sane", "%d of %d not", bad, n);
    CHECK(accepted > 0 && accepted < n, "mutated headers: some accepted, some not",
          "%d of %d accepted", accepted, n);
}

/* main - runs every check in a fresh directory; returns 0 if all passed. */
int main(void)
{
    if (setup() < 0) {
        printf("not ok - setup: cannot create a temporary directory\n");
        return 1;
    }
    test_p5_p6();
    test_bad_numbers();
    test_magic();
    test_eof();
    test_pam();
    test_pam_bad();
    test_write();
    test_mutations();
    unlink(file);
    rmdir(dir);
    CHECK_DONE();
}
