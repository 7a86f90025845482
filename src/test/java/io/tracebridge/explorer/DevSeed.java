package io.tracebridge.explorer;

/**
 * Development helper: fills a running Tracebridge with what {@link ExplorerBrowserIT} seeds (a
 * new experiment with a three-turn session and other users' traces) plus six days of background
 * traffic, so every view of the trace explorer has something to show. Prints the seed as JSON.
 * <pre>
 * ./mvnw -q test-compile exec:java -Dexec.mainClass=io.tracebridge.explorer.DevSeed \
 *     [-Dtb.baseUrl=http://127.0.0.1:5000] [-Dtb.token=WRITE_TOKEN]
 * </pre>
 */
public final class DevSeed {
    private DevSeed() {
    }

    public static void main(String[] args) throws Exception {
        String base = System.getProperty("tb.baseUrl", "http://127.0.0.1:5000");
        ExplorerSeed seeder = new ExplorerSeed(base, System.getProperty("tb.token", ""));
        long now = System.currentTimeMillis();
        ExplorerSeed.Seed seed = seeder.seed(now);
        seeder.background(seed, now);
        System.out.println(seed.toJson());
    }
}
