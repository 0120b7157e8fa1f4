// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A slow external store behind two pipes (real file descriptors): the client
 * writes a request and then blocks in read(2) on the reply pipe until the
 * device thread, after a random service time, writes the reply. The client's
 * wait is real blocking I/O (off CPU in pipe_read), which tmprof classifies
 * as "blocked".
 *
 * For the truth (see WaitClock), the device records System.nanoTime() just
 * before writing the reply: the write is what wakes the blocked reader.
 */
public final class StoreDevice {
    private final Pipe requests;
    private final Pipe replies;
    private final ByteBuffer clientBuf = ByteBuffer.allocateDirect(8);
    private volatile long repliedAtNanos;
    private static volatile boolean announced;

    /** Starts the device thread (a daemon named threadName). */
    public StoreDevice(String threadName, double minServiceMs, double maxServiceMs, long seed) throws IOException {
        this.requests = Pipe.open();
        this.replies = Pipe.open();
        SplittableRandom random = new SplittableRandom(seed);
        Thread t = new Thread(() -> serve(random, minServiceMs, maxServiceMs), threadName);
        t.setDaemon(true);
        t.start();
    }

    private void serve(SplittableRandom random, double minMs, double maxMs) {
        ByteBuffer buf = ByteBuffer.allocateDirect(8);
        try {
            while (true) {
                buf.clear();
                while (buf.position() < 8) {
                    if (requests.source().read(buf) < 0) {
                        return;
                    }
                }
                long serviceNs = (long) ((minMs + (maxMs - minMs) * random.nextDouble()) * 1e6);
                long until = System.nanoTime() + serviceNs;
                for (long left; (left = until - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(left);
                }
                buf.flip();
                repliedAtNanos = System.nanoTime();
                while (buf.hasRemaining()) {
                    replies.sink().write(buf);
                }
            }
        } catch (IOException e) {
            System.err.println("store device: " + e);
        }
    }

    /**
     * Sends one request and blocks until the reply (called by one client
     * thread at a time). The blocking read is added to the caller's WaitClock
     * as "blocked", up to the device's reply. The first call prints on
     * stderr "store client blocks in CLASS.METHOD", this method as the JVM
     * names it (StackWalker), for tests that check where a profiler says the
     * client waits.
     */
    public void call(long payload) throws IOException {
        if (!announced) {
            announced = true;
            StackWalker.StackFrame here = StackWalker.getInstance().walk(s -> s.findFirst()).get();
            System.err.println("store client blocks in " + here.getClassName() + "." + here.getMethodName());
        }
        clientBuf.clear();
        clientBuf.putLong(payload).flip();
        while (clientBuf.hasRemaining()) {
            requests.sink().write(clientBuf);
        }
        clientBuf.clear();
        long start = System.nanoTime();
        while (clientBuf.position() < 8) {
            if (replies.source().read(clientBuf) < 0) {
                throw new IOException("store device closed");
            }
        }
        long end = System.nanoTime();
        long replied = repliedAtNanos;
        // A reply older than the read's start: the read did not block.
        WaitClock.current().add(WaitClock.BLOCKED, start, replied < start ? start : replied, end);
    }
}
