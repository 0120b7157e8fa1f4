// SPDX-License-Identifier: GPL-2.0
package com.example.jobs;

import org.apache.flink.api.common.functions.ReduceFunction;

/** User code of the window stage: a mixing sum of the values of one key. */
public final class SumReducer implements ReduceFunction<Long> {
    private final int rounds;

    public SumReducer(int rounds) {
        this.rounds = rounds;
    }

    @Override
    public Long reduce(Long a, Long b) {
        long x = a, y = b;
        for (int i = 0; i < rounds; i++) {
            y = Long.rotateLeft(y * 0x9E3779B97F4A7C15L, 31) ^ (x + i);
        }
        return x + y;
    }
}
