// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.shaded.netty4.io.netty.buffer;

/** Stand-in named like Flink's shaded Netty buffers (tests/e2e/categories.sh). */
public final class UnpooledHeapByteBuf {
    private final byte[] array;
    private int writerIndex;

    public UnpooledHeapByteBuf(int capacity) {
        this.array = new byte[capacity];
    }

    /** Writes the longs big-endian, wrapping; rounds times. */
    public int writeLongs(long[] values, int rounds) {
        int h = 0;
        for (int r = 0; r < rounds; r++) {
            for (long v : values) {
                for (int b = 7; b >= 0; b--) {
                    array[writerIndex] = (byte) ((v ^ r) >>> (8 * b));
                    writerIndex = writerIndex + 1 == array.length ? 0 : writerIndex + 1;
                }
            }
            h = h * 31 + array[r % array.length];
        }
        return h;
    }

    public byte[] array() {
        return array;
    }
}
