# SPDX-License-Identifier: GPL-2.0
# Sourced by the e2e scripts (after lib.sh) that profile the stand-in
# CategoryMix (tests/workloads/tmprof/workload/CategoryMix.java): its task
# threads spend known CPU in user code, serializers, RocksDB (JNI) and
# Netty-named network code.

# category_mix_missing: why CategoryMix cannot run here, or nothing.
category_mix_missing() {
	[ -f "$WORKLOADS/tmprof/workload/CategoryMix.class" ] || { echo "workload CategoryMix not built (make workloads)"; return; }
	[ -f "$WORKLOADS/librocksdbjni-linux64.so" ] || echo "no $WORKLOADS/librocksdbjni-linux64.so (make workloads)"
}

# start_category_mix TRUTH_FILE [APP ARGS...]: starts CategoryMix (JAVA_PID)
# writing its measured CPU per category to TRUTH_FILE. The category entry
# points are kept out of their callers: a C2 inlining decision must not
# move a call's samples into the framework loop.
start_category_mix() {
	local truth=$1
	shift
	start_java catmix tmprof.workload.CategoryMix -XX:+PreserveFramePointer -Xms64m -Xmx256m \
		"-Dtmprof.rocksdbjni=$WORKLOADS/librocksdbjni-linux64.so" -XX:CompileCommand=quiet \
		-XX:CompileCommand=dontinline,com.example.jobs.EnrichMapper::map \
		-XX:CompileCommand=dontinline,org.apache.flink.api.common.typeutils.base.RecordSerializer::serialize \
		-XX:CompileCommand=dontinline,com.esotericsoftware.kryo.Kryo::writeObject \
		-XX:CompileCommand=dontinline,org.apache.avro.io.BinaryEncoder::write \
		-XX:CompileCommand=dontinline,org.rocksdb.RocksDB::get \
		-XX:CompileCommand=dontinline,org.apache.flink.shaded.netty4.io.netty.buffer.UnpooledHeapByteBuf::writeLongs \
		-XX:CompileCommand=dontinline,org.apache.flink.shaded.netty4.io.netty.channel.socket.nio.NioSocketChannel::doWrite \
		-- --truth "$truth" "$@"
}
