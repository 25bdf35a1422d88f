/*
 * Row loops of the scans that whole-array operations do poorly, compiled when the package is
 * built (hatch_build.py) and called through ctypes (mlm_audit/kernels.py), which releases the
 * interpreter lock for each call. Each function has a NumPy/polars twin that gives the same
 * result on every input (tests/test_kernels.py compares them); the package works without
 * this library, only more slowly.
 *
 * Plain C99, no Python headers: arrays come as pointers and lengths.
 */
#include <stdint.h>
#include <string.h>

#ifndef MLM_KERNELS_SOURCE
#define MLM_KERNELS_SOURCE "unknown"
#endif

/* The SHA-256 of this file when it was compiled: the loader uses the library only when it
 * matches the source beside it (an in-place build older than its source is not used). */
const char *mlm_kernels_source(void) { return MLM_KERNELS_SOURCE; }

#define EMPTY UINT64_MAX
#define MIX 0x9E3779B97F4A7C15ULL
#define AHEAD 16 /* probes whose home slot is fetched ahead of use */

/* HashIndex._search: the value word of each key's slot in a table of (key, value) pairs
 * (linear probing from the home slot, (key * MIX) >> (64 - bits); an empty slot's value is
 * all ones, and the table ends in one), all ones where the key is absent. The home slot of
 * the key AHEAD rows on is prefetched: the lookups wait on memory, not on arithmetic. */
void mlm_probe(const uint64_t *table, int bits, const uint64_t *keys, int64_t n,
               uint64_t *out) {
    const int shift = 64 - bits;
    for (int64_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(table + 2 * ((keys[i + AHEAD] * MIX) >> shift), 0, 0);
        const uint64_t k = keys[i];
        uint64_t s = (k * MIX) >> shift;
        uint64_t v = table[2 * s + 1];
        while (v != EMPTY && table[2 * s] != k) {
            s++;
            v = table[2 * s + 1];
        }
        out[i] = v;
    }
}

/* coerce.money_clean on Arrow string views (16 bytes a row: the length, then up to 12 bytes
 * inline): the amount in minor units of each value spelled [+-]?[0-9]+(.[0-9][0-9])? and at
 * most 12 bytes long, with ok[i] = 1; ok[i] = 0 for every other value (longer ones, held
 * outside the view, included), which the exact parser then reads. A view's bytes are read
 * only up to its length: what lies beyond (and the view of a null) does not matter. */
void mlm_money_views(const uint8_t *views, int64_t n, int64_t *cents, uint8_t *ok) {
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *v = views + 16 * i;
        uint32_t len;
        memcpy(&len, v, 4);
        const uint8_t *s = v + 4;
        cents[i] = 0;
        ok[i] = 0;
        if (len == 0 || len > 12)
            continue;
        uint32_t start = (s[0] == '+' || s[0] == '-') ? 1 : 0;
        uint32_t end = len;
        int frac = len >= 4 && s[len - 3] == '.';
        if (frac)
            end = len - 3;
        if (end <= start)
            continue;
        int64_t value = 0;
        uint32_t j = start;
        for (; j < end; j++) {
            const uint8_t d = (uint8_t)(s[j] - '0');
            if (d > 9)
                break;
            value = value * 10 + d;
        }
        if (j < end)
            continue;
        value *= 100;
        if (frac) {
            const uint8_t a = (uint8_t)(s[len - 2] - '0'), b = (uint8_t)(s[len - 1] - '0');
            if (a > 9 || b > 9)
                continue;
            value += a * 10 + b;
        }
        cents[i] = s[0] == '-' ? -value : value;
        ok[i] = 1;
    }
}
