// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.shaded.netty4.io.netty.channel.socket.nio.NioSocketChannel;
import org.apache.flink.streaming.runtime.tasks.CategoryOperatorChain;

/**
 * Stand-in workload for tmprof's CPU categories (issue 17,
 * tests/e2e/categories.sh): task threads named like Flink's
 * ("<chain> (<i>/<n>)#<attempt>") spend known CPU in a user function
 * (com.example.jobs.EnrichMapper), in serializers named like Flink's
 * (org.apache.flink.api.common.typeutils.base.RecordSerializer), Kryo's
 * (com.esotericsoftware.kryo.Kryo) and Avro's (org.apache.avro.io.BinaryEncoder),
 * in RocksDB (org.rocksdb.RocksDB.get -> JNI -> rocksdb::DBImpl::Get in
 * librocksdbjni-linux64.so, tests/workloads/rocksdb/rocksdbjni.cc) and in
 * Netty-named buffer and socket code
 * (org.apache.flink.shaded.netty4.io.netty.buffer.UnpooledHeapByteBuf,
 * ...channel.socket.nio.NioSocketChannel.doWrite to a loopback socket that a
 * "Flink Netty Server" thread drains). The loop around the calls is in a
 * Flink-named class (CategoryOperatorChain): its CPU is framework.
 *
 * Ground truth: with --truth FILE, every 200 ms and at exit FILE is
 * atomically replaced (FILE.tmp + rename) by one line per task thread
 *     monotonic_ns TAB thread name TAB thread CPU ns TAB user ns
 *     TAB serialization ns TAB state ns TAB network ns
 * all cumulative since the start; the thread's CPU comes from
 * ThreadMXBean.getThreadCpuTime, each category's from the thread's CPU
 * clock read around each call (see CategoryOperatorChain). framework is the
 * rest: thread CPU minus the four. A share over a window is the difference
 * of two snapshots.
 *
 * Needs the JNI library: -Dtmprof.rocksdbjni=PATH (Makefile: make workloads
 * builds BUILD/workloads/librocksdbjni-linux64.so) or -Djava.library.path.
 * Prints "ready" on stdout after --warmup seconds of running.
 */
public final class CategoryMix {
    private static final String USAGE =
        "usage: tmprof.workload.CategoryMix [--truth FILE] [--duration SECONDS] [--warmup SECONDS]\n"
        + "       [--round-ms MS] [--duty PERCENT] [--task 'NAME:user=W,serialization=W,state=W,network=W']...\n"
        + "  JVM option needed: -Dtmprof.rocksdbjni=BUILD/workloads/librocksdbjni-linux64.so";

    private static final String[] DEFAULT_TASKS = {
        "Keyed Enrich -> Sink: Store (1/2)#0:user=40,serialization=25,state=25,network=10",
        "Keyed Enrich -> Sink: Store (2/2)#0:user=15,serialization=35,state=35,network=15",
    };

    private static final class Task {
        final String name;
        final CategoryOperatorChain chain;
        final Thread thread;

        Task(String name, CategoryOperatorChain chain) {
            this.name = name;
            this.chain = chain;
            this.thread = new Thread(chain, name);
            this.thread.setDaemon(true);
        }
    }

    private static final List<Task> TASKS = new ArrayList<>();
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static Path truth;

    private CategoryMix() {
    }

    public static void main(String[] args) throws Exception {
        String truthFile = null;
        double duration = -1;
        double warmup = 3;
        double roundMs = 20;
        double duty = 60;
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--truth": truthFile = need(args[i], v); i++; break;
                case "--duration": duration = Double.parseDouble(need(args[i], v)); i++; break;
                case "--warmup": warmup = Double.parseDouble(need(args[i], v)); i++; break;
                case "--round-ms": roundMs = Double.parseDouble(need(args[i], v)); i++; break;
                case "--duty": duty = Double.parseDouble(need(args[i], v)); i++; break;
                case "--task": specs.add(need(args[i], v)); i++; break;
                case "-h": case "--help": System.out.println(USAGE); return;
                default: throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        if (specs.isEmpty()) {
            specs.addAll(List.of(DEFAULT_TASKS));
        }
        if (MX.isThreadCpuTimeSupported() && !MX.isThreadCpuTimeEnabled()) {
            MX.setThreadCpuTimeEnabled(true);
        }
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        long seed = 17;
        for (String spec : specs) {
            int colon = spec.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("--task " + spec + ": want NAME:user=W,...\n" + USAGE);
            }
            double[] w = parseWeights(spec.substring(colon + 1));
            SocketChannel ch = SocketChannel.open(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()));
            startDrainer(server.accept(), TASKS.size());
            TASKS.add(new Task(spec.substring(0, colon),
                new CategoryOperatorChain(w, roundMs, duty, seed++, new NioSocketChannel(ch))));
        }
        for (Task t : TASKS) {
            t.thread.start();
        }
        System.err.println("CategoryMix pid " + ProcessHandle.current().pid() + ": " + specs);
        Thread.sleep((long) (warmup * 1000));
        if (truthFile != null) {
            truth = Paths.get(truthFile);
            writeTruth();
            Thread w = new Thread(CategoryMix::truthLoop, "tmprof-truth-writer");
            w.setDaemon(true);
            w.start();
            Runtime.getRuntime().addShutdownHook(new Thread(CategoryMix::writeTruthQuietly, "tmprof-truth-final"));
        }
        System.out.println("ready");
        System.out.flush();
        if (duration >= 0) {
            Thread.sleep((long) (duration * 1000));
            System.exit(0); // shutdown hook: final truth
        }
        Thread.currentThread().join();
    }

    private static String need(String opt, String v) {
        if (v == null) {
            throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
        }
        return v;
    }

    private static double[] parseWeights(String s) {
        double[] w = new double[CategoryOperatorChain.CATEGORIES.length];
        for (String kv : s.split(",")) {
            String[] p = kv.split("=", 2);
            int idx = -1;
            for (int i = 0; i < w.length; i++) {
                if (CategoryOperatorChain.CATEGORIES[i].equals(p[0].trim())) {
                    idx = i;
                }
            }
            if (idx < 0 || p.length != 2) {
                throw new IllegalArgumentException("bad weight '" + kv + "'\n" + USAGE);
            }
            w[idx] = Double.parseDouble(p[1]);
        }
        return w;
    }

    /** Reads and drops what a task thread sends: Netty's peer. */
    private static void startDrainer(Socket s, int index) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = s.getInputStream()) {
                while (in.read(buf) >= 0) {
                    // drop
                }
            } catch (IOException e) {
                // the JVM is exiting
            }
        }, "Flink Netty Server (" + index + ") Thread 0");
        t.setDaemon(true);
        t.start();
    }

    private static void truthLoop() {
        try {
            while (true) {
                Thread.sleep(200);
                writeTruth();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            System.err.println("truth: " + e);
        }
    }

    private static void writeTruthQuietly() {
        try {
            writeTruth();
        } catch (IOException e) {
            System.err.println("truth: " + e);
        }
    }

    private static synchronized void writeTruth() throws IOException {
        long now = System.nanoTime();
        StringBuilder sb = new StringBuilder();
        for (Task t : TASKS) {
            sb.append(now).append('\t').append(t.name).append('\t').append(MX.getThreadCpuTime(t.thread.getId()));
            for (int c = 0; c < CategoryOperatorChain.CATEGORIES.length; c++) {
                sb.append('\t').append(t.chain.truth.get(c));
            }
            sb.append('\n');
        }
        Path tmp = truth.resolveSibling(truth.getFileName() + ".tmp");
        Files.write(tmp, sb.toString().getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, truth, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
