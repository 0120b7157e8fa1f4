// SPDX-License-Identifier: GPL-2.0
package com.example.alloc;

import java.util.concurrent.locks.LockSupport;

/** Pacing for one allocation site: each site thread allocates in bursts and
 * parks between them, so the three sites allocate at clearly different
 * rates without saturating the machine. */
public final class AllocSite {
	private final long parkNanos;
	private volatile boolean running = true;

	public AllocSite(long parkNanos) {
		this.parkNanos = parkNanos;
	}

	public boolean running() {
		return running;
	}

	public void stop() {
		running = false;
	}

	public void pace() {
		if (parkNanos > 0)
			LockSupport.parkNanos(parkNanos);
	}
}
