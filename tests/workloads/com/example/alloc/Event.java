// SPDX-License-Identifier: GPL-2.0
package com.example.alloc;

/** A small record object (header + 3 fields). */
public final class Event {
	final long key;
	final long timestamp;
	final int value;

	Event(long key, long timestamp, int value) {
		this.key = key;
		this.timestamp = timestamp;
		this.value = value;
	}
}
