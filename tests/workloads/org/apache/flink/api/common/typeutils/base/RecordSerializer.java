// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.api.common.typeutils.base;

/**
 * Stand-in named like Flink's TypeSerializers (tests/e2e/categories.sh):
 * big-endian longs into a byte array, as LongSerializer into a DataOutputView.
 */
public final class RecordSerializer {
    private final byte[] out = new byte[4096];
    private long sink;

    public long serialize(long[] values, int rounds) {
        for (int r = 0; r < rounds; r++) {
            int pos = 0;
            for (long v : values) {
                long x = v + r;
                for (int b = 7; b >= 0 && pos < out.length; b--) {
                    out[pos++] = (byte) (x >>> (8 * b));
                }
            }
            long h = 0;
            for (int i = 0; i < pos; i++) {
                h = h * 31 + out[i];
            }
            sink ^= h;
        }
        return sink;
    }
}
