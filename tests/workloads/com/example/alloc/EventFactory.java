// SPDX-License-Identifier: GPL-2.0
package com.example.alloc;

/** Allocation site 2: many small Event objects (see BufferFiller). */
public final class EventFactory {
	public static volatile Object sink;
	private static long next;

	public static void run(AllocSite site) {
		while (site.running()) {
			burst();
			site.pace();
		}
	}

	public static void burst() {
		for (int i = 0; i < 256; i++)
			sink = new Event(next++, System.nanoTime(), i);
	}
}
