// SPDX-License-Identifier: GPL-2.0
package com.example.alloc;

/** Allocation site 1: 1 KiB byte[] buffers. burst() is the allocating
 * frame: called once per round, it is JIT-compiled within a second (a loop
 * inside one long-running method would wait for on-stack replacement). */
public final class BufferFiller {
	public static volatile Object sink;

	public static void run(AllocSite site) {
		while (site.running()) {
			burst();
			site.pace();
		}
	}

	public static void burst() {
		for (int i = 0; i < 64; i++)
			sink = new byte[1024];
	}
}
