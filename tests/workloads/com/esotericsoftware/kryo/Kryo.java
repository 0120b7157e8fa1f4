// SPDX-License-Identifier: GPL-2.0
package com.esotericsoftware.kryo;

/** Stand-in named like Kryo (tests/e2e/categories.sh): variable-length encoding of longs. */
public final class Kryo {
    private final byte[] out = new byte[4096];
    private int sink;

    public int writeObject(long[] values, int rounds) {
        int pos = 0;
        for (int r = 0; r < rounds; r++) {
            pos = 0;
            for (long v0 : values) {
                long v = (v0 << 1) ^ (v0 >> 63) ^ r;
                while ((v & ~0x7FL) != 0 && pos < out.length - 1) {
                    out[pos++] = (byte) ((v & 0x7F) | 0x80);
                    v >>>= 7;
                }
                out[pos++ % out.length] = (byte) v;
            }
            sink += out[r % out.length];
        }
        return pos + sink;
    }
}
