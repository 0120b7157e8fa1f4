// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

import java.util.ArrayList;
import java.util.List;

/**
 * One task (subtask thread) of the stand-in: operator kind, duty cycle and
 * Flink thread name "<chain> (<i>/<n>)#<attempt>". Written on the command
 * line as KIND:DUTY_PERCENT:NAME, e.g. "map:90:Source: Numbers -> Map (1/2)#0".
 *
 * Kinds: map (StreamMap + HashingMapper), clicks (StreamMap + ClickParser),
 * window (WindowOperator + SumReducer -> PrintSinkFunction), events (the
 * pipeline's source: StreamMap + HashingMapper -> RecordWriter into a bounded
 * LocalBufferPool) and store (the pipeline's sink: network input ->
 * StreamGroupedReduceOperator + SumReducer -> StreamSink + StoreSink, with
 * blocking I/O). New kinds plug in through StandInTaskManager#buildTask.
 */
public final class TaskSpec {
    public final String kind;
    public final double duty;
    public final String name;

    public TaskSpec(String kind, double duty, String name) {
        this.kind = kind;
        this.duty = duty;
        this.name = name;
    }

    public static TaskSpec parse(String s) {
        String[] p = s.split(":", 3);
        if (p.length != 3 || p[2].isEmpty()) {
            throw new IllegalArgumentException("--task wants KIND:DUTY_PERCENT:NAME, got: " + s);
        }
        double duty = Double.parseDouble(p[1]) / 100.0;
        return new TaskSpec(p[0], duty, p[2]);
    }

    /** The chain name without " (i/n)#attempt". */
    public String chainName() {
        int i = name.lastIndexOf(" (");
        return i > 0 ? name.substring(0, i) : name;
    }

    public static List<TaskSpec> mix(String mix) {
        List<TaskSpec> l = new ArrayList<>();
        switch (mix) {
            case "default": // 1.7 CPUs of task work
                l.add(parse("map:90:Source: Numbers -> Map (1/2)#0"));
                l.add(parse("map:45:Source: Numbers -> Map (2/2)#0"));
                l.add(parse("window:25:Window(TumblingEventTimeWindows) -> Sink: Print (1/1)#0"));
                l.add(parse("clicks:10:Source: Clicks -> Map (1/1)#0"));
                break;
            case "light": // 0.85 CPUs: leaves room on a 2-CPU machine
                l.add(parse("map:45:Source: Numbers -> Map (1/2)#0"));
                l.add(parse("map:22:Source: Numbers -> Map (2/2)#0"));
                l.add(parse("window:12:Window(TumblingEventTimeWindows) -> Sink: Print (1/1)#0"));
                l.add(parse("clicks:6:Source: Clicks -> Map (1/1)#0"));
                break;
            case "pipeline": // back-pressure, idle input, key skew, blocking I/O, > 2 runnable threads
                l.add(parse("events:60:Source: Events -> Map (1/2)#0"));
                l.add(parse("events:60:Source: Events -> Map (2/2)#0"));
                l.add(parse("store:100:Keyed Aggregation -> Sink: Store (1/2)#0"));
                l.add(parse("store:100:Keyed Aggregation -> Sink: Store (2/2)#0"));
                l.add(parse("map:60:Source: Metrics -> Map (1/2)#0"));
                l.add(parse("map:60:Source: Metrics -> Map (2/2)#0"));
                break;
            case "single":
                l.add(parse("map:50:Source: Numbers -> Map (1/1)#0"));
                break;
            default:
                throw new IllegalArgumentException("unknown --mix " + mix + " (default, light, single, pipeline)");
        }
        return l;
    }

    @Override
    public String toString() {
        return kind + ":" + Math.round(duty * 100) + ":" + name;
    }
}
