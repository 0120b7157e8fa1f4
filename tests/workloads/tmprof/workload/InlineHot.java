// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.flink.runtime.jobgraph.tasks.TaskInvokable;
import org.apache.flink.runtime.taskmanager.Task;

/**
 * Stand-in workload for HotSpot-aware unwinding and naming of inlined and
 * interpreted frames (tests/e2e/hotspot_unwind.sh), to be run WITHOUT
 * -XX:+PreserveFramePointer.
 *
 * One Flink-like task thread ("Map -> Sink: inline (1/1)#0" by default:
 * Thread.run -> Task.run -> Task.doRun -> InlineHot$Job.invoke -> process)
 * that never blocks. {@link #process} is the hot method: C2 compiles it with
 * the four small user functions {@link #parseRecord}, {@link #enrichRecord},
 * {@link #scoreRecord} and {@link #encodeRecord} inlined into it (check with
 * -XX:+UnlockDiagnosticVMOptions -XX:+PrintInlining), so in a
 * profile they are "_[i]" frames under "process_[j]". A fifth function,
 * {@link #checksumInterpreted}, must stay interpreted: start the JVM with
 *     -XX:CompileCommand=exclude,tmprof.workload.InlineHot::checksumInterpreted
 * (nothing else keeps it interpreted: it is an ordinary small method; the
 * workload prints a warning on stderr when the option is missing).
 *
 * Ground truth, measured by the workload itself: the task thread runs rounds
 * of five phases in a random order per round; a phase is ONE call
 * process(fn, n, x), which calls function fn n times (the loop is in process,
 * the functions are inlined into it, so the measurement does not get in C2's
 * way). Each phase is timed with the thread's own CPU clock
 * (ThreadMXBean.getCurrentThreadCpuTime, CLOCK_THREAD_CPUTIME_ID: preemption
 * does not count) read before and after the call, and added to that
 * function's total. The clock reads and the round bookkeeping are outside
 * every phase: they belong to no function (a few us per round, ~0.1 %).
 * n adapts after each phase so that the phases take about WEIGHT x round
 * length: parseRecord 45 %, enrichRecord 25 %, scoreRecord 13 %,
 * encodeRecord 5 %, checksumInterpreted 10 % of the thread's CPU (the random
 * order and a random +-30 % jitter on n keep the phases from locking to the
 * sampling period).
 *
 * What a profiler can see of an inlined function: a sampled pc inside
 * process is named through the nmethod's debug info (PcDescs), which exists
 * only at calls and safepoint polls. Each function therefore runs a loop
 * whose trip count is data-dependent (not a counted loop: C2 keeps the
 * safepoint poll, whose PcDesc names the inlined function, in it), and each
 * loop iteration is long (16 dependent hash steps), so that the few
 * instructions of a function that lie after its poll (the loop's compare and
 * branch, its exit), which HotSpot's own rule (the first PcDesc after the pc,
 * as for AsyncGetCallTrace) gives to whatever follows, and process's loop
 * between calls are a small part of the time. The test runs the JVM with
 *     -XX:CompileCommand=inline,tmprof.workload.InlineHot::*Record
 * so that C2 inlines all four whatever the order of compilation (they are
 * small enough -- < FreqInlineSize bytecodes -- to be inlined as hot
 * methods anyway; the option removes the dependence on profile timing).
 *
 * --truth FILE: every 200 ms and at exit (--duration or SIGTERM), FILE is
 * atomically replaced (FILE.tmp + rename) by
 *     monotonic_ns TAB thread TAB <thread name> TAB thread CPU ns (ThreadMXBean)
 *     monotonic_ns TAB inlined TAB tmprof.workload.InlineHot.parseRecord TAB CPU ns
 *     ... (enrichRecord, scoreRecord, encodeRecord: inlined)
 *     monotonic_ns TAB interpreted TAB tmprof.workload.InlineHot.checksumInterpreted TAB CPU ns
 * all cumulative since start; a share over a window is the difference of two
 * snapshots' function ns divided by the difference of their thread ns.
 * Prints "ready" on stdout after --warmup seconds (default 2) of running.
 */
public final class InlineHot {
    private static final String USAGE =
        "usage: tmprof.workload.InlineHot [--truth FILE] [--duration SECONDS] [--name THREAD_NAME]\n"
        + "       [--round-ms MS] [--warmup SECONDS]\n"
        + "  JVM option needed: -XX:CompileCommand=exclude,tmprof.workload.InlineHot::checksumInterpreted";

