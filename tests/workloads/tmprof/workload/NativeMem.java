// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

/**
 * Native memory through a small JNI library (tests/workloads/leak/nativemem.c,
 * compiled by the leak test with frame pointers): malloc and free, nothing
 * else, so that the only thing telling the callers apart is the Java frame
 * above them.
 */
public final class NativeMem {
	private NativeMem() {
	}

	public static native long alloc(long bytes);

	public static native void free(long address);

	/** Touches the block, so the allocation is not optimised away. */
	public static native void touch(long address, long bytes);
}
