// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.apache.flink.runtime.jobgraph.tasks.TaskInvokable;
import org.apache.flink.runtime.taskmanager.Task;

/**
 * Stand-in workload for stale Java frame names (tests/e2e/hotspot_unwind.sh):
 * classes are generated, JIT-compiled and unloaded continuously, the way a
 * Flink job that restarts again and again loads its user code in a fresh
 * class loader per attempt.
 *
 * Generation N (1, 2, ...):
 *  - a new class loader defines tmprof.workload.Gen%06d (from the bytes of
 *    the template class GenXXXXXX with "XXXXXX" replaced by N: methods
 *    work%06d and mix%06d, the latter inlined into the former);
 *  - a NEW task thread, named like the N-th attempt of a Flink subtask,
 *    "Source: Churn -> Map (1/1)#N" (Thread.run -> Task.run -> Task.doRun ->
 *    ClassChurn$Job.invoke -> GenN.applyAsLong -> GenN.workN -> GenN.mixN),
 *    calls the generation's hot method for --gen-ms (default 500) ms of its
 *    own CPU, long enough for C1 and C2 to compile it, then ends;
 *  - the loader, class and instance are dropped and System.gc() unloads the
 *    class (G1 full GC; confirm with -Xlog:class+unload): its nmethods are
 *    freed, so later generations' code and metadata can land at addresses
 *    that held an earlier generation's.
 * A stale name in a profile -- a frame named after a generation that is
 * gone, or a method named after another generation's class -- therefore
 * shows up in a thread of the wrong generation: the log maps each task
 * thread (tid) to exactly one generation.
 *
 * --log FILE, one line per event as it happens (flushed), TAB-separated:
 *     start  N  class  tid  thread name  monotonic_ns
 *     end    N  class  tid  thread name  monotonic_ns  thread CPU ns  calls
 *     unloaded  N  class  monotonic_ns           (the loader was collected)
 * monotonic_ns is System.nanoTime() (CLOCK_MONOTONIC), tid the thread's id
 * in the JVM's pid namespace (from /proc/thread-self). Prints "ready" on
 * stdout when generation 1 has started; stops after --duration seconds or
 * on SIGTERM (its last generation's end line is still written).
 */
public final class ClassChurn {
    private static final String USAGE =
        "usage: tmprof.workload.ClassChurn [--log FILE] [--duration SECONDS] [--gen-ms MS] [--chain NAME]";
    private static final String TEMPLATE = "GenXXXXXX";
    private static final byte[] PLACEHOLDER = "XXXXXX".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    private static PrintWriter log;
    private static volatile boolean stopping;
    private static volatile boolean finished;
    private static volatile long sink;

    private ClassChurn() {}

    /** One generation's class loader: defines that generation's class and nothing else. */
    private static final class GenLoader extends ClassLoader {
        GenLoader(int gen, ClassLoader parent) {
            super("churn-" + gen, parent);
        }

        Class<?> define(String name, byte[] b) {
            return defineClass(name, b, 0, b.length);
        }
    }

    /** One generation's task: calls the generation's hot method until its CPU budget is used. */
    private static final class Job implements TaskInvokable {
        private final LongUnaryOperator op;
        private final long budgetNs;
        private final long startCpu;
        private long x;
        long calls;
        private volatile boolean running = true;

        Job(LongUnaryOperator op, long budgetNs, long seed) {
            this.op = op;
            this.budgetNs = budgetNs;
            this.x = seed;
            this.startCpu = MX.getCurrentThreadCpuTime();
        }

