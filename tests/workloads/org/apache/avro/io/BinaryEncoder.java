// SPDX-License-Identifier: GPL-2.0
package org.apache.avro.io;

/** Stand-in named like Avro (tests/e2e/categories.sh): zig-zag encoding and a checksum. */
public final class BinaryEncoder {
    private final byte[] out = new byte[4096];
    private long crc;

    public long write(long[] values, int rounds) {
        for (int r = 0; r < rounds; r++) {
            int pos = 0;
            for (long v0 : values) {
                long n = (v0 << 1) ^ (v0 >> 63);
                for (int b = 0; b < 8 && pos < out.length; b++) {
                    out[pos++] = (byte) (n >>> (8 * b));
                }
            }
            for (int i = 0; i < pos; i++) {
                crc = (crc >>> 8) ^ ((crc ^ out[i]) * 0x100000001b3L);
            }
        }
        return crc;
    }
}
