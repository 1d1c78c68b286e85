/*
 * netpbm.c - read and write netpbm headers (P5, P6, P7 PAM).
 *
 * NAME
 *	netpbm - pnm_read_header, pnm_write_header(_depth), pnm_swap16,
 *	pnm_extension
 * SUMMARY
 *	Tiles are written as P5 (gray), P6 (RGB) or P7 (gray+alpha, RGBA),
 *	with maxval 255, or 65535 for 16-bit samples (stored big-endian;
 *	pnm_swap16 converts rows from and to the host's order).  The reader
 *	takes what netpbm itself writes.
 * DESCRIPTION
 *	P5/P6: "P5", then width, height and maxval as decimal numbers
 *	separated by whitespace and '#' comments (to end of line), then
 *	exactly one whitespace character (or a comment, whose newline counts
 *	as that character), then the samples.  A number must end at
 *	whitespace or '#'; signs and overflow are refused.
 *
 *	P7: "P7" alone on its line, then lines "WIDTH n", "HEIGHT n",
 *	"DEPTH n", "MAXVAL n" (each exactly once), an optional "TUPLTYPE t",
 *	'#' comment lines and blank lines, then "ENDHDR" and its newline,
 *	after which the samples start.  TUPLTYPE must be GRAYSCALE, RGB,
 *	GRAYSCALE_ALPHA, RGB_ALPHA, BLACKANDWHITE or BLACKANDWHITE_ALPHA and
 *	agree with DEPTH (and the BLACKANDWHITE types with MAXVAL 1); without
 *	it DEPTH 1-4 is taken as gray, gray+alpha, RGB, RGBA.  Several
 *	TUPLTYPE lines (which the PAM spec concatenates) are refused.
 *
 *	The parser reads only with getc(), one character past each token at
 *	most, stops at EOF everywhere, and bounds every number and line, so
 *	any input ends in a result or an error (it is fuzzed with libFuzzer).
 *	Plain (ASCII) formats P1-P3 and bitmaps P4 are refused.
 * DIAGNOSTICS
 *	"NAME: pnm: ..." describing the first problem found.
 */
#include "netpbm.h"
#include "err.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#define PAM_LINE 256            /* longest non-comment PAM header line */

struct tuple_type {
    const char *name;
    int depth;
    unsigned maxval;            /* 0 = any */
};

static const char *const pam_keys[4] = { "WIDTH", "HEIGHT", "DEPTH", "MAXVAL" };

static const struct tuple_type tuple_types[] = {
    { "GRAYSCALE", 1, 0 },
    { "RGB", 3, 0 },
    { "GRAYSCALE_ALPHA", 2, 0 },
    { "RGB_ALPHA", 4, 0 },
    { "BLACKANDWHITE", 1, 1 },
    { "BLACKANDWHITE_ALPHA", 2, 1 },
};

/* is_space - returns 1 for the whitespace characters of netpbm headers. */
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* is_digit - returns 1 for '0'..'9' (locale-independent). */
static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* skip_comment - consumes the rest of a '#' comment; returns the '\n' or
 * '\r' that ended it, or EOF. */
static int skip_comment(FILE *f)
{
    int c;

    while ((c = getc(f)) != EOF && c != '\n' && c != '\r')
        ;
    return c;
}

/* next_token_char - returns the first character that is neither
 * whitespace nor inside a comment, or EOF. */
static int next_token_char(FILE *f)
{
    int c;

    while ((c = getc(f)) != EOF) {
        if (c == '#')
            c = skip_comment(f);
        if (c == EOF || !is_space(c))
            return c;
    }
    return EOF;
}

/* read_uint - reads a number after whitespace and comments, and the one
 * whitespace character or comment ending it; returns 0 or -1. */
static int read_uint(FILE *f, const char *name, const char *what,
                     uint32_t *out, char *err)
{
    int c = next_token_char(f);
    uint32_t v = 0;

    if (c == EOF)
        return errf(err, "%s: pnm: end of file in header before %s", name, what);
    if (!is_digit(c))
        return errf(err, "%s: pnm: bad character 0x%02x where %s should be",
                    name, (unsigned)c, what);
    for (; is_digit(c); c = getc(f)) {
        if (v > (UINT32_MAX - (uint32_t)(c - '0')) / 10)
            return errf(err, "%s: pnm: %s too large", name, what);
        v = v * 10 + (uint32_t)(c - '0');
    }
    if (c == '#')
        c = skip_comment(f);
    if (c == EOF)
        return errf(err, "%s: pnm: end of file in header after %s", name, what);
    if (!is_space(c))
        return errf(err, "%s: pnm: bad character 0x%02x after %s",
                    name, (unsigned)c, what);
    *out = v;
    return 0;
}

/* parse_uint - converts a whole string of digits; returns 0, or -1 for
 * anything else (empty, sign, junk, more than 32 bits). */
