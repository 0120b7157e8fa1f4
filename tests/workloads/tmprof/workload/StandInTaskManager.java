// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import com.example.jobs.ClickParser;
import com.example.jobs.HashingMapper;
import com.example.jobs.StoreSink;
import com.example.jobs.SumReducer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.runtime.taskmanager.Task;
import org.apache.flink.streaming.api.functions.sink.PrintSinkFunction;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamGroupedReduceOperator;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.api.operators.StreamSink;
import org.apache.flink.streaming.runtime.io.RecordWriterOutput;
import org.apache.flink.streaming.runtime.io.StreamOneInputProcessor;
import org.apache.flink.streaming.runtime.io.StreamTaskNetworkInput;
import org.apache.flink.streaming.runtime.io.StreamTaskSourceInput;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperator;
import org.apache.flink.streaming.runtime.tasks.StreamTask;

/**
 * The stand-in TaskManager used by tmprof's end-to-end tests, demo and
 * benchmark. It runs task threads named like Flink's, each with a known duty
 * cycle, through Flink-named classes (Task.run -> StreamTask.invoke ->
 * MailboxProcessor.runMailboxLoop -> StreamOneInputProcessor.processInput ->
 * StreamMap.processElement -> user MapFunction), plus a few mostly sleeping
 * Flink-named service threads.
 *
 * The pipeline scenario (--scenario pipeline) adds back-pressure, idle input,
 * key skew, blocking I/O and CPU oversubscription: two "Source: Events -> Map"
 * subtasks write keyed records through bounded LocalBufferPools to two
 * "Keyed Aggregation -> Sink: Store" subtasks, which are slower (more CPU per
 * record, and a blocking store round trip every storeFlushMs); subtask 2/2 of
 * the sink gets 3x the records of 1/2. Two "Source: Metrics -> Map" subtasks
 * (duty-cycled CPU burners) make more runnable threads than the 2 CPUs of the
 * test machine. See Pipeline, LocalBufferPool, SingleInputGate, StoreDevice.
 *
 * Ground truth: with --truth FILE, every 200 ms FILE is atomically replaced
 * (FILE.tmp + rename) by one line per task thread
 *     monotonic_ns TAB thread name TAB cumulative thread CPU ns TAB cumulative records
 *     TAB backpressured ns TAB idle ns TAB blocked ns TAB run_delay ns TAB epoch_us
 *     TAB waits TAB waits' ns to return
 * and a last line with thread name "total_ops" carrying the sums (run_delay:
 * -1). monotonic_ns is System.nanoTime() (CLOCK_MONOTONIC on Linux) and
 * epoch_us the wall clock (microseconds since 1970), the same for all lines
 * of one snapshot; CPU ns come from ThreadMXBean.getThreadCpuTime; the wait
 * columns are the thread's WaitClock (the time blocked in
 * LocalBufferPool.requestMemorySegmentBlocking, TaskMailboxImpl.take and the
 * store sink's blocking read, each up to the wakeup -- see WaitClock for the
 * exact boundaries); run_delay is the kernel's run-queue time of the thread
 * (/proc/self/task/TID/schedstat, -1 if unknown). The run-queue truth the
 * tests use is the residual wall - cpu - backpressured - idle - blocked;
 * run_delay is there as a cross-check. The last two columns (number of
 * waits, and their time measured from start to return instead of to the
 * wakeup) document WaitClock's choice of boundaries.
 */
public final class StandInTaskManager {
    private static final String USAGE =
        "usage: <main class> [--truth FILE] [--duration SECONDS] [--mix default|light|single|pipeline]\n"
        + "       [--scenario pipeline] [--task KIND:DUTY_PERCENT:NAME]... [--burst-ms MS] [--rounds N] [--seed N]\n"
        + "       [--pool-segments N] [--segment-records N] [--skew N] [--sink-rounds N]\n"
        + "       [--store-flush-ms MS] [--store-io-ms MIN:MAX]\n"
        + "  --task replaces the mix; KIND is map, clicks, window, events (pipeline source)\n"
        + "  or store (pipeline sink; DUTY_PERCENT unused). --scenario pipeline = --mix pipeline.\n"
        + "  Prints 'ready' on stdout once every task thread has processed records.";

    private static final class RunningTask {
        final TaskSpec spec;
        final StreamTask streamTask;
        final Task task;
        final Thread thread;
        long lastCpu;

        RunningTask(TaskSpec spec, StreamTask streamTask, Task task, Thread thread) {
            this.spec = spec;
            this.streamTask = streamTask;
            this.task = task;
            this.thread = thread;
        }
    }

    private final List<RunningTask> tasks = new ArrayList<>();
    private final Pipeline.Config pipelineConfig = new Pipeline.Config();
    private Pipeline pipeline;
    private int producersBuilt;
    private int consumersBuilt;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private Path truth;

    private StandInTaskManager() {}

