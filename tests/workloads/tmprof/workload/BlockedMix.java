// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stand-in workload for tmprof's blocked split (issue 17's off-CPU part,
 * tests/e2e/blocked_split.sh): five task threads named like Flink's, each
 * blocking over and over in one known way, with a little CPU (--cpu-ms)
 * between waits:
 *   Blocked: Monitor (1/1)#0        synchronized on a monitor a "lock-holder"
 *                                   thread holds for --hold-ms          lock
 *   Blocked: ReentrantLock (1/1)#0  ReentrantLock.lock, same holder       lock
 *   Blocked: FileRead (1/1)#0       FileInputStream.read of a FIFO a
 *                                   writer thread feeds every --hold-ms    io
 *   Blocked: SocketRead (1/1)#0     a loopback socket's read, same        io
 *   Blocked: Sleep (1/1)#0          Thread.sleep and LockSupport.parkNanos
 *                                   of --hold-ms, alternately             sleep
 *
 * Each wait is timed by the workload's own clock and ends where the kernel
 * wakes the waiter (see WaitClock for why): the feeding thread records
 * System.nanoTime() just before it writes, and a wait is
 *     clamp(write - start, 0, return - start)
 * with start taken just before the blocking call; a timed wait ends at its
 * deadline. The run-queue delay after the wakeup is then not counted as
 * waiting, as tmprof does not count it as blocked. A lock wait is not one
 * park (HotSpot spins, and retries on timed parks): it is the call's time
 * less the thread's CPU and run-queue time in it (/proc/thread-self/schedstat,
 * before and after).
 *
 * Ground truth: with --truth FILE, every 200 ms FILE is atomically replaced
 * (FILE.tmp + rename) by one line per task thread
 *     monotonic_ns TAB name TAB cpu ns TAB lock ns TAB io ns TAB sleep ns
 * all cumulative (CPU from ThreadMXBean). Prints "ready" once every thread
 * has waited.
 */
public final class BlockedMix {
    private static final String USAGE =
        "usage: tmprof.workload.BlockedMix [--truth FILE] [--duration SECONDS] [--hold-ms MS] [--cpu-ms MS]\n"
        + "       [--fifo PATH]  (default: a FIFO in the working directory, made with mkfifo)";

    static final int LOCK = 0, IO = 1, SLEEP = 2;

    /** One task thread's account, written by it, read by the truth writer. */
    static final class Account {
        final String name;
        volatile Thread thread;
        final long[] ns = new long[3];
        volatile long rounds;

        Account(String name) {
            this.name = name;
        }

        synchronized void add(int kind, long start, long release, long end) {
            long w = Math.max(0, Math.min(release - start, end - start));
            ns[kind] += w;
        }

        /** A lock wait: the time in the call that the thread was neither
         * on a CPU nor waiting for one (the kernel's schedstat, read by the
         * thread itself before and after). HotSpot spins on a contended
         * monitor, and its "responsible" waiter parks with a timeout and
         * wakes to retry: that is CPU and run-queue time, not blocked. */
        void addLock(long start, long[] before, long end) {
            long[] after = schedstat();
            if (before == null || after == null)
                return;
            long blocked = (end - start) - (after[0] - before[0]) - (after[1] - before[1]);
            add(LOCK, 0, blocked, blocked);
        }

        synchronized long[] snapshot() {
            return ns.clone();
        }
    }

    private static final List<Account> ACCOUNTS = new ArrayList<>();
    private static long holdMs = 80;
    private static long cpuMs = 5;
    private static volatile long sink;

    private BlockedMix() {}

