package dev.outboxmailer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the whole machine did during a timed phase, from {@code /proc/stat}: the share of its CPU time that was
 * idle and the share the hypervisor gave to someone else ({@code steal}). On a virtual machine a vCPU that halts
 * when idle is not always given back at once when it is woken: a run that keeps waking idle CPUs (one
 * connection, one round trip at a time through stunnel and smtp-sink) pays that as steal.
 */
final class MachineShare {
    private static final Path STAT = Path.of("/proc/stat");
    private final long[] start;

    private MachineShare(long[] start) {
        this.start = start;
    }

    /** Starts counting now; on a system without {@code /proc/stat}, counts nothing. */
    static MachineShare start() {
        return new MachineShare(read());
    }

    /** {@code steal 31 %, idle 24 %} since the start, or {@code "?"}. */
    String sinceStart() {
        long[] now = read();
        if (start == null || now == null) {
            return "?";
        }
        long total = 0;
        long[] d = new long[now.length];
        for (int i = 0; i < now.length; i++) {
            d[i] = now[i] - start[i];
            total += d[i];
        }
        if (total <= 0 || d.length < 8) {
            return "?";
        }
        // the fields of the line "cpu": user nice system idle iowait irq softirq steal …
        return String.format(Locale.ROOT, "steal %.0f %%, idle %.0f %%", 100.0 * d[7] / total, 100.0 * (d[3] + d[4]) / total);
    }

    private static long[] read() {
        try {
            String[] fields = Files.readAllLines(STAT).get(0).trim().split("\\s+");
            long[] values = new long[Math.min(fields.length - 1, 8)];
            for (int i = 0; i < values.length; i++) {
                values[i] = Long.parseLong(fields[i + 1]);
            }
            return values;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
