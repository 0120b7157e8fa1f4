// SPDX-License-Identifier: GPL-2.0
/* JNI side of tmprof.workload.NativeMem: plain malloc and free, built by
 * tests/e2e/leak.sh with frame pointers so that stacks walk from malloc
 * back into the Java callers:
 *   gcc -O2 -fno-omit-frame-pointer -shared -fPIC -I$JAVA_HOME/include \
 *       -I$JAVA_HOME/include/linux -o libnativemem.so nativemem.c */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

JNIEXPORT jlong JNICALL Java_tmprof_workload_NativeMem_alloc(JNIEnv *env, jclass cls, jlong bytes)
{
	(void)env;
	(void)cls;
	return (jlong)(intptr_t)malloc((size_t)bytes);
}

JNIEXPORT void JNICALL Java_tmprof_workload_NativeMem_free(JNIEnv *env, jclass cls, jlong address)
{
	(void)env;
	(void)cls;
	free((void *)(intptr_t)address);
}

JNIEXPORT void JNICALL Java_tmprof_workload_NativeMem_touch(JNIEnv *env, jclass cls, jlong address,
							    jlong bytes)
{
	(void)env;
	(void)cls;
	if (address && bytes > 0)
		memset((void *)(intptr_t)address, 0x5a, (size_t)bytes);
}
