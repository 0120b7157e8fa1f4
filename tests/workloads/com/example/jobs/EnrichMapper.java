// SPDX-License-Identifier: GPL-2.0
package com.example.jobs;

/** User code of the category stand-in (tests/e2e/categories.sh): a hash per record. */
public final class EnrichMapper {
    private long sink;

    public long map(long[] values, int rounds) {
        long h = sink;
        for (int r = 0; r < rounds; r++) {
            for (long v : values) {
                h ^= v + r;
                h *= 0xff51afd7ed558ccdL;
                h ^= h >>> 33;
            }
        }
        sink = h;
        return h;
    }
}
