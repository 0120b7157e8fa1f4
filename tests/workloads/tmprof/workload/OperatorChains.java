// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.runtime.taskmanager.Task;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamFilter;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.api.operators.StreamSink;
import org.apache.flink.streaming.runtime.io.RecordWriterOutput;
import org.apache.flink.streaming.runtime.io.StreamOneInputProcessor;
import org.apache.flink.streaming.runtime.io.StreamTaskSourceInput;
import org.apache.flink.streaming.runtime.tasks.BroadcastingOutputCollector;
import org.apache.flink.streaming.runtime.tasks.ChainingOutput;
import org.apache.flink.streaming.runtime.tasks.CopyingChainingOutput;
import org.apache.flink.streaming.runtime.tasks.StreamTask;

/**
 * Stand-in for CPU per operator inside a chain (tests/e2e/operators.sh).
 * Two task threads, each one Flink chain nested as Flink nests it: the
 * task's loop (Task.run -> StreamTask.invoke -> MailboxProcessor.runMailboxLoop
 * -> StreamOneInputProcessor.processInput) calls the head operator's
 * processElement, and every operator hands its record to the next through
 * ChainingOutput.collect -> pushToOperator -> next.processElement:
 *
 *   "Source: Gen -> Filter -> Map (1/1)#0"
 *       Gen  -ChainingOutput->  Filter  -CopyingChainingOutput->  Map -> network (RecordWriterOutput)
 *   "Source: Gen -> Parse -> Enrich -> Sink: Out (1/1)#0"
 *       Gen  -BroadcastingOutputCollector[ChainingOutput->Parse, network]->  Parse
 *            -CopyingChainingOutput->  Enrich  -ChainingOutput->  Sink: Out
 *
 * Each operator's user function burns a fixed amount of CPU per record
 * (Filter keeps 3 of 4 records, so its downstream gets fewer) and times
 * itself with the thread's own CPU clock (ThreadMXBean.getCurrentThreadCpuTime,
 * read right before and after): the truth. What no user function covers
 * (the loop, the chaining calls, the copy, the network output, the clock
 * reads' other half) is the thread's CPU minus the operators' sum, about
 * 1-2 % here; tmprof gives it to the head operator (the loop) or the
 * upstream operator (copy, network output).
 *
 * --truth FILE: every 200 ms FILE is replaced atomically (FILE.tmp + rename) by
 *     monotonic_ns TAB thread TAB <thread name> TAB thread CPU ns
 *     monotonic_ns TAB op TAB <thread name> TAB <index> TAB <operator name> TAB CPU ns
 * all cumulative since start. Prints "ready" after --warmup seconds.
 * --duty PERCENT: each thread's duty cycle (bursts of input, then idle).
 */
public final class OperatorChains {
    private static final String USAGE =
        "usage: tmprof.workload.OperatorChains [--truth FILE] [--duty PERCENT] [--warmup SECONDS] [--duration SECONDS]";
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    /** Iterations of burn per unit of work. */
    private static final int UNIT = 60000;

    /** One chain: its thread, operator names and per-operator CPU. */
    static final class Chain {
        final String threadName;
        final String[] ops;
        final AtomicLongArray ns;
        Thread thread;
        long lastCpu;

        Chain(String threadName, String... ops) {
            this.threadName = threadName;
            this.ops = ops;
            this.ns = new AtomicLongArray(ops.length);
        }
    }

    private static volatile long sink;

    /** The user functions' work: data-dependent loop (C2 keeps its safepoint poll). */
    static long burn(long x, int units) {
        int n = units * UNIT;
        int i = 0;
        do {
            x ^= x >>> 31; x *= 0x9E3779B97F4A7C15L;
            x ^= x >>> 27; x *= 0xBF58476D1CE4E5B9L;
            x = Long.rotateLeft(x, 8) * 0x94D049BB133111EBL;
            x ^= x >>> 29; x *= 0xD6E8FEB86659FD93L;
            x += 0xC2B2AE3D27D4EB4FL; x ^= x >>> 33;
            x ^= x >>> 26; x *= 0x165667B19E3779F9L;
            i += 1 + (int) (x & 1);
        } while (i < n);
        return x;
    }

    /** A map function that burns units per record and times itself. */
    static final class TimedMap implements MapFunction<Long, Long> {
        private final Chain chain;
        private final int index;
        private final int units;

        TimedMap(Chain chain, int index, int units) {
            this.chain = chain;
            this.index = index;
            this.units = units;
        }

        @Override
        public Long map(Long value) {
            long t0 = MX.getCurrentThreadCpuTime();
            long x = burn(value, units);
            long t1 = MX.getCurrentThreadCpuTime();
            chain.ns.addAndGet(index, t1 - t0);
            return x;
        }
    }

    static final class TimedFilter implements FilterFunction<Long> {
        private final Chain chain;
        private final int index;
        private final int units;

        TimedFilter(Chain chain, int index, int units) {
            this.chain = chain;
            this.index = index;
            this.units = units;
        }

        @Override
        public boolean filter(Long value) {
            long t0 = MX.getCurrentThreadCpuTime();
            long x = burn(value, units);
            long t1 = MX.getCurrentThreadCpuTime();
            chain.ns.addAndGet(index, t1 - t0);
            return (x & 3) != 0;
        }
    }