        @Override
        public void invoke() {
            long y = x;
            for (int i = 0; i < 2000; i++) {
                y = op.applyAsLong(y);
            }
            x = y;
            calls += 2000;
            sink = y;
            if (stopping || MX.getCurrentThreadCpuTime() - startCpu >= budgetNs) {
                running = false;
            }
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
        String logFile = null;
        double duration = -1;
        double genMs = 500;
        String chain = "Source: Churn -> Map";
        for (int i = 0; i < args.length; i++) {
            String v = (i + 1 < args.length) ? args[i + 1] : null;
            switch (args[i]) {
                case "--log": logFile = need(args[i], v); i++; break;
                case "--duration": duration = Double.parseDouble(need(args[i], v)); i++; break;
                case "--gen-ms": genMs = Double.parseDouble(need(args[i], v)); i++; break;
                case "--chain": chain = need(args[i], v); i++; break;
                case "-h": case "--help": System.out.println(USAGE); return;
                default: throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
            }
        }
        if (MX.isThreadCpuTimeSupported() && !MX.isThreadCpuTimeEnabled()) {
            MX.setThreadCpuTimeEnabled(true);
        }
        byte[] template = templateBytes();
        log = new PrintWriter(logFile == null ? System.err
            : Files.newOutputStream(Paths.get(logFile)), false, StandardCharsets.UTF_8);
        Thread mainThread = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            try {
                if (!finished) {
                    mainThread.join(5000); // SIGTERM: the running generation ends and logs
                }
            } catch (InterruptedException e) {
                // exit anyway
            }
            logLine("exit\t" + System.nanoTime());
        }, "tmprof-churn-final"));
        System.err.println("ClassChurn pid " + ProcessHandle.current().pid() + ": " + genMs
            + " ms of CPU per generation");
        long end = duration < 0 ? Long.MAX_VALUE : System.nanoTime() + (long) (duration * 1e9);
        List<Object[]> pending = new ArrayList<>(); // {gen, class name, WeakReference<loader>}
        for (int gen = 1; !stopping && System.nanoTime() < end; gen++) {
            runGeneration(template, gen, chain, (long) (genMs * 1e6), pending);
            // The generation's loader is unreachable now: unload its class.
            System.gc();
            for (Iterator<Object[]> it = pending.iterator(); it.hasNext(); ) {
                Object[] p = it.next();
                if (((WeakReference<?>) p[2]).get() == null) {
                    logLine("unloaded\t" + p[0] + "\t" + p[1] + "\t" + System.nanoTime());
                    it.remove();
                }
            }
        }
        log.flush();
        finished = true;
        if (duration >= 0 && !stopping) {
            System.exit(0);
        }
    }

    /** Everything that refers to the generation's class stays in this frame. */
    private static void runGeneration(byte[] template, int gen, String chain, long budgetNs,
                                      List<Object[]> pending) throws Exception {
        String digits = String.format("%06d", gen);
        String className = ClassChurn.class.getPackageName() + ".Gen" + digits;
        GenLoader loader = new GenLoader(gen, ClassChurn.class.getClassLoader());
        Class<?> c = loader.define(className, rename(template, digits));
        LongUnaryOperator op = (LongUnaryOperator) c.getDeclaredConstructor().newInstance();
        pending.add(new Object[] {gen, className, new WeakReference<>(loader)});
        String threadName = chain + " (1/1)#" + gen;
        final long[] result = new long[3]; // tid, cpu ns, calls
        Task task = new Task(threadName, new TaskInvokable() {
            private Job job;

            @Override
            public void invoke() {
                if (job == null) {
                    result[0] = tid();
                    logLine("start\t" + gen + "\t" + className + "\t" + result[0] + "\t" + threadName + "\t"
                        + System.nanoTime());
                    if (gen == 1) {
                        System.out.println("ready");
                        System.out.flush();
                    }
                    job = new Job(op, budgetNs, gen);
                }
                job.invoke();
                if (!job.isRunning()) {
                    result[1] = MX.getCurrentThreadCpuTime();
                    result[2] = job.calls;
                }
            }

            @Override
            public boolean isRunning() {
                return job == null || job.isRunning();
            }

            @Override
            public void cancel() {
                if (job != null) {
                    job.cancel();
                }
            }
        });
        Thread t = task.createThread();
        t.start();
        t.join();
        logLine("end\t" + gen + "\t" + className + "\t" + result[0] + "\t" + threadName + "\t" + System.nanoTime()
            + "\t" + result[1] + "\t" + result[2]);
    }

    /** This thread's id (the kernel's, in the JVM's pid namespace): /proc/thread-self -> PID/task/TID. */
    private static long tid() {
        try {
            String s = Files.readSymbolicLink(Paths.get("/proc/thread-self")).toString();
            return Long.parseLong(s.substring(s.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static synchronized void logLine(String s) {
        log.println(s);
        log.flush();
    }

    private static byte[] templateBytes() throws IOException {
        try (InputStream in = ClassChurn.class.getResourceAsStream(TEMPLATE + ".class")) {
            if (in == null) {
                throw new IOException("template class " + TEMPLATE + ".class not found next to ClassChurn.class");
            }
            return in.readAllBytes();
        }
    }

    /** The template's bytes with every "XXXXXX" replaced by digits (same length: the class file stays valid). */
    static byte[] rename(byte[] template, String digits) {
        byte[] d = digits.getBytes(StandardCharsets.US_ASCII);
        byte[] b = template.clone();
        int n = 0;
        for (int i = 0; i + PLACEHOLDER.length <= b.length; i++) {
            boolean m = true;
            for (int k = 0; k < PLACEHOLDER.length && m; k++) {
                m = b[i + k] == PLACEHOLDER[k];
            }
            if (m) {
                System.arraycopy(d, 0, b, i, d.length);
                i += PLACEHOLDER.length - 1;
                n++;
            }
        }
        if (n < 3) {
            throw new IllegalStateException("template: expected class and method names with XXXXXX, found " + n);
        }
        return b;
    }

    private static String need(String opt, String v) {
        if (v == null) {
            throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
        }
        return v;
    }
}
