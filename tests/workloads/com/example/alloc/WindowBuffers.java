// SPDX-License-Identifier: GPL-2.0
package com.example.alloc;

/** Allocation site 3: long[] window panes of 4096 elements, 32 KiB each
 * (see BufferFiller). */
public final class WindowBuffers {
	public static volatile Object sink;

	public static void run(AllocSite site) {
		while (site.running()) {
			burst();
			site.pace();
		}
	}

	public static void burst() {
		for (int i = 0; i < 4; i++)
			sink = new long[4096];
	}
}
