// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.streaming.runtime.tasks;

import com.esotericsoftware.kryo.Kryo;
import com.example.jobs.EnrichMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.avro.io.BinaryEncoder;
import org.apache.flink.api.common.typeutils.base.RecordSerializer;
import org.apache.flink.shaded.netty4.io.netty.buffer.UnpooledHeapByteBuf;
import org.apache.flink.shaded.netty4.io.netty.channel.socket.nio.NioSocketChannel;
import org.rocksdb.RocksDB;

/**
 * The task thread's loop of the category stand-in (tmprof.workload.CategoryMix,
 * tests/e2e/categories.sh). Flink-named, so that the loop itself, the CPU
 * clock reads and the bookkeeping are "framework" by tmprof's rules. Each
 * round calls, in a random order, the user function, three serializers
 * (Flink's, Kryo's, Avro's), RocksDB's get and the Netty buffer + socket
 * write, each sized so that its CPU is about its weight's share of the
 * round; each call is timed with the thread's own CPU clock
 * (ThreadMXBean.getCurrentThreadCpuTime: user + system time of this thread,
 * preemption excluded) read right before and after it, and added to its
 * category's total (the truth). Between rounds the thread sleeps to keep
 * its duty cycle.
 */
public final class CategoryOperatorChain implements Runnable {
    public static final String[] CATEGORIES = {"user", "serialization", "state", "network"};
    static final int USER = 0;
    static final int SERIALIZATION = 1;
    static final int STATE = 2;
    static final int NETWORK = 3;
    /* Calls per round; each has a category and its own adaptive size. */
    private static final int[] CALL_CATEGORY = {USER, SERIALIZATION, SERIALIZATION, SERIALIZATION,
        STATE, NETWORK, NETWORK};
    private static final int[] CALL_SHARE = {1, 3, 3, 3, 1, 2, 2}; // divides the category's weight

    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final double[] weights;
    private final double roundMs;
    private final double dutyPercent;
    private final Random random;
    private final NioSocketChannel channel;
    /** Cumulative CPU ns per category, written by this thread only. */
    public final AtomicLongArray truth = new AtomicLongArray(CATEGORIES.length);

    private final long[] values = new long[64];
    private final byte[] key = new byte[48];
    private final EnrichMapper mapper = new EnrichMapper();
    private final RecordSerializer flinkSerializer = new RecordSerializer();
    private final Kryo kryo = new Kryo();
    private final BinaryEncoder avro = new BinaryEncoder();
    private final UnpooledHeapByteBuf buffer = new UnpooledHeapByteBuf(32 * 1024);
    private final double[] nsPerUnit = new double[CALL_CATEGORY.length];
    private long sink;

    public CategoryOperatorChain(double[] weights, double roundMs, double dutyPercent, long seed,
                                 NioSocketChannel channel) {
        this.weights = weights;
        this.roundMs = roundMs;
        this.dutyPercent = dutyPercent;
        this.random = new Random(seed);
        this.channel = channel;
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextLong();
        }
        random.nextBytes(key);
        java.util.Arrays.fill(nsPerUnit, 20_000.0);
    }

    @Override
    public void run() {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        int[] order = new int[CALL_CATEGORY.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (int i = order.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int call : order) {
                    int cat = CALL_CATEGORY[call];
                    double targetNs = roundMs * 1e6 * weights[cat] / total / CALL_SHARE[call];
                    if (targetNs <= 0) {
                        continue;
                    }
                    // +-30 % jitter: the calls do not lock to the sampling period.
                    double jitter = 0.7 + 0.6 * random.nextDouble();
                    int units = (int) Math.max(1, Math.min(1_000_000, targetNs * jitter / nsPerUnit[call]));
                    long t0 = mx.getCurrentThreadCpuTime();
                    sink += invoke(call, units);
                    long ns = mx.getCurrentThreadCpuTime() - t0;
                    truth.addAndGet(cat, ns);
                    if (ns > 0) {
                        nsPerUnit[call] = 0.7 * nsPerUnit[call] + 0.3 * ((double) ns / units);
                    }
                }
                if (dutyPercent < 100) {
                    LockSupport.parkNanos((long) (roundMs * 1e6 * (100 - dutyPercent) / dutyPercent));
                }
            }
        } catch (IOException e) {
            System.err.println(Thread.currentThread().getName() + ": " + e);
        }
    }

    private long invoke(int call, int units) throws IOException {
        switch (call) {
            case 0: return mapper.map(values, units);
            case 1: return flinkSerializer.serialize(values, units);
            case 2: return kryo.writeObject(values, units);
            case 3: return avro.write(values, units);
            case 4: return new RocksDB(units).get(key);
            case 5: return buffer.writeLongs(values, units);
            default: return channel.doWrite(buffer.array(), Math.min(units * 512, buffer.array().length));
        }
    }

    public long sink() {
        return sink;
    }
}
