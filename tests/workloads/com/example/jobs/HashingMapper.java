// SPDX-License-Identifier: GPL-2.0
package com.example.jobs;

import org.apache.flink.api.common.functions.MapFunction;

/** User code of the "Numbers" job: a CPU-heavy hash of each number. */
public final class HashingMapper implements MapFunction<Long, Long> {
    private final int rounds;

    public HashingMapper(int rounds) {
        this.rounds = rounds;
    }

    @Override
    public Long map(Long value) {
        long h = value;
        for (int i = 0; i < rounds; i++) {
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            h *= 0xc4ceb9fe1a85ec53L;
            h ^= h >>> 33;
            h += i;
        }
        return h;
    }
}