    static final String[] FUNCS = {"parseRecord", "enrichRecord", "scoreRecord", "encodeRecord",
        "checksumInterpreted"};
    static final double[] WEIGHTS = {0.45, 0.25, 0.13, 0.05, 0.10};
    static final int INTERPRETED = 4;

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static final AtomicLongArray FN_NS = new AtomicLongArray(FUNCS.length);
    private static volatile long sink;

    private static Thread taskThread;
    private static String threadName;
    private static Path truth;
    private static volatile long lastThreadCpu;

    private InlineHot() {}

    // ------------------------------------------------------------ user functions
    // Small (< 325 bytecodes: FreqInlineSize) and hot: C2 inlines them into
    // process. Each loops a data-dependent number of times (stride 1 or 2),
    // which is not a counted loop: C2 keeps the safepoint poll in it, so
    // the code of the loop is followed by debug info (a PcDesc) whose scope
    // is the inlined function (check with -XX:CompileCommand=print,...).
    // An iteration is 16 hash steps: long next to the loop's tail.

    static long parseRecord(long x) {
        int i = 0;
        do {
            x ^= x >>> 31; x *= 0x9E3779B97F4A7C15L;
            x ^= x >>> 27; x *= 0xBF58476D1CE4E5B9L;
            x = Long.rotateLeft(x, 8) * 0x94D049BB133111EBL;
            x ^= x >>> 29; x *= 0xD6E8FEB86659FD93L;
            x += 0xC2B2AE3D27D4EB4FL; x ^= x >>> 33;
            x ^= x >>> 26; x *= 0x165667B19E3779F9L;
            x ^= x >>> 32; x *= 0x27D4EB2F165667C5L;
            x = Long.rotateLeft(x, 10) * 0xFF51AFD7ED558CCDL;
            x ^= x >>> 31; x *= 0x9E3779B97F4A7C15L;
            x ^= x << 9; x ^= x >>> 5;
            x ^= x >>> 28; x *= 0x94D049BB133111EBL;
            x ^= x >>> 29; x *= 0xD6E8FEB86659FD93L;
            x = Long.rotateLeft(x, 13) * 0xC2B2AE3D27D4EB4FL;
            x ^= x >>> 26; x *= 0x165667B19E3779F9L;
            x += 0x27D4EB2F165667C5L; x ^= x >>> 32;
            x ^= x >>> 30; x *= 0xFF51AFD7ED558CCDL;
            i += 1 + (int) (x & 1);
        } while (i < 8);
        return x;
    }

    static long enrichRecord(long x) {
        int i = 0;
        do {
            x ^= x >>> 27; x *= 0xBF58476D1CE4E5B9L;
            x ^= x >>> 28; x *= 0x94D049BB133111EBL;
            x = Long.rotateLeft(x, 9) * 0xD6E8FEB86659FD93L;
            x ^= x >>> 33; x *= 0xC2B2AE3D27D4EB4FL;
            x ^= x << 8; x ^= x >>> 4;
            x ^= x >>> 32; x *= 0x27D4EB2F165667C5L;
            x ^= x >>> 30; x *= 0xFF51AFD7ED558CCDL;
            x = Long.rotateLeft(x, 11) * 0x9E3779B97F4A7C15L;
            x ^= x >>> 27; x *= 0xBF58476D1CE4E5B9L;
            x += 0x94D049BB133111EBL; x ^= x >>> 28;
            x ^= x >>> 29; x *= 0xD6E8FEB86659FD93L;
            x ^= x >>> 33; x *= 0xC2B2AE3D27D4EB4FL;
            x ^= x >>> 26; x *= 0x165667B19E3779F9L;
            x = Long.rotateLeft(x, 12) * 0x27D4EB2F165667C5L;
            x ^= x >>> 30; x *= 0xFF51AFD7ED558CCDL;
            x += 0x9E3779B97F4A7C15L; x ^= x >>> 31;
            i += 1 + (int) ((x >>> 7) & 1);
        } while (i < 8);
        return x;
    }

