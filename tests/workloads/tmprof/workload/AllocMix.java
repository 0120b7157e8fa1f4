// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import com.example.alloc.AllocSite;
import com.example.alloc.BufferFiller;
import com.example.alloc.EventFactory;
import com.example.alloc.WindowBuffers;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Allocates a known mix from three sites (one thread each, named like Flink
 * task threads) and measures its own truth: every 200 ms it rewrites the
 * truth file (atomically) with each site thread's cumulative allocated bytes
 * from com.sun.management.ThreadMXBean#getThreadAllocatedBytes:
 *   mono_ns \t thread name \t allocated bytes \t class
 * Usage: AllocMix --truth FILE [--duration S] [--unpaced]
 * Run it with -XX:CompileCommand=dontinline on the sites' burst() methods,
 * so that each site stays a frame of its own once compiled.
 */
public final class AllocMix {
	private static final class Site {
		final String thread, cls;
		final Runnable body;
		Thread t;

		Site(String thread, String cls, Runnable body) {
			this.thread = thread;
			this.cls = cls;
			this.body = body;
		}
	}

	public static void main(String[] args) throws Exception {
		Path truth = null;
		long duration = 0;
		boolean unpaced = false;
		for (int i = 0; i < args.length; i++) {
			if (args[i].equals("--truth"))
				truth = Path.of(args[++i]);
			else if (args[i].equals("--duration"))
				duration = Long.parseLong(args[++i]);
			else if (args[i].equals("--unpaced"))
				unpaced = true; /* as fast as possible: for throughput benchmarks */
		}
		AllocSite buffers = new AllocSite(unpaced ? 0 : 200_000),
			  events = new AllocSite(unpaced ? 0 : 400_000),
			  windows = new AllocSite(unpaced ? 0 : 300_000);
		List<Site> sites = new ArrayList<>();
		sites.add(new Site("Source: Buffers -> Fill (1/1)#0", "byte[]", () -> BufferFiller.run(buffers)));
		sites.add(new Site("Map: Events (1/1)#0", "com.example.alloc.Event", () -> EventFactory.run(events)));
		sites.add(new Site("Window: Panes (1/1)#0", "long[]", () -> WindowBuffers.run(windows)));
		for (Site s : sites) {
			s.t = new Thread(s.body, s.thread);
			s.t.setDaemon(true);
			s.t.start();
		}
		com.sun.management.ThreadMXBean mx =
			(com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		System.out.println("ready");
		System.out.flush();
		long end = duration > 0 ? System.nanoTime() + duration * 1_000_000_000L : Long.MAX_VALUE;
		while (System.nanoTime() < end) {
			if (truth != null)
				writeTruth(truth, sites, mx);
			Thread.sleep(200);
		}
		buffers.stop();
		events.stop();
		windows.stop();
	}

	private static void writeTruth(Path truth, List<Site> sites, com.sun.management.ThreadMXBean mx)
			throws IOException {
		StringBuilder sb = new StringBuilder();
		long now = System.nanoTime();
		for (Site s : sites)
			sb.append(now).append('\t').append(s.thread).append('\t')
			  .append(mx.getThreadAllocatedBytes(s.t.getId())).append('\t').append(s.cls).append('\n');
		Path tmp = truth.resolveSibling(truth.getFileName() + ".tmp");
		Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
		Files.move(tmp, truth, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}
}
