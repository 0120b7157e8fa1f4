// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Threads whose CPU time a per-CPU sampling clock gets wrong, with their own
 * clocks as ground truth (tests/e2e/thread_shares.sh):
 *
 * <ul>
 *   <li>"src-N": always busy, in {@link #sourceWork}.
 *   <li>"sink-N": woken by a timer (parkNanos 1-5 ms), burn 0.2-2 ms in
 *       {@link #sinkWork}, park again: the rhythm that aliases with a
 *       per-CPU sampling timer.
 *   <li>"pool-worker-N": started by "pool-spawner" (2 ms of CPU per start)
 *       every 200 ms, each living
 *       1-3 s of bursts in {@link #poolWork} (0.2-2 ms, parks 2-8 ms):
 *       threads come and go. (A thread's last partial sampling period is
 *       never sampled: much shorter lives would show that floor, README
 *       "Sampling".)
 * </ul>
 *
 * Every 100 ms it appends to the truth file, per thread group, "nanoTime
 * \t name \t cumulative CPU ns" (ThreadMXBean; pool workers summed as
 * "pool-worker", finished ones included) and "nanoTime \t fn:NAME \t ns"
 * for each work function, measured by the thread's own CPU clock around
 * each call. System.nanoTime is CLOCK_MONOTONIC, tmprof's clock.
 *
 * With --handoff FILE, a "handoff-parent" thread waits for FILE to exist,
 * then starts a busy "handoff-child" (in {@link #sourceWork}: counted in
 * fn:sourceWork, in no thread group; in sinkWork once FILE.2 exists) and
 * exits: a thread started after tmprof attached by a thread
 * that then exits (tests/e2e/thread_adopt.sh).
 *
 * Usage: BurstyThreads --truth FILE [--sources N] [--sinks N] [--pool on|off] [--idle N]
 *        [--handoff FILE]
 */
public final class BurstyThreads {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static final Map<String, AtomicLong> FN_CPU = new ConcurrentHashMap<>();
    private static final Map<Long, Thread> POOL_LIVE = new ConcurrentHashMap<>();
    private static final AtomicLong POOL_DONE_NS = new AtomicLong();
    private static final Object POOL_LOCK = new Object();
    private static volatile long sink;

    private BurstyThreads() {}

    private static void measured(String fn, long t0) {
        FN_CPU.get(fn).addAndGet(MX.getCurrentThreadCpuTime() - t0);
    }

    // Each work function spins in its own body (no helper call), so it is
    // the leaf frame of its samples however far the stack walk gets.

    /** Busy source: 1 ms chunks, so its own clock is read often. */
    static void sourceWork() {
        long t0 = MX.getCurrentThreadCpuTime();
        long end = System.nanoTime() + 1_000_000, x = sink;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 200; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink += x;
        measured("sourceWork", t0);
    }

    static void sinkWork(long ns) {
        long t0 = MX.getCurrentThreadCpuTime();
        long end = System.nanoTime() + ns, x = sink;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 200; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink += x;
        measured("sinkWork", t0);
    }

    static void poolWork(long ns) {
        long t0 = MX.getCurrentThreadCpuTime();
        long end = System.nanoTime() + ns, x = sink;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 200; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink += x;
        measured("poolWork", t0);
    }

    private static void source() {
        for (;;) {
            sourceWork();
        }
    }

    private static void sinkLoop() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (;;) {
            LockSupport.parkNanos(r.nextLong(1_000_000, 5_000_001));
            sinkWork(r.nextLong(200_000, 2_000_001));
        }
    }

    private static void poolWorker() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long end = System.nanoTime() + r.nextLong(1_000_000_000L, 3_000_000_001L);
        while (System.nanoTime() < end) {
            poolWork(r.nextLong(200_000, 2_000_001));
            LockSupport.parkNanos(r.nextLong(2_000_000, 8_000_001));
        }
        synchronized (POOL_LOCK) {
            POOL_LIVE.remove(Thread.currentThread().getId());
            POOL_DONE_NS.addAndGet(MX.getCurrentThreadCpuTime());
        }
    }

    private static void spawner() {
        long n = 0;
        for (;;) {
            // Each start costs the spawner ~0.1 ms, less than a sampling
            // period in a 14 s recording; 2 ms of preparing the worker's
            // input makes it a timer-woken thread that a correct sampler
            // must see (tests/e2e/thread_adopt.sh).
            long end = System.nanoTime() + 2_000_000, x = sink;
            while (System.nanoTime() < end) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            sink += x;
            Thread t = new Thread(BurstyThreads::poolWorker, "pool-worker-" + n++);
            synchronized (POOL_LOCK) {
                POOL_LIVE.put(t.getId(), t);
            }
            t.start();
            LockSupport.parkNanos(200_000_000);
        }
    }

    private static void handoff(java.nio.file.Path go) {
        while (!java.nio.file.Files.exists(go)) {
            LockSupport.parkNanos(50_000_000);
        }
        // FILE.2 switches the child to sinkWork: samples of it prove the
        // child was sampled late in the recording.
        java.nio.file.Path late = java.nio.file.Paths.get(go + ".2");
        start("handoff-child", () -> {
            boolean switched = false;
            for (;;) {
                switched = switched || java.nio.file.Files.exists(late);
                if (switched) {
                    sinkWork(1_000_000);
                } else {
                    sourceWork();
                }
            }
        });
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    public static void main(String[] args) throws Exception {
        String truth = null;
        int sources = 2, sinks = 2;
        boolean pool = true;
        int idle = 0;
        String handoff = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--truth": truth = args[++i]; break;
                case "--sources": sources = Integer.parseInt(args[++i]); break;
                case "--sinks": sinks = Integer.parseInt(args[++i]); break;
                case "--pool": pool = args[++i].equals("on"); break;
                case "--idle": idle = Integer.parseInt(args[++i]); break;
                case "--handoff": handoff = args[++i]; break;
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (truth == null) {
            throw new IllegalArgumentException("--truth FILE is required");
        }
        for (String fn : new String[] {"sourceWork", "sinkWork", "poolWork"}) {
            FN_CPU.put(fn, new AtomicLong());
        }
        List<Thread> fixed = new ArrayList<>();
        for (int i = 0; i < sources; i++) {
            fixed.add(start("src-" + i, BurstyThreads::source));
        }
        for (int i = 0; i < sinks; i++) {
            fixed.add(start("sink-" + i, BurstyThreads::sinkLoop));
        }
        if (pool) {
            fixed.add(start("pool-spawner", BurstyThreads::spawner));
        }
        // Mostly idle threads, as a TaskManager has hundreds (Netty,
        // RocksDB, timers): they wake every 100 ms (for the benchmark).
        for (int i = 0; i < idle; i++) {
            start("idle-" + i, () -> {
                for (;;) {
                    LockSupport.parkNanos(100_000_000);
                }
            });
        }
        if (handoff != null) {
            java.nio.file.Path go = java.nio.file.Paths.get(handoff);
            start("handoff-parent", () -> handoff(go));
        }
        System.out.println("ready");
        System.out.flush();
        try (PrintWriter out = new PrintWriter(new FileWriter(truth, true))) {
            for (;;) {
                write(out, fixed);
                Thread.sleep(100);
            }
        }
    }

    private static void write(PrintWriter out, List<Thread> fixed) throws IOException {
        long now = System.nanoTime();
        StringBuilder b = new StringBuilder();
        for (Thread t : fixed) {
            b.append(now).append('\t').append(t.getName()).append('\t')
                .append(MX.getThreadCpuTime(t.getId())).append('\n');
        }
        long pool;
        synchronized (POOL_LOCK) {
            pool = POOL_DONE_NS.get();
            for (Long id : POOL_LIVE.keySet()) {
                long c = MX.getThreadCpuTime(id);
                pool += Math.max(c, 0);
            }
        }
        b.append(now).append("\tpool-worker\t").append(pool).append('\n');
        for (Map.Entry<String, AtomicLong> e : FN_CPU.entrySet()) {
            b.append(now).append("\tfn:").append(e.getKey()).append('\t').append(e.getValue().get())
                .append('\n');
        }
        out.print(b);
        out.flush();
    }
}
