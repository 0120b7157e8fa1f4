// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.util.ArrayDeque;

/**
 * A stand-in JVM that leaks native memory from one Java method while other
 * methods allocate and free much more (tests/e2e/leak.sh).
 *
 *   java -Djava.library.path=DIR tmprof.workload.NativeLeak [--leak-kib N] [--leak-ms N]
 *
 * LeakyCache.retain keeps a 16 KiB block every 5 ms (about 3 MiB/s) and never
 * frees it; BalancedBuffers.process and ScratchArena.use allocate batches of
 * 32 KiB and 8 KiB blocks (several times the leak's bytes) and free them all.
 * Prints "ready" once the library is loaded.
 */
public final class NativeLeak {
	static final class LeakyCache {
		private final ArrayDeque<Long> kept = new ArrayDeque<>();

		/** The leak: blocks are remembered but never freed. */
		void retain(long bytes) {
			long p = NativeMem.alloc(bytes);
			NativeMem.touch(p, bytes);
			kept.add(p);
		}
	}

	static final class BalancedBuffers {
		/** Allocates a batch and frees it: no growth. */
		static void process(int blocks, long bytes) {
			long[] ps = new long[blocks];
			for (int i = 0; i < blocks; i++) {
				ps[i] = NativeMem.alloc(bytes);
				NativeMem.touch(ps[i], bytes);
			}
			for (int i = 0; i < blocks; i++) {
				NativeMem.free(ps[i]);
			}
		}
	}

	static final class ScratchArena {
		static void use(long bytes) {
			long p = NativeMem.alloc(bytes);
			NativeMem.touch(p, bytes);
			NativeMem.free(p);
		}
	}

	private static void sleepMs(long ms) {
		try {
			Thread.sleep(ms);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	public static void main(String[] args) {
		long leakBytes = 16 * 1024;
		long leakMs = 5;
		for (int i = 0; i + 1 < args.length; i += 2) {
			if (args[i].equals("--leak-kib")) {
				leakBytes = Long.parseLong(args[i + 1]) * 1024;
			} else if (args[i].equals("--leak-ms")) {
				leakMs = Long.parseLong(args[i + 1]);
			}
		}
		System.loadLibrary("nativemem");
		final long lb = leakBytes;
		final long lm = leakMs;
		Thread leaker = new Thread(() -> {
			LeakyCache cache = new LeakyCache();
			while (true) {
				cache.retain(lb);
				sleepMs(lm);
			}
		}, "leaker");
		Thread balanced = new Thread(() -> {
			while (true) {
				BalancedBuffers.process(64, 32 * 1024);
				sleepMs(2);
			}
		}, "balanced");
		Thread scratch = new Thread(() -> {
			while (true) {
				for (int i = 0; i < 64; i++) {
					ScratchArena.use(8 * 1024);
				}
				sleepMs(1);
			}
		}, "scratch");
		leaker.setDaemon(true);
		balanced.setDaemon(true);
		scratch.setDaemon(true);
		leaker.start();
		balanced.start();
		scratch.start();
		System.out.println("ready");
		System.out.flush();
		while (true) {
			sleepMs(1000);
		}
	}
}
