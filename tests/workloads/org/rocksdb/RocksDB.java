// SPDX-License-Identifier: GPL-2.0
package org.rocksdb;

/**
 * Stand-in for RocksDB's Java API (tests/e2e/categories.sh): get() calls the
 * native get of librocksdbjni-linux64.so (tests/workloads/rocksdb/rocksdbjni.cc),
 * as RocksDB does. The library is loaded from the system property
 * tmprof.rocksdbjni (a path) or from java.library.path.
 */
public final class RocksDB {
    static {
        String path = System.getProperty("tmprof.rocksdbjni");
        if (path != null) {
            System.load(path);
        } else {
            System.loadLibrary("rocksdbjni-linux64");
        }
    }

    private final long work;

    /** work: rounds of the native lookup per key byte (the stand-in's "handle"). */
    public RocksDB(long work) {
        this.work = work;
    }

    public int get(byte[] key) {
        return get(work, key, 0, key.length);
    }

    private native int get(long handle, byte[] key, int off, int len);
}
