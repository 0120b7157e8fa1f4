// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.util.SplittableRandom;

/**
 * Random burst / idle lengths with a given mean duty cycle. Lengths are
 * exponentially distributed (clipped to [0.05, 6] x mean) so that the
 * schedule has no period a 99 Hz or 499 Hz sampler could alias with.
 */
public final class DutyCycle {
    private final double meanBurstNanos;
    private final double meanIdleNanos;
    private final SplittableRandom random;

    public DutyCycle(double duty, double meanBurstMs, long seed) {
        if (duty <= 0 || duty > 1) {
            throw new IllegalArgumentException("duty must be in (0, 1]: " + duty);
        }
        this.meanBurstNanos = meanBurstMs * 1e6;
        this.meanIdleNanos = meanBurstNanos * (1 - duty) / duty;
        this.random = new SplittableRandom(seed);
    }

    private long exp(double mean) {
        if (mean <= 0) {
            return 0;
        }
        double x = -Math.log(1.0 - random.nextDouble());
        x = Math.max(0.05, Math.min(6.0, x));
        return (long) (x * mean);
    }

    public long nextBurstNanos() {
        return exp(meanBurstNanos);
    }

    public long nextIdleNanos() {
        return exp(meanIdleNanos);
    }
}
