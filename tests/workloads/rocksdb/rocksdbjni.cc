// SPDX-License-Identifier: GPL-2.0
// A stand-in for RocksDB's JNI library, built as librocksdbjni-linux64.so
// (Makefile, workloads target) for tmprof's category test
// (tests/e2e/categories.sh): org.rocksdb.RocksDB.get calls
// Java_org_rocksdb_RocksDB_get__J_3BII, which spends CPU in functions named
// like RocksDB's read path (rocksdb::DBImpl::Get -> GetImpl -> MemTable::Get
// and BlockBasedTable::Get). Built with frame pointers and symbols, no
// inlining between them, so each is a native frame of its own.
#include <jni.h>

#include <cstddef>
#include <cstdint>

namespace rocksdb {

struct Slice {
	const unsigned char *data;
	size_t size;
};

// The volatile sink keeps the compiler from dropping the work.
static volatile uint64_t sink;

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

class MemTable {
public:
	__attribute__((noinline)) static uint64_t Get(const Slice &key, uint64_t rounds)
	{
		uint64_t h = 1;

		for (uint64_t r = 0; r < rounds; r++)
			for (size_t i = 0; i < key.size; i++)
				h = mix(h, key.data[i] + r);
		sink = h;
		return h;
	}
};

class BlockBasedTable {
public:
	__attribute__((noinline)) static uint64_t Get(const Slice &key, uint64_t rounds)
	{
		uint64_t h = 7;

		for (uint64_t r = 0; r < rounds; r++)
			for (size_t i = key.size; i > 0; i--)
				h = mix(h, key.data[i - 1] ^ r);
		sink = h;
		return h;
	}
};

class DBImpl {
public:
	__attribute__((noinline)) static uint64_t GetImpl(const Slice &key, uint64_t rounds)
	{
		uint64_t a = MemTable::Get(key, rounds / 2);
		uint64_t b = BlockBasedTable::Get(key, rounds - rounds / 2);

		sink = a ^ b;
		return a ^ b;
	}

	__attribute__((noinline)) static uint64_t Get(const Slice &key, uint64_t rounds)
	{
		uint64_t v = GetImpl(key, rounds);

		sink = v;
		return v + 1;
	}
};

} // namespace rocksdb

// RocksDB's JNI entry for get(long handle, byte[] key, int off, int len).
// Here `handle` is the amount of work (rounds over the key), so that the
// Java side sizes each call.
extern "C" JNIEXPORT jint JNICALL Java_org_rocksdb_RocksDB_get__J_3BII(JNIEnv *env, jobject,
									 jlong handle, jbyteArray key,
									 jint off, jint len)
{
	unsigned char buf[256];
	rocksdb::Slice k;

	if (len < 0 || len > (jint)sizeof(buf))
		return -1;
	env->GetByteArrayRegion(key, off, len, reinterpret_cast<jbyte *>(buf));
	if (env->ExceptionCheck())
		return -1;
	k.data = buf;
	k.size = (size_t)len;
	return (jint)(rocksdb::DBImpl::Get(k, handle > 0 ? (uint64_t)handle : 1) & 0x7fffffff);
}
