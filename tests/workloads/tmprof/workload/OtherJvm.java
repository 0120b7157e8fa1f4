// SPDX-License-Identifier: GPL-2.0
package tmprof.workload;

/** A JVM that is not a TaskManager (for `tmprof list`): prints "ready", then idles. */
public final class OtherJvm {
    private OtherJvm() {}

    public static void main(String[] args) throws Exception {
        double duration = args.length > 0 ? Double.parseDouble(args[0]) : -1;
        System.out.println("ready");
        System.out.flush();
        long end = duration < 0 ? Long.MAX_VALUE : System.nanoTime() + (long) (duration * 1e9);
        while (System.nanoTime() < end) {
            Thread.sleep(100);
        }
    }
}
