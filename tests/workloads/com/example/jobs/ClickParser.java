// SPDX-License-Identifier: GPL-2.0
package com.example.jobs;

import org.apache.flink.api.common.functions.MapFunction;

/**
 * User code of the "Clicks" job: renders a click event as a query string and
 * parses it back (byte scanning + FNV-1a), returning a hash of the fields.
 */
public final class ClickParser implements MapFunction<Long, Long> {
    private final byte[] line = new byte[96];

    @Override
    public Long map(Long value) {
        long v = value;
        int n = render(v);
        long h = 0xcbf29ce484222325L;
        long field = 0;
        for (int i = 0; i < n; i++) {
            byte b = line[i];
            if (b == '&') {
                h ^= field;
                field = 0;
            } else {
                field = field * 31 + b;
            }
            h = (h ^ b) * 0x100000001b3L;
        }
        return h ^ field;
    }

    private int render(long v) {
        int p = 0;
        p = put(p, "user=");
        p = putNum(p, (v >>> 40) & 0xfffff);
        p = put(p, "&page=/p/");
        p = putNum(p, (v >>> 20) & 0x3ff);
        p = put(p, "&ts=");
        return putNum(p, v & 0xfffffffffL);
    }

    private int put(int p, String s) {
        for (int i = 0; i < s.length(); i++) {
            line[p++] = (byte) s.charAt(i);
        }
        return p;
    }

    private int putNum(int p, long v) {
        int start = p;
        do {
            line[p++] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = p - 1; i < j; i++, j--) {
            byte t = line[i];
            line[i] = line[j];
            line[j] = t;
        }
        return p;
    }
}