    public static int run(String[] args, String deployment) throws Exception {
        String truthFile = null;
        double duration = -1;
        String mix = "default";
        List<TaskSpec> explicit = new ArrayList<>();
        double burstMs = -1; // default: 3 ms, 50 ms for the pipeline scenario
        int rounds = 200;
        long seed = 42;
        StandInTaskManager tm = new StandInTaskManager();
        Pipeline.Config pc = tm.pipelineConfig;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = (i + 1 < args.length) ? args[i + 1] : null;
            switch (a) {
                case "--truth": truthFile = need(a, v); i++; break;
                case "--duration": duration = Double.parseDouble(need(a, v)); i++; break;
                case "--mix": case "--scenario": mix = need(a, v); i++; break;
                case "--pool-segments": pc.poolSegments = Integer.parseInt(need(a, v)); i++; break;
                case "--segment-records": pc.segmentRecords = Integer.parseInt(need(a, v)); i++; break;
                case "--skew": pc.skew = Integer.parseInt(need(a, v)); i++; break;
                case "--sink-rounds": pc.sinkRounds = Integer.parseInt(need(a, v)); i++; break;
                case "--store-flush-ms": pc.storeFlushMs = Double.parseDouble(need(a, v)); i++; break;
                case "--store-io-ms": {
                    String[] mm = need(a, v).split(":", 2);
                    pc.storeMinMs = Double.parseDouble(mm[0]);
                    pc.storeMaxMs = Double.parseDouble(mm.length > 1 ? mm[1] : mm[0]);
                    i++;
                    break;
                }
                case "--task": explicit.add(TaskSpec.parse(need(a, v))); i++; break;
                case "--burst-ms": burstMs = Double.parseDouble(need(a, v)); i++; break;
                case "--rounds": rounds = Integer.parseInt(need(a, v)); i++; break;
                case "--seed": seed = Long.parseLong(need(a, v)); i++; break;
                case "-h": case "--help": System.out.println(USAGE); return 0;
                default:
                    // Flink passes its own options (--configDir, -D...): ignore them.
                    if (a.startsWith("--") && v != null && !v.startsWith("-")) {
                        i++;
                    }
                    break;
            }
        }
        List<TaskSpec> specs = explicit.isEmpty() ? TaskSpec.mix(mix) : explicit;
        if (burstMs < 0) {
            // Pipeline: long bursts and gaps, so that each wait lasts tens of ms (see WaitClock).
            burstMs = mix.equals("pipeline") ? 50.0 : 3.0;
        }
        if (truthFile != null) {
            tm.truth = Paths.get(truthFile);
        }
        return tm.start(specs, burstMs, rounds, seed, duration, deployment);
    }

    private static String need(String opt, String v) {
        if (v == null) {
            throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
        }
        return v;
    }

    private int start(List<TaskSpec> specs, double burstMs, int rounds, long seed, double duration,
                      String deployment) throws Exception {
        if (mx.isThreadCpuTimeSupported() && !mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        startServiceThreads(specs);
        for (TaskSpec spec : specs) {
            if (spec.kind.equals("events") || spec.kind.equals("store")) {
                pipeline = new Pipeline(specs, pipelineConfig, seed);
                break;
            }
        }
        int index = 0;
        for (TaskSpec spec : specs) {
            RunningTask rt = buildTask(spec, burstMs, rounds, seed + 7919L * index, index);
            tasks.add(rt);
            index++;
        }
        for (RunningTask rt : tasks) {
            rt.thread.start();
        }
        System.err.println("stand-in TaskManager (" + deployment + ") pid " + ProcessHandle.current().pid()
            + ": " + specs);
        waitUntilAllProcessed(30_000);
        TruthFile truthFile = truth == null ? null : TruthFile.start(truth, this::truthSnapshot);
        PrintStream out = System.out;
        out.println("ready");
        out.flush();
        if (duration >= 0) {
            Thread.sleep((long) (duration * 1000));
            for (RunningTask rt : tasks) {
                rt.task.cancelExecution();
            }
            if (truthFile != null) {
                truthFile.write();
            }
            return 0;
        }
        for (RunningTask rt : tasks) {
            rt.thread.join();
        }
        return 0;
    }

    /** The place to add new task kinds: events and store are the pipeline scenario's. */
    private RunningTask buildTask(TaskSpec spec, double burstMs, int rounds, long seed, int index) {
        if (spec.kind.equals("events")) {
            // Pipeline source: bursty input -> CPU map -> keyed network output
            // through a bounded buffer pool (back-pressured when the sinks lag).
            RecordWriterOutput output = new RecordWriterOutput(pipeline.writer(producersBuilt++));
            OneInputStreamOperator<Long> map = new StreamMap<>(new HashingMapper(rounds), output);
            StreamTaskSourceInput input =
                new StreamTaskSourceInput(new DutyCycle(spec.duty, burstMs, seed), 1_000_000L * index);
            StreamTask streamTask = new StreamTask(new StreamOneInputProcessor(input, map, output::flush));
            Task task = new Task(spec.name, streamTask);
            return new RunningTask(spec, streamTask, task, task.createThread());
        }
        if (spec.kind.equals("store")) {
            // Pipeline sink: network input (idle in the mailbox when empty) ->
            // keyed reduce -> store sink with blocking I/O.
            int i = consumersBuilt++;
            OneInputStreamOperator<Long> sink = new StreamSink<>(
                new StoreSink(pipeline.store(i), pipelineConfig.storeFlushMs));
            OneInputStreamOperator<Long> reduce =
                new StreamGroupedReduceOperator(new SumReducer(pipelineConfig.sinkRounds), sink);
            StreamTask streamTask = new StreamTask(
                new StreamOneInputProcessor(new StreamTaskNetworkInput(pipeline.gate(i)), reduce));
            pipeline.gate(i).setMailbox(streamTask.getMailbox());
            Task task = new Task(spec.name, streamTask);
            return new RunningTask(spec, streamTask, task, task.createThread());
        }
        OneInputStreamOperator<Long> head;
        switch (spec.kind) {
            case "map":
                head = new StreamMap<>(new HashingMapper(rounds), new RecordWriterOutput());
                break;
            case "clicks":
                head = new StreamMap<>(new ClickParser(), new RecordWriterOutput());
                break;
            case "window":
                head = new WindowOperator(new SumReducer(rounds / 2), new PrintSinkFunction<>(0), 4096);
                break;
            default:
                throw new IllegalArgumentException(
                    "unknown task kind " + spec.kind + " (map, clicks, window, events, store)");
        }
        StreamTaskSourceInput input =
            new StreamTaskSourceInput(new DutyCycle(spec.duty, burstMs, seed), 1_000_000L * index);
        StreamTask streamTask = new StreamTask(new StreamOneInputProcessor(input, head));
        Task task = new Task(spec.name, streamTask);
        return new RunningTask(spec, streamTask, task, task.createThread());
    }

    private void startServiceThreads(List<TaskSpec> specs) {
        daemon("flink-akka.actor.default-dispatcher-2", () -> {
            Map<Integer, Long> heartbeats = new HashMap<>();
            int n = 0;
            while (true) {
                LockSupport.parkNanos(20_000_000L);
                heartbeats.merge(n++ & 63, System.nanoTime(), Long::max);
            }
        });
        daemon("flink-akka.actor.default-dispatcher-3", () -> {
            while (true) {
                LockSupport.parkNanos(100_000_000L);
            }
        });
        daemon("Flink Netty Server (0) Thread 0", () -> {
            while (true) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Set<String> chains = new LinkedHashSet<>();
        for (TaskSpec s : specs) {
            if (s.chainName().startsWith("Source")) {
                chains.add(s.chainName());
            }
        }
        for (String c : chains) {
            new RecordWriterOutput.OutputFlusher(c, 100).start();
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private void waitUntilAllProcessed(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (RunningTask rt : tasks) {
                if (rt.streamTask.getNumRecordsIn() == 0) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return;
            }
            Thread.sleep(5);
        }
        System.err.println("warning: not every task processed records within " + timeoutMs + " ms");
    }

    private synchronized String truthSnapshot() {
        long now = System.nanoTime();
        Instant wall = Instant.now();
        long epochUs = wall.getEpochSecond() * 1_000_000L + wall.getNano() / 1000;
        StringBuilder sb = new StringBuilder(512);
        long cpuSum = 0;
        long opsSum = 0;
        long[] waitSum = new long[3];
        for (RunningTask rt : tasks) {
            long cpu = mx.getThreadCpuTime(rt.thread.getId());
            long ops = rt.streamTask.getNumRecordsIn();
            if (cpu < 0) {
                cpu = rt.lastCpu; // thread ended: keep its last reading
            }
            rt.lastCpu = cpu;
            cpuSum += cpu;
            opsSum += ops;
            WaitClock wc = WaitClock.of(rt.thread);
            sb.append(now).append('\t').append(rt.spec.name).append('\t').append(cpu).append('\t')
                .append(ops);
            for (int k = 0; k < 3; k++) {
                long w = wc.ns(k);
                waitSum[k] += w;
                sb.append('\t').append(w);
            }
            sb.append('\t').append(wc.runDelayNanos()).append('\t').append(epochUs)
                .append('\t').append(wc.waits()).append('\t').append(wc.toReturnNanos()).append('\n');
        }
        sb.append(now).append("\ttotal_ops\t").append(cpuSum).append('\t').append(opsSum);
        for (int k = 0; k < 3; k++) {
            sb.append('\t').append(waitSum[k]);
        }
        sb.append("\t-1\t").append(epochUs).append("\t0\t0\n");
        return sb.toString();
    }
}
