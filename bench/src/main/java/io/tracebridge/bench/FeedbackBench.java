package io.tracebridge.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code mlflow.log_feedback} under load: {@code --clients} concurrent clients (default 50), each
 * posting the Python client's CreateAssessment body for a random trace of a filled experiment
 * (see {@link SearchBench}) for {@code --seconds}: back to back (closed loop, measures saturation), or
 * paced to {@code --rate} requests/s in total (users with think time). Reports throughput and latency.
 */
public final class FeedbackBench {
    private FeedbackBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = LoadGenerator.parseArgs(args);
        if (a.containsKey("help") || !a.containsKey("experiment")) {
            System.out.println("FeedbackBench options: --experiment=ID (filled by 'bench/run.sh fill') --traces=N "
                    + "(default 1000000) --clients=N (default 50) --seconds=N (default 30) --rate=N requests/s over all clients "
                    + "(default 0: closed loop) --http=URL");
            return;
        }
        long exp = Long.parseLong(a.get("experiment"));
        int traces = Integer.parseInt(a.getOrDefault("traces", "1000000"));
        int clients = Integer.parseInt(a.getOrDefault("clients", "50"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "30"));
        String http = a.getOrDefault("http", "http://localhost:5000");
        // Offered load in requests/s over all clients; 0 = closed loop (each client sends back to back).
        double rate = Double.parseDouble(a.getOrDefault("rate", "0"));
        long intervalNanos = rate > 0 ? (long) (clients / rate * 1e9) : 0;
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4, r -> {
                    Thread t = new Thread(r, "http-client");
                    t.setDaemon(true); // lets the JVM exit when the run is over
                    return t;
                })).build();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(5, seconds / 5));
        AtomicLong errors = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        Future<?>[] futures = new Future<?>[clients];
        long[][] lat = new long[clients][];
        int[] counts = new int[clients];
        for (int c = 0; c < clients; c++) {
            int id = c;
            futures[c] = pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(id);
                long[] mine = new long[4096];
                int n = 0;
                long next = System.nanoTime() + random.nextLong(Math.max(1, intervalNanos));
                while (System.nanoTime() < end) {
                    if (intervalNanos > 0) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        next += intervalNanos;
                    }
                    String traceId = SearchBench.traceId(exp, 1 + random.nextInt(traces));
                    String body = """
                            {"assessment": {"assessment_name": "response_is_correct", "trace_id": "%s",
                              "source": {"source_type": "HUMAN", "source_id": "user-%d"},
                              "feedback": {"value": %s}, "rationale": "bench", "metadata": {}}}
                            """.formatted(traceId, random.nextInt(20000), random.nextBoolean());
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                                    URI.create(http + "/api/3.0/mlflow/traces/" + traceId + "/assessments"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                            .build(), HttpResponse.BodyHandlers.ofString());
                    long t1 = System.nanoTime();
                    if (r.statusCode() != 200) {
                        errors.incrementAndGet();
                    } else if (t0 > warmEnd) {
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = t1 - t0;
                    }
                }
                lat[id] = mine;
                counts[id] = n;
                return null;
            });
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        int total = 0;
        for (int n : counts) {
            total += n;
        }
        long[] all = new long[total];
        int k = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(lat[c], 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        double measured = seconds - Math.min(5, seconds / 5);
        System.out.printf(Locale.ROOT, "feedback clients=%d offered=%s requests=%d per_s=%.0f errors=%d p50=%.1f ms p95=%.1f ms "
                        + "p99=%.1f ms max=%.1f ms%n", clients, rate > 0 ? String.format(Locale.ROOT, "%.0f/s", rate) : "closed-loop", total, total / measured, errors.get(),
                all[total / 2] / 1e6, all[(int) Math.ceil(total * 0.95) - 1] / 1e6,
                all[(int) Math.ceil(total * 0.99) - 1] / 1e6, all[total - 1] / 1e6);
    }
}
