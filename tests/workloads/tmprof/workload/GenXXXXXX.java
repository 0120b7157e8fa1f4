// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.util.function.LongUnaryOperator;

/**
 * Template of the classes ClassChurn generates; never loaded under this name.
 * ClassChurn reads this class file's bytes and replaces every "XXXXXX" in it
 * (class name, method names, source file name: same length, so the constant
 * pool needs no other change) with the six-digit generation number, giving
 * tmprof.workload.Gen000017 with work000017 and mix000017, defined by a
 * class loader of its own.
 *
 * applyAsLong is the entry ClassChurn calls through the interface;
 * workXXXXXX is the hot method (JIT-compiled within each generation);
 * mixXXXXXX is small and gets inlined into it by C1 and C2. Nothing here
 * may mention "XXXXXX" except these names.
 */
public final class GenXXXXXX implements LongUnaryOperator {
    public GenXXXXXX() {}

    @Override
    public long applyAsLong(long x) {
        return workXXXXXX(x);
    }

    static long workXXXXXX(long x) {
        int i = 0;
        do {
            x = mixXXXXXX(x, i);
            i += 1 + (int) (x & 1);
        } while (i < 96);
        return x;
    }

    static long mixXXXXXX(long x, int i) {
        x ^= x >>> 29;
        x *= 0xBF58476D1CE4E5B9L;
        return x + i;
    }
}