static int parse_uint(const char *s, uint32_t *out)
{
    uint32_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (!is_digit(*s) || v > (UINT32_MAX - (uint32_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint32_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* read_line - reads a line (without its '\n') into buf, blanks trimmed at
 * both ends; returns its length, -1 at EOF, or -2 if it did not fit (the
 * rest of the line is consumed and buf holds its start). */
static int read_line(FILE *f, char *buf, size_t size)
{
    size_t n = 0, start = 0;
    int c, overflow = 0;

    while ((c = getc(f)) != EOF && c != '\n') {
        if (n + 1 < size)
            buf[n++] = (char)c;
        else
            overflow = 1;
    }
    buf[n] = '\0';
    if (c == EOF)
        return -1;
    while (n > 0 && is_space((unsigned char)buf[n - 1]))
        buf[--n] = '\0';
    while (start < n && is_space((unsigned char)buf[start]))
        start++;
    memmove(buf, buf + start, n - start + 1);
    return overflow ? -2 : (int)(n - start);
}

/* split_field - splits "KEY value" at the first blank run; returns the
 * value (possibly ""), having ended the key with '\0'. */
static char *split_field(char *line)
{
    char *v = line;

    while (*v != '\0' && !is_space((unsigned char)*v))
        v++;
    if (*v == '\0')
        return v;
    *v++ = '\0';
    while (is_space((unsigned char)*v))
        v++;
    return v;
}

/* PAM header fields as read; 0 / "" = not seen. */
struct pam_fields {
    uint32_t width, height, depth, maxval;
    int seen[4];
    char tupltype[32];
};

/* pam_field - records one "KEY value" line; returns 0, 1 for ENDHDR, or -1. */
static int pam_field(struct pam_fields *p, char *line, const char *name, char *err)
{
    uint32_t *vals[4] = { &p->width, &p->height, &p->depth, &p->maxval };
    char *value = split_field(line);

    if (strcmp(line, "ENDHDR") == 0)
        return *value == '\0' ? 1 : errf(err, "%s: pnm: junk after ENDHDR", name);
    if (strcmp(line, "TUPLTYPE") == 0) {
        if (p->tupltype[0] != '\0')
            return errf(err, "%s: pnm: more than one TUPLTYPE", name);
        if (*value == '\0' || strlen(value) >= sizeof p->tupltype)
            return errf(err, "%s: pnm: bad TUPLTYPE", name);
        strcpy(p->tupltype, value);
        return 0;
    }
    for (int i = 0; i < 4; i++) {
        if (strcmp(line, pam_keys[i]) != 0)
            continue;
        if (p->seen[i])
            return errf(err, "%s: pnm: more than one %s", name, pam_keys[i]);
        if (parse_uint(value, vals[i]) < 0)
            return errf(err, "%s: pnm: bad %s value", name, pam_keys[i]);
        p->seen[i] = 1;
        return 0;
    }
    return errf(err, "%s: pnm: unknown PAM header field \"%.40s\"", name, line);
}

/* pam_channels - returns the channel count DEPTH/TUPLTYPE describe, or -1. */
static int pam_channels(const struct pam_fields *p, const char *name, char *err)
{
    if (p->tupltype[0] == '\0') {
        if (p->depth < 1 || p->depth > 4)
            return errf(err, "%s: pnm: unsupported DEPTH %" PRIu32, name, p->depth);
        return (int)p->depth;
    }
    for (size_t i = 0; i < sizeof tuple_types / sizeof tuple_types[0]; i++) {
        const struct tuple_type *t = &tuple_types[i];

        if (strcmp(p->tupltype, t->name) != 0)
            continue;
        if (p->depth != (uint32_t)t->depth)
            return errf(err, "%s: pnm: DEPTH %" PRIu32 " does not match TUPLTYPE %s",
                        name, p->depth, t->name);
        if (t->maxval != 0 && p->maxval != t->maxval)
            return errf(err, "%s: pnm: TUPLTYPE %s needs MAXVAL %u",
                        name, t->name, t->maxval);
        return t->depth;
    }
    return errf(err, "%s: pnm: unsupported TUPLTYPE \"%s\"", name, p->tupltype);
}

/* read_pam - reads a P7 header after the magic; returns 0 or -1. */
static int read_pam(FILE *f, const char *name, struct pnm_header *h, char *err)
{
    struct pam_fields p;
    char line[PAM_LINE];
    int n, rc;

    memset(&p, 0, sizeof p);
    if ((n = read_line(f, line, sizeof line)) != 0)
        return errf(err, "%s: pnm: %s after P7", name,
                    n == -1 ? "end of file" : "junk");
    for (rc = 0; rc == 0;) {
        if ((n = read_line(f, line, sizeof line)) == -1)
            return errf(err, "%s: pnm: end of file in PAM header", name);
        if (line[0] == '#' || n == 0)
            continue;
        if (n == -2)
            return errf(err, "%s: pnm: PAM header line too long", name);
        if ((rc = pam_field(&p, line, name, err)) < 0)
            return -1;
    }
    for (int i = 0; i < 4; i++)
        if (!p.seen[i])
            return errf(err, "%s: pnm: PAM header lacks %s", name, pam_keys[i]);
    if ((h->channels = pam_channels(&p, name, err)) < 0)
        return -1;
    h->width = p.width;
    h->height = p.height;
    h->maxval = p.maxval;
    return 0;
}

/* read_pnm - reads a P5/P6 header after the magic; returns 0 or -1. */
static int read_pnm(FILE *f, const char *name, struct pnm_header *h, char *err)
{
    uint32_t maxval;

    if (read_uint(f, name, "width", &h->width, err) < 0
        || read_uint(f, name, "height", &h->height, err) < 0
        || read_uint(f, name, "maxval", &maxval, err) < 0)
        return -1;
    h->maxval = maxval;
    h->channels = h->kind == 5 ? 1 : 3;
    return 0;
}

/* pnm_read_header - returns 0 with *h filled and f at the first sample, or -1. */
int pnm_read_header(FILE *f, const char *name, struct pnm_header *h, char *err)
{
    int c0 = getc(f), c1 = c0 == EOF ? EOF : getc(f);

    memset(h, 0, sizeof *h);
    if (c0 != 'P' || c1 < '1' || c1 > '7')
        return errf(err, "%s: pnm: not a netpbm file", name);
    h->kind = c1 - '0';
    if (h->kind < 5)
        return errf(err, "%s: pnm: P%d (plain or bitmap netpbm) is not supported",
                    name, h->kind);
    if ((h->kind == 7 ? read_pam(f, name, h, err) : read_pnm(f, name, h, err)) < 0)
        return -1;
    if (h->width == 0 || h->height == 0)
        return errf(err, "%s: pnm: image is %" PRIu32 "x%" PRIu32, name,
                    h->width, h->height);
    if (h->maxval < 1 || h->maxval > 65535)
        return errf(err, "%s: pnm: maxval %u is not 1-65535", name, h->maxval);
    if ((uint64_t)h->width * (uint64_t)h->channels > INT32_MAX)
        return errf(err, "%s: pnm: %" PRIu32 " pixels of %d samples are too many"
                    " for one row", name, h->width, h->channels);
    return 0;
}

/* pnm_write_header - returns 0 once the 8-bit header is written, or -1. */
int pnm_write_header(FILE *f, const char *name, uint32_t width, uint32_t height,
                     int channels, char *err)
{
    return pnm_write_header_depth(f, name, width, height, channels, 8, err);
}

/* pnm_write_header_depth - returns 0 once the header is written, or -1. */
int pnm_write_header_depth(FILE *f, const char *name, uint32_t width, uint32_t height,
                           int channels, int depth, char *err)
{
    static const char *tuple[5] = { "", "GRAYSCALE", "GRAYSCALE_ALPHA", "RGB", "RGB_ALPHA" };
    int n;

    unsigned maxval = depth == 16 ? 65535 : 255;

    if (channels < 1 || channels > 4)
        return errf(err, "%s: pnm: cannot write %d channels", name, channels);
    if (depth != 8 && depth != 16)
        return errf(err, "%s: pnm: cannot write %d-bit samples", name, depth);
    if (width == 0 || height == 0
        || (uint64_t)width * (uint64_t)channels > INT32_MAX)
        return errf(err, "%s: pnm: cannot write a %" PRIu32 "x%" PRIu32 " image",
                    name, width, height);
    /* A file named .pam is read by PAM-only tools, so it gets P7 whatever
     * the channels; elsewhere gray and RGB keep the older, wider-read P5/P6. */
    size_t len = strlen(name);
    int pam = len >= 4 && strcmp(name + len - 4, ".pam") == 0;
    if (!pam && (channels == 1 || channels == 3))
        n = fprintf(f, "P%d\n%" PRIu32 " %" PRIu32 "\n%u\n",
                    channels == 1 ? 5 : 6, width, height, maxval);
    else
        n = fprintf(f, "P7\nWIDTH %" PRIu32 "\nHEIGHT %" PRIu32 "\nDEPTH %d\n"
                    "MAXVAL %u\nTUPLTYPE %s\nENDHDR\n",
                    width, height, channels, maxval, tuple[channels]);
    if (n < 0)
        return errf_sys(err, "%s: pnm: write", name);
    return 0;
}

/* pnm_swap16 - converts nsamples samples between host order and
 * big-endian in place; returns nothing. */
void pnm_swap16(void *buf, size_t nsamples)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    (void)buf;
    (void)nsamples;
#else
    uint8_t *p = buf;

    for (size_t i = 0; i < nsamples; i++, p += 2) {
        uint8_t t = p[0];
        p[0] = p[1];
        p[1] = t;
    }
#endif
}

/* pnm_extension - returns the file name extension for a tile of `channels`. */
const char *pnm_extension(int channels)
{
    switch (channels) {
    case 1: return ".pgm";
    case 3: return ".ppm";
    default: return ".pam";
    }
}