    static long scoreRecord(long x) {
        int i = 0;
        do {
            x ^= x >>> 28; x *= 0x94D049BB133111EBL;
            x ^= x >>> 29; x *= 0xD6E8FEB86659FD93L;
            x = Long.rotateLeft(x, 13) * 0xC2B2AE3D27D4EB4FL;
            x ^= x >>> 26; x *= 0x165667B19E3779F9L;
            x += 0x27D4EB2F165667C5L; x ^= x >>> 32;
            x ^= x >>> 30; x *= 0xFF51AFD7ED558CCDL;
            x ^= x >>> 31; x *= 0x9E3779B97F4A7C15L;
            x ^= x >>> 27; x *= 0xBF58476D1CE4E5B9L;
            x = Long.rotateLeft(x, 8) * 0x94D049BB133111EBL;
            x ^= x >>> 29; x *= 0xD6E8FEB86659FD93L;
            x += 0xC2B2AE3D27D4EB4FL; x ^= x >>> 33;
            x ^= x >>> 26; x *= 0x165667B19E3779F9L;
            x ^= x >>> 32; x *= 0x27D4EB2F165667C5L;
            x = Long.rotateLeft(x, 10) * 0xFF51AFD7ED558CCDL;
            x ^= x >>> 31; x *= 0x9E3779B97F4A7C15L;
            x ^= x << 9; x ^= x >>> 5;
            i += 1 + (int) ((x >>> 11) & 1);
        } while (i < 8);
        return x;
    }

    static long encodeRecord(long x) {
        int i = 0;
        do {
            x ^= x >>> 29; x *= 0xD6E8FEB86659FD93L;
            x ^= x << 15; x ^= x >>> 11;
            x ^= x >>> 26; x *= 0x165667B19E3779F9L;
            x = Long.rotateLeft(x, 12) * 0x27D4EB2F165667C5L;
            x ^= x >>> 30; x *= 0xFF51AFD7ED558CCDL;
            x += 0x9E3779B97F4A7C15L; x ^= x >>> 31;
            x ^= x >>> 27; x *= 0xBF58476D1CE4E5B9L;
            x ^= x << 10; x ^= x >>> 6;
            x = Long.rotateLeft(x, 9) * 0xD6E8FEB86659FD93L;
            x ^= x << 15; x ^= x >>> 11;
            x ^= x << 8; x ^= x >>> 4;
            x ^= x << 14; x ^= x >>> 10;
            x ^= x >>> 30; x *= 0xFF51AFD7ED558CCDL;
            x = Long.rotateLeft(x, 11) * 0x9E3779B97F4A7C15L;
            x ^= x >>> 27; x *= 0xBF58476D1CE4E5B9L;
            x += 0x94D049BB133111EBL; x ^= x >>> 28;
            i += 1 + (int) ((x >>> 3) & 1);
        } while (i < 8);
        return x;
    }

    /** Kept interpreted by -XX:CompileCommand=exclude (the loop is here: one call per phase). */
    static long checksumInterpreted(long x, int n) {
        for (int k = 0; k < n; k++) {
            x = (x ^ (x >>> 17)) * 0x2545F4914F6CDD1DL + k;
        }
        return x;
    }

    /** The hot method: one phase = n calls of function fn, inlined here by C2. */
    static long process(int fn, int n, long x) {
        switch (fn) {
            case 0:
                for (int i = 0; i < n; i++) {
                    x = parseRecord(x);
                }
                return x;
            case 1:
                for (int i = 0; i < n; i++) {
                    x = enrichRecord(x);
                }
                return x;
            case 2:
                for (int i = 0; i < n; i++) {
                    x = scoreRecord(x);
                }
                return x;
            case 3:
                for (int i = 0; i < n; i++) {
                    x = encodeRecord(x);
                }
                return x;
            default:
                return checksumInterpreted(x, n);
        }
    }

    // ------------------------------------------------------------------ task

    /** The task's body: each invoke() is one round of the five phases. */
    private static final class Job implements TaskInvokable {
        private final long roundNs;
        private final int[] n = {2000, 2000, 2000, 2000, 20000};
        private final int[] order = {0, 1, 2, 3, 4};
        private long rnd = 0x1234567L;
        private long x = 42;
        private volatile boolean running = true;

        Job(double roundMs) {
            roundNs = (long) (roundMs * 1e6);
        }

        private int nextInt(int bound) {
            rnd ^= rnd << 13;
            rnd ^= rnd >>> 7;
            rnd ^= rnd << 17;
            return (int) ((rnd >>> 33) % bound);
        }

