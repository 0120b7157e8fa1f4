// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.api.functions.sink;

/**
 * Stand-in for Flink's PrintSinkFunction: formats each value as Flink would
 * print it, but folds the text into a checksum instead of writing stdout.
 */
public final class PrintSinkFunction<IN> implements SinkFunction<IN> {
    private final String prefix;
    private long checksum;

    public PrintSinkFunction(int subtaskIndex) {
        this.prefix = (subtaskIndex + 1) + "> ";
    }

    @Override
    public void invoke(IN value) {
        String line = prefix + value;
        long h = checksum;
        for (int i = 0; i < line.length(); i++) {
            h = (h ^ line.charAt(i)) * 0x100000001b3L;
        }
        checksum = h;
    }

    public long getChecksum() {
        return checksum;
    }
}
