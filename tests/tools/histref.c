/*
 * histref.c - histogram matching written the plain way, to check the
 * histogram_match filter against: no tiles, no statistics blocks, no
 * filter SDK, and its own netpbm reader and writer.
 *
 * SYNOPSIS
 *   histref IN REF OUT
 *
 * DESCRIPTION
 *   IN and REF are 8-bit netpbm files (P5 gray, P6 RGB, P7 with TUPLTYPE
 *   GRAYSCALE, GRAYSCALE_ALPHA, RGB or RGB_ALPHA).  For each colour
 *   channel of IN, the histogram h of IN's channel (N pixels) and the
 *   histogram r of the matching reference channel (M pixels) give
 *       out(v) = the least u with  R(u) / M >= C(v) / N,
 *   C and R the cumulative counts, compared exactly with 128-bit products
 *   by a linear search over u for every v.  The matching reference channel:
 *   R, G, B for R, G, B of a colour reference; its gray for a gray
 *   reference; for a gray IN, the reference's luma (77 R + 150 G + 29 B +
 *   128) >> 8 (or its gray).  Alpha is copied.  OUT is written in IN's
 *   format.  Exit 0 ok, 2 usage, 3 a file cannot be read or written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pnm {
    char magic;              /* '5', '6' or '7' */
    unsigned w, h, ch;
    char tupl[32];
    unsigned char *px;
};

/* header_word - the next whitespace-separated word, skipping # comments. */
static int header_word(FILE *f, char *buf, size_t n)
{
    int c;
    size_t k = 0;
    while ((c = getc(f)) != EOF) {
        if (c == '#')
            while ((c = getc(f)) != EOF && c != '\n')
                ;
        else if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
    }
    while (c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r' && k + 1 < n) {
        buf[k++] = (char)c;
        c = getc(f);
    }
    buf[k] = '\0';
    return k ? 0 : -1;
}

/* read_pam_header - the P7 header fields up to ENDHDR. */
static int read_pam_header(FILE *f, struct pnm *p)
{
    char key[32], val[32];
    unsigned maxval = 0;
    while (header_word(f, key, sizeof key) == 0 && strcmp(key, "ENDHDR") != 0) {
        if (header_word(f, val, sizeof val) < 0)
            return -1;
        if (!strcmp(key, "WIDTH")) p->w = (unsigned)atoi(val);
        else if (!strcmp(key, "HEIGHT")) p->h = (unsigned)atoi(val);
        else if (!strcmp(key, "DEPTH")) p->ch = (unsigned)atoi(val);
        else if (!strcmp(key, "MAXVAL")) maxval = (unsigned)atoi(val);
        else if (!strcmp(key, "TUPLTYPE")) snprintf(p->tupl, sizeof p->tupl, "%s", val);
    }
    return maxval == 255 && p->ch >= 1 && p->ch <= 4 ? 0 : -1;
}

static int read_pnm(const char *path, struct pnm *p)
{
    FILE *f = fopen(path, "rb");
    char word[32];
    int rc = -1;
    memset(p, 0, sizeof *p);
    if (!f || getc(f) != 'P')
        goto done;
    p->magic = (char)getc(f);
    if (p->magic == '7') {
        if (read_pam_header(f, p) < 0)     /* ENDHDR's newline is read too */
            goto done;
    } else if (p->magic == '5' || p->magic == '6') {
        p->ch = p->magic == '5' ? 1 : 3;
        if (header_word(f, word, sizeof word) < 0 || !(p->w = (unsigned)atoi(word)) ||
            header_word(f, word, sizeof word) < 0 || !(p->h = (unsigned)atoi(word)) ||
            header_word(f, word, sizeof word) < 0 || atoi(word) != 255)
            goto done;
    } else {
        goto done;
    }
    size_t n = (size_t)p->w * p->h * p->ch;
    p->px = malloc(n);
    rc = p->px && fread(p->px, 1, n, f) == n ? 0 : -1;
done:
    if (f)
        fclose(f);
    if (rc < 0)
        fprintf(stderr, "histref: %s: not an 8-bit netpbm file\n", path);
    return rc;
}

static int write_pnm(const char *path, const struct pnm *p, const unsigned char *px)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    if (p->magic == '7')
        fprintf(f, "P7\nWIDTH %u\nHEIGHT %u\nDEPTH %u\nMAXVAL 255\nTUPLTYPE %s\nENDHDR\n",
                p->w, p->h, p->ch, p->tupl);
    else
        fprintf(f, "P%c\n%u %u\n255\n", p->magic, p->w, p->h);
    size_t n = (size_t)p->w * p->h * p->ch;
    int ok = fwrite(px, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* sample - the value of colour channel k of pixel i as matching sees it:
 * a gray image's gray; for gray_view, a colour image's luma. */
static unsigned sample(const struct pnm *p, size_t i, unsigned k, int gray_view)
{
    const unsigned char *s = p->px + i * p->ch;
    if (p->ch <= 2)
        return s[0];
    if (gray_view)
        return (77u * s[0] + 150u * s[1] + 29u * s[2] + 128) >> 8;
    return s[k];
}

/* histogram - counts of channel k of p (see sample). */
static void histogram(const struct pnm *p, unsigned k, int gray_view, uint64_t h[256])
{
    memset(h, 0, 256 * sizeof *h);
    for (size_t i = 0; i < (size_t)p->w * p->h; i++)
        h[sample(p, i, k, gray_view)]++;
}

/* mapping - out(v) by the rule above, by brute force. */
static void mapping(const uint64_t h[256], const uint64_t r[256], unsigned char map[256])
{
    uint64_t n = 0, m = 0;
    for (int v = 0; v < 256; v++)
        n += h[v], m += r[v];
    uint64_t c = 0;
    for (int v = 0; v < 256; v++) {
        c += h[v];
        uint64_t rc = 0;
        int u;
        for (u = 0; u < 256; u++) {
            rc += r[u];
            if ((unsigned __int128)rc * n >= (unsigned __int128)c * m)
                break;
        }
        map[v] = (unsigned char)(u < 256 ? u : 255);
    }
}

int main(int argc, char **argv)
{
    struct pnm in, ref;
    if (argc != 4) {
        fprintf(stderr, "usage: histref IN REF OUT\n");
        return 2;
    }
    if (read_pnm(argv[1], &in) < 0 || read_pnm(argv[2], &ref) < 0)
        return 3;
    unsigned colours = in.ch <= 2 ? 1 : 3;
    size_t npx = (size_t)in.w * in.h;
    unsigned char *out = malloc(npx * in.ch);
    if (!out)
        return 3;
    memcpy(out, in.px, npx * in.ch);          /* alpha stays */
    for (unsigned k = 0; k < colours; k++) {
        uint64_t h[256], r[256];
        unsigned char map[256];
        histogram(&in, k, 0, h);
        histogram(&ref, k, colours == 1, r);
        mapping(h, r, map);
        for (size_t i = 0; i < npx; i++)
            out[i * in.ch + k] = map[in.px[i * in.ch + k]];
    }
    int rc = write_pnm(argv[3], &in, out);
    if (rc < 0)
        fprintf(stderr, "histref: %s: cannot write\n", argv[3]);
    free(out);
    free(in.px);
    free(ref.px);
    return rc < 0 ? 3 : 0;
}
