// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.io.IOException;
import java.util.List;
import org.apache.flink.runtime.io.network.api.writer.RecordWriter;
import org.apache.flink.runtime.io.network.buffer.LocalBufferPool;
import org.apache.flink.runtime.io.network.partition.consumer.SingleInputGate;
import org.apache.flink.streaming.runtime.partitioner.KeyGroupStreamPartitioner;

/**
 * The network between the "events" (producer) and "store" (consumer) tasks
 * of the pipeline scenario: all-to-all, keyed. Each producer subtask writes
 * through its own bounded LocalBufferPool; each consumer subtask reads its
 * SingleInputGate and, at most every storeFlushMs, writes to its own slow
 * StoreDevice (blocking I/O). The last consumer gets skew x the records of
 * each other one (KeyGroupStreamPartitioner).
 */
public final class Pipeline {
    /** Knobs of the scenario (command line: --pool-segments ... see StandInTaskManager). */
    public static final class Config {
        public int poolSegments = 4;
        public int segmentRecords = 512;
        public int skew = 3;
        public int sinkRounds = 800;
        public double storeFlushMs = 250;
        public double storeMinMs = 20;
        public double storeMaxMs = 50;
    }

    private final Config config;
    private final SingleInputGate[] gates;
    private final StoreDevice[] stores;
    private final RecordWriter[] writers;

    public Pipeline(List<TaskSpec> specs, Config config, long seed) throws IOException {
        this.config = config;
        int producers = 0;
        int consumers = 0;
        for (TaskSpec s : specs) {
            if (s.kind.equals("events")) {
                producers++;
            } else if (s.kind.equals("store")) {
                consumers++;
            }
        }
        if ((producers == 0) != (consumers == 0)) {
            throw new IllegalArgumentException("the pipeline needs both events and store tasks");
        }
        gates = new SingleInputGate[consumers];
        stores = new StoreDevice[consumers];
        for (int i = 0; i < consumers; i++) {
            gates[i] = new SingleInputGate();
            stores[i] = new StoreDevice("store-device-" + (i + 1), config.storeMinMs, config.storeMaxMs,
                seed + 31L * i);
        }
        writers = new RecordWriter[producers];
        for (int i = 0; i < producers; i++) {
            writers[i] = new RecordWriter(new LocalBufferPool(config.poolSegments, config.segmentRecords),
                gates, new KeyGroupStreamPartitioner(consumers, config.skew));
        }
    }

    public Config config() {
        return config;
    }

    public RecordWriter writer(int producerIndex) {
        return writers[producerIndex];
    }

    public SingleInputGate gate(int consumerIndex) {
        return gates[consumerIndex];
    }

    public StoreDevice store(int consumerIndex) {
        return stores[consumerIndex];
    }
}