        @Override
        public void invoke() {
            for (int i = order.length - 1; i > 0; i--) {
                int j = nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int fn : order) {
                int calls = Math.max(1, (int) (n[fn] * (0.7 + 0.6 * nextInt(1000) / 1000.0)));
                long t0 = MX.getCurrentThreadCpuTime();
                x = process(fn, calls, x);
                long t1 = MX.getCurrentThreadCpuTime();
                long d = t1 - t0;
                FN_NS.addAndGet(fn, d);
                // adapt n towards WEIGHT x round length (per call cost from this phase)
                double perCall = Math.max(1.0, (double) d / calls);
                double want = WEIGHTS[fn] * roundNs / perCall;
                n[fn] = (int) Math.max(1, Math.min(50_000_000, 0.7 * n[fn] + 0.3 * want));
            }
            sink = x;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    public static void main(String[] args) throws Exception {
        String truthFile = null;
        double duration = -1;
        double roundMs = 20;
        double warmup = 2;
        String name = "Map -> Sink: inline (1/1)#0";
        for (int i = 0; i < args.length; i++) {
            String v = (i + 1 < args.length) ? args[i + 1] : null;
            switch (args[i]) {
                case "--truth": truthFile = need(args[i], v); i++; break;
                case "--duration": duration = Double.parseDouble(need(args[i], v)); i++; break;
                case "--name": name = need(args[i], v); i++; break;
                case "--round-ms": roundMs = Double.parseDouble(need(args[i], v)); i++; break;
                case "--warmup": warmup = Double.parseDouble(need(args[i], v)); i++; break;
                case "-h": case "--help": System.out.println(USAGE); return;
                default: throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
            }
        }
        if (!excluded()) {
            System.err.println("InlineHot: warning: checksumInterpreted is not excluded from compilation; add "
                + "-XX:CompileCommand=exclude,tmprof.workload.InlineHot::checksumInterpreted");
        }
        if (MX.isThreadCpuTimeSupported() && !MX.isThreadCpuTimeEnabled()) {
            MX.setThreadCpuTimeEnabled(true);
        }
        threadName = name;
        truth = truthFile == null ? null : Paths.get(truthFile);
        Job job = new Job(roundMs);
        Task task = new Task(name, job);
        taskThread = task.createThread();
        taskThread.setDaemon(true);
        taskThread.start();
        System.err.println("InlineHot pid " + ProcessHandle.current().pid() + ": task \"" + name + "\", round "
            + roundMs + " ms");
        if (truth != null) {
            TruthFile.start(truth, InlineHot::truthSnapshot); // its hook writes the final truth
        }
        Runtime.getRuntime().addShutdownHook(new Thread(InlineHot::printShares, "tmprof-shares"));
        Thread.sleep((long) (warmup * 1000));
        System.out.println("ready");
        System.out.flush();
        if (duration >= 0) {
            Thread.sleep((long) (Math.max(0, duration - warmup) * 1000));
            job.cancel();
            System.exit(0); // shutdown hook: final truth
        }
        taskThread.join();
    }

    /** Whether -XX:CompileCommand=exclude,...::checksumInterpreted is on the JVM's command line. */
    private static boolean excluded() {
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-XX:CompileCommand=exclude") && a.contains("checksumInterpreted")) {
                return true;
            }
        }
        return false;
    }

    private static String need(String opt, String v) {
        if (v == null) {
            throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
        }
        return v;
    }

    private static long threadCpu() {
        long c = MX.getThreadCpuTime(taskThread.getId());
        if (c < 0) {
            return lastThreadCpu; // thread ended: its last reading
        }
        lastThreadCpu = c;
        return c;
    }

    private static synchronized String truthSnapshot() {
        long now = System.nanoTime();
        StringBuilder sb = new StringBuilder(512);
        sb.append(now).append("\tthread\t").append(threadName).append('\t').append(threadCpu()).append('\n');
        for (int f = 0; f < FUNCS.length; f++) {
            sb.append(now).append(f == INTERPRETED ? "\tinterpreted\t" : "\tinlined\t")
                .append(InlineHot.class.getName()).append('.').append(FUNCS[f]).append('\t')
                .append(FN_NS.get(f)).append('\n');
        }
        return sb.toString();
    }

    private static void printShares() {
        long cpu = threadCpu();
        StringBuilder sb = new StringBuilder("InlineHot: shares of the task thread's CPU (" + cpu / 1_000_000
            + " ms):");
        for (int f = 0; f < FUNCS.length; f++) {
            sb.append(String.format(" %s %.1f%%", FUNCS[f], cpu > 0 ? 100.0 * FN_NS.get(f) / cpu : 0.0));
        }
        System.err.println(sb);
    }
}
