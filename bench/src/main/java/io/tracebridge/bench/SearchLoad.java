package io.tracebridge.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The most expensive searches, back to back: {@code --clients} clients (default 8) each post
 * {@code trace.text ILIKE '%<random>%'} (matches nothing, so every span of the experiment is
 * read) for {@code --seconds} against the filled experiment, and report the answers by status.
 * A client told to retry later (503 with {@code Retry-After}) waits that long first, as MLflow's
 * client does, unless {@code --hammer=true}.
 * Run beside {@code bench/run.sh ingest} to see what such searches take from ingest
 * ({@code bench/isolation.sh} runs both).
 */
public final class SearchLoad {
    private SearchLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = LoadGenerator.parseArgs(args);
        if (a.containsKey("help") || !a.containsKey("experiment")) {
            System.out.println("SearchLoad options: --experiment=ID (filled by 'bench/run.sh fill') --clients=N (default 8) "
                    + "--seconds=N (default 60) --http=URL --hammer=true (retry a 503 at once instead of after its Retry-After)");
            return;
        }
        String exp = a.get("experiment");
        int clients = Integer.parseInt(a.getOrDefault("clients", "8"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "60"));
        String http = a.getOrDefault("http", "http://localhost:5000");
        boolean hammer = Boolean.parseBoolean(a.getOrDefault("hammer", "false"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Map<Integer, AtomicLong> byStatus = new TreeMap<>();
        AtomicLong failures = new AtomicLong();
        AtomicLong totalMs = new AtomicLong();
        AtomicLong maxMs = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            int id = c;
            pool.submit(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    String needle = "nothing-" + id + "-" + (n++);
                    String body = "{\"locations\":[{\"type\":\"MLFLOW_EXPERIMENT\",\"mlflow_experiment\":{\"experiment_id\":\""
                            + exp + "\"}}],\"filter\":\"trace.text ILIKE '%" + needle + "%'\",\"max_results\":100}";
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(http + "/api/3.0/mlflow/traces/search"))
                                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        totalMs.addAndGet(ms);
                        maxMs.accumulateAndGet(ms, Math::max);
                        synchronized (byStatus) {
                            byStatus.computeIfAbsent(r.statusCode(), k -> new AtomicLong()).incrementAndGet();
                        }
                        // As MLflow's client does (its HTTP retries respect Retry-After), unless told to hammer.
                        var retryAfter = r.headers().firstValue("Retry-After");
                        if (!hammer && retryAfter.isPresent() && retryAfter.get().matches("[0-9]{1,3}")) {
                            Thread.sleep(Math.min(TimeUnit.SECONDS.toMillis(Long.parseLong(retryAfter.get())),
                                    Math.max(0, (end - System.nanoTime()) / 1_000_000)));
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 180L, TimeUnit.SECONDS);
        long answered = byStatus.values().stream().mapToLong(AtomicLong::get).sum();
        System.out.printf("search-load: %d clients, %d s, answers by status %s, transport failures %d, mean %d ms, max %d ms%n",
                clients, seconds, byStatus, failures.get(), answered == 0 ? 0 : totalMs.get() / answered, maxMs.get());
    }
}