    static final class TimedSink implements SinkFunction<Long> {
        private final Chain chain;
        private final int index;
        private final int units;

        TimedSink(Chain chain, int index, int units) {
            this.chain = chain;
            this.index = index;
            this.units = units;
        }

        @Override
        public void invoke(Long value) {
            long t0 = MX.getCurrentThreadCpuTime();
            sink = burn(value, units);
            long t1 = MX.getCurrentThreadCpuTime();
            chain.ns.addAndGet(index, t1 - t0);
        }
    }

    private static final List<Chain> CHAINS = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        String truthFile = null;
        double duty = 60;
        double warmup = 8;
        double duration = -1;
        for (int i = 0; i < args.length; i++) {
            String v = (i + 1 < args.length) ? args[i + 1] : null;
            if (v == null) {
                throw new IllegalArgumentException(args[i] + " needs a value\n" + USAGE);
            }
            switch (args[i]) {
                case "--truth": truthFile = v; break;
                case "--duty": duty = Double.parseDouble(v); break;
                case "--warmup": warmup = Double.parseDouble(v); break;
                case "--duration": duration = Double.parseDouble(v); break;
                default: throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
            }
            i++;
        }
        if (MX.isThreadCpuTimeSupported() && !MX.isThreadCpuTimeEnabled()) {
            MX.setThreadCpuTimeEnabled(true);
        }

        // Chain of 3: Gen -ChainingOutput-> Filter -CopyingChainingOutput-> Map -> network.
        Chain c3 = new Chain("Source: Gen -> Filter -> Map (1/1)#0", "Source: Gen", "Filter", "Map");
        OneInputStreamOperator<Long> map3 = new StreamMap<>(new TimedMap(c3, 2, 4), new RecordWriterOutput());
        OneInputStreamOperator<Long> filter3 =
            new StreamFilter<>(new TimedFilter(c3, 1, 5), new CopyingChainingOutput<>(map3));
        OneInputStreamOperator<Long> gen3 = new StreamMap<>(new TimedMap(c3, 0, 2), new ChainingOutput<>(filter3));
        start(c3, gen3, duty, 1);

        // Chain of 4: Gen -Broadcasting[ChainingOutput->Parse, network]-> Parse
        //   -CopyingChainingOutput-> Enrich -ChainingOutput-> Sink: Out.
        Chain c4 = new Chain("Source: Gen -> Parse -> Enrich -> Sink: Out (1/1)#0",
            "Source: Gen", "Parse", "Enrich", "Sink: Out");
        OneInputStreamOperator<Long> sink4 = new StreamSink<>(new TimedSink(c4, 3, 2));
        OneInputStreamOperator<Long> enrich4 =
            new StreamMap<>(new TimedMap(c4, 2, 3), new ChainingOutput<>(sink4));
        OneInputStreamOperator<Long> parse4 =
            new StreamMap<>(new TimedMap(c4, 1, 4), new CopyingChainingOutput<>(enrich4));
        OneInputStreamOperator<Long> gen4 = new StreamMap<>(new TimedMap(c4, 0, 1),
            new BroadcastingOutputCollector<>(new ChainingOutput<>(parse4), new RecordWriterOutput()));
        start(c4, gen4, duty, 2);

        System.err.println("OperatorChains pid " + ProcessHandle.current().pid() + ": duty " + duty + " %");
        if (truthFile != null) {
            TruthFile.start(Paths.get(truthFile), OperatorChains::snapshot);
        }
        Thread.sleep((long) (warmup * 1000));
        System.out.println("ready");
        System.out.flush();
        if (duration >= 0) {
            Thread.sleep((long) (Math.max(0, duration - warmup) * 1000));
            System.exit(0);
        }
        for (Chain c : CHAINS) {
            c.thread.join();
        }
    }

    private static void start(Chain c, OneInputStreamOperator<Long> head, double duty, long seed) {
        StreamTaskSourceInput input =
            new StreamTaskSourceInput(new DutyCycle(duty / 100.0, 20.0, seed), 1_000_000L * seed);
        StreamTask streamTask = new StreamTask(new StreamOneInputProcessor(input, head));
        Task task = new Task(c.threadName, streamTask);
        c.thread = task.createThread();
        c.thread.setDaemon(true);
        CHAINS.add(c);
        c.thread.start();
    }

    private static synchronized String snapshot() {
        long now = System.nanoTime();
        StringBuilder sb = new StringBuilder(512);
        for (Chain c : CHAINS) {
            long cpu = MX.getThreadCpuTime(c.thread.getId());
            if (cpu < 0) {
                cpu = c.lastCpu;
            }
            c.lastCpu = cpu;
            sb.append(now).append("\tthread\t").append(c.threadName).append('\t').append(cpu).append('\n');
            for (int i = 0; i < c.ops.length; i++) {
                sb.append(now).append("\top\t").append(c.threadName).append('\t').append(i).append('\t')
                    .append(c.ops[i]).append('\t').append(c.ns.get(i)).append('\n');
            }
        }
        return sb.toString();
    }
}