    /** This thread's {on-CPU ns, run-queue ns} from the kernel, or null. */
    static long[] schedstat() {
        try {
            String[] f = new String(Files.readAllBytes(Paths.get("/proc/thread-self/schedstat")),
                StandardCharsets.US_ASCII).trim().split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Thread CPU, spent in a user-code loop. */
    static void burn(long ms) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long until = mx.getCurrentThreadCpuTime() + ms * 1_000_000L, x = sink;
        while (mx.getCurrentThreadCpuTime() < until) {
            for (int i = 0; i < 20_000; i++)
                x = x * 6364136223846793005L + 1442695040888963407L;
        }
        sink = x;
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------ monitor

    private static final Object MONITOR = new Object();

    private static volatile long monitorTaken;

    /** Holds the monitor, then lets the waiter have it before taking it
     * again: a waiter that lost the race after its wakeup would wait in the
     * run queue and block again, and that is no lock wait for tmprof. */
    static void monitorHolder() {
        for (;;) {
            long taken;
            synchronized (MONITOR) {
                sleepQuietly(holdMs);
                taken = monitorTaken;
            }
            while (monitorTaken == taken)
                sleepQuietly(1);
        }
    }

    static void monitorTask(Account a) {
        for (;;) {
            long[] sched = schedstat();
            long start = System.nanoTime();
            synchronized (MONITOR) {
                a.addLock(start, sched, System.nanoTime());
                monitorTaken++;
            }
            a.rounds++;
            burn(cpuMs);
        }
    }

    // ------------------------------------------------------ ReentrantLock

    private static final ReentrantLock LOCK_J = new ReentrantLock();

    private static volatile long lockTaken;

    static void lockHolder() {
        for (;;) {
            long taken;
            LOCK_J.lock();
            try {
                sleepQuietly(holdMs);
                taken = lockTaken;
            } finally {
                LOCK_J.unlock();
            }
            while (lockTaken == taken)
                sleepQuietly(1);
        }
    }

    static void lockTask(Account a) {
        for (;;) {
            long[] sched = schedstat();
            long start = System.nanoTime();
            LOCK_J.lock();
            try {
                a.addLock(start, sched, System.nanoTime());
                lockTaken++;
            } finally {
                LOCK_J.unlock();
            }
            a.rounds++;
            burn(cpuMs);
        }
    }

    // ------------------------------------------------------------ streams

    /** Writes one byte every holdMs, noting when just before. */
    static final class Feeder {
        volatile long wrote;

        void run(OutputStream out) throws IOException {
            for (;;) {
                sleepQuietly(holdMs);
                wrote = System.nanoTime();
                out.write(1);
                out.flush();
            }
        }
    }

    static void readTask(Account a, InputStream in, Feeder f) throws IOException {
        for (;;) {
            long start = System.nanoTime();
            if (in.read() < 0)
                throw new IOException("stream closed");
            a.add(IO, start, f.wrote, System.nanoTime());
            a.rounds++;
            burn(cpuMs);
        }
    }

    // -------------------------------------------------------------- sleep

    static void sleepTask(Account a) {
        long hold = holdMs * 1_000_000L;
        for (boolean park = false;; park = !park) {
            long start = System.nanoTime();
            if (park)
                LockSupport.parkNanos(hold);
            else
                sleepQuietly(holdMs);
            a.add(SLEEP, start, start + hold, System.nanoTime());
            a.rounds++;
            burn(cpuMs);
        }
    }

    // -------------------------------------------------------------- setup

    interface Body {
        void run() throws Exception;
    }

    static Thread start(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                System.err.println(name + ": " + e);
                System.exit(3);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    static Account task(String name, java.util.function.Function<Account, Body> body) {
        Account a = new Account(name);
        ACCOUNTS.add(a);
        a.thread = start(name, body.apply(a));
        return a;
    }

    public static void main(String[] args) throws Exception {
        String truthFile = null, fifo = "blocked.fifo";
        double duration = -1;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--truth": truthFile = need(args[i], v); i++; break;
                case "--duration": duration = Double.parseDouble(need(args[i], v)); i++; break;
                case "--hold-ms": holdMs = Long.parseLong(need(args[i], v)); i++; break;
                case "--cpu-ms": cpuMs = Long.parseLong(need(args[i], v)); i++; break;
                case "--fifo": fifo = need(args[i], v); i++; break;
                default: System.err.println(USAGE); System.exit(2);
            }
        }
        final String fifoName = fifo;
        Files.deleteIfExists(Paths.get(fifoName));
        if (new ProcessBuilder("mkfifo", fifoName).inheritIO().start().waitFor() != 0)
            throw new IOException("mkfifo " + fifoName + " failed");
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());

        start("lock-holder-monitor", BlockedMix::monitorHolder);
        start("lock-holder-reentrant", BlockedMix::lockHolder);
        Feeder fileFeeder = new Feeder(), socketFeeder = new Feeder();
        start("fifo-feeder", () -> {
            try (FileOutputStream out = new FileOutputStream(fifoName)) {
                fileFeeder.run(out);
            }
        });
        start("socket-feeder", () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                s.setTcpNoDelay(true);
                socketFeeder.run(s.getOutputStream());
            }
        });
        Socket accepted = server.accept();
        task("Blocked: Monitor (1/1)#0", a -> () -> monitorTask(a));
        task("Blocked: ReentrantLock (1/1)#0", a -> () -> lockTask(a));
        task("Blocked: FileRead (1/1)#0", a -> () -> {
            try (FileInputStream in = new FileInputStream(fifoName)) {
                readTask(a, in, fileFeeder);
            }
        });
        task("Blocked: SocketRead (1/1)#0", a -> () -> readTask(a, accepted.getInputStream(), socketFeeder));
        task("Blocked: Sleep (1/1)#0", a -> () -> sleepTask(a));

        for (Account a : ACCOUNTS)
            while (a.rounds < 3)
                Thread.sleep(10);
        if (truthFile != null) {
            Path truth = Paths.get(truthFile);
            start("tmprof-truth-writer", () -> {
                for (;;) {
                    writeTruth(truth);
                    Thread.sleep(200);
                }
            });
        }
        System.out.println("ready");
        System.out.flush();
        if (duration > 0)
            Thread.sleep((long) (duration * 1000));
        else
            Thread.sleep(Long.MAX_VALUE);
        System.exit(0);
    }

    static void writeTruth(Path truth) throws IOException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long now = System.nanoTime();
        StringBuilder sb = new StringBuilder();
        for (Account a : ACCOUNTS) {
            long[] ns = a.snapshot();
            sb.append(now).append('\t').append(a.name).append('\t')
                .append(mx.getThreadCpuTime(a.thread.getId())).append('\t')
                .append(ns[LOCK]).append('\t').append(ns[IO]).append('\t').append(ns[SLEEP]).append('\n');
        }
        Path tmp = Paths.get(truth + ".tmp");
        Files.write(tmp, sb.toString().getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, truth, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String need(String opt, String v) {
        if (v == null) {
            System.err.println(opt + " needs a value\n" + USAGE);
            System.exit(2);
        }
        return v;
    }
}
