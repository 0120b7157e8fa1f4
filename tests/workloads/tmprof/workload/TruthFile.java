// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A workload's ground-truth file: replaced atomically (FILE.tmp + rename)
 * by a fresh snapshot every 200 ms from a daemon thread, and at exit, so a
 * test reading it never sees half a snapshot.
 */
public final class TruthFile {
    private final Path file;
    private final Supplier<String> snapshot;

    private TruthFile(Path file, Supplier<String> snapshot) {
        this.file = file;
        this.snapshot = snapshot;
    }

    /** Writes now, then every 200 ms and at JVM exit. */
    public static TruthFile start(Path file, Supplier<String> snapshot) {
        TruthFile t = new TruthFile(file, snapshot);
        t.write();
        Thread w = new Thread(t::loop, "tmprof-truth-writer");
        w.setDaemon(true);
        w.start();
        Runtime.getRuntime().addShutdownHook(new Thread(t::write, "tmprof-truth-final"));
        return t;
    }

    /** A snapshot now (the workload's last one, when it stops its tasks). */
    public synchronized void write() {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, snapshot.get().getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("truth: " + e);
        }
    }

    private void loop() {
        long next = System.nanoTime();
        while (true) {
            next += 200_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            write();
        }
    }
}
