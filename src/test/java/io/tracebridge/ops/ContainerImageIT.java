package io.tracebridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tracebridge.support.ManifestContainer;
import io.tracebridge.support.ManifestContainer.Manifests;
import io.tracebridge.support.ManifestContainer.Podman;
import io.tracebridge.support.Traces;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The container image, built by {@code scripts/build-image.sh} from target/quarkus-app (failsafe
 * runs after {@code package}) on the base made from Debian 12, and run as the Deployment in
 * {@code k8s/base} runs it ({@link ManifestContainer}: user, read-only root filesystem, tmpfs
 * {@code /tmp}, dropped capabilities, limits, the ConfigMap's environment), against the host's
 * PostgreSQL. Every value compared is read from the manifests, so a change to the image or to
 * the manifests that breaks the other fails here:
 * <ul>
 *   <li>the image's user, exposed ports and port variables are the manifests';</li>
 *   <li>the startup, readiness and liveness probes answer; inside, the process runs as the
 *       manifests' user with no capabilities, can write only the emptyDir mounts, and the image
 *       holds no compilers, build tools, package lists or man pages;</li>
 *   <li>traces sent with the real OTel SDK over OTLP/gRPC and OTLP/HTTP read back over REST;</li>
 *   <li>preStop hook, then SIGTERM while exporters keep sending over both transports: the
 *       container exits within the termination grace period and every acknowledged batch is
 *       stored, exactly once.</li>
 * </ul>
 * Skipped (with the reason) only where podman cannot run: not root, and no rootless podman or
 * no base image. As root, {@code scripts/ensure-podman.sh} installs podman, runc and debootstrap.
 * Uses the database {@code tracebridge_it} (scripts/test.sh creates it) and empties it first.
 */
class ContainerImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DB = System.getenv().getOrDefault("TRACEBRIDGE_IT_DB_NAME", "tracebridge_it");
    private static final String HOST = System.getenv().getOrDefault("TRACEBRIDGE_DB_HOST", "127.0.0.1");
    private static final String PORT = System.getenv().getOrDefault("TRACEBRIDGE_DB_PORT", "5432");
    private static final String USER = System.getenv().getOrDefault("TRACEBRIDGE_DB_USER", "tracebridge");
    private static final String PASSWORD = System.getenv().getOrDefault("TRACEBRIDGE_DB_PASSWORD", "tracebridge");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static String image;
    private static double buildSeconds;
    private final List<ManifestContainer> containers = new ArrayList<>();

    @BeforeAll
    static void buildImage() throws Exception {
        boolean root = "0".equals(command(Duration.ofSeconds(10), "id", "-u").stdout().trim());
        Podman.Result ensure = command(Duration.ofMinutes(10), "bash", "scripts/ensure-podman.sh");
        assertThat(ensure.exit()).as("scripts/ensure-podman.sh: %s", ensure.stderr()).isZero();
        if (!root) {
            Assumptions.assumeTrue(command(Duration.ofSeconds(10), "bash", "-c", "command -v podman").exit() == 0,
                    "podman is not installed and this is not root to install it (apt-get install podman runc)");
            Podman.Result info = Podman.run(Duration.ofSeconds(60), List.of("info"));
            Assumptions.assumeTrue(info.exit() == 0, () -> "podman cannot run here: not root and no rootless podman ("
                    + info.stderr().strip().lines().reduce((a, b) -> b).orElse("podman info failed") + ")");
        }
        // A tag of this checkout's own, so that two checkouts testing at once on one machine do
        // not replace each other's image between build and run.
        String tag = "tracebridge-it:" + Integer.toHexString(Path.of("").toAbsolutePath().toString().hashCode());
        Path iid = Path.of("target/container-image.iid");
        long start = System.nanoTime();
        Process build = new ProcessBuilder("bash", "scripts/build-image.sh", "--skip-package", "--tag", tag,
                "--iidfile", iid.toString()).redirectErrorStream(true)
                .redirectOutput(new File("target/container-image-build.log")).start();
        boolean built = build.waitFor(20, TimeUnit.MINUTES);
        if (!built) {
            build.destroyForcibly();
        }
        assertThat(built).as("image build within 20 minutes (target/container-image-build.log)").isTrue();
        buildSeconds = (System.nanoTime() - start) / 1e9;
        String log = Files.readString(Path.of("target/container-image-build.log"));
        if (!root && build.exitValue() == 3) {
            Assumptions.abort("the Debian base image is missing and making it needs root (scripts/build-image.sh)");
        }
        assertThat(build.exitValue()).as("scripts/build-image.sh (target/container-image-build.log):%n%s", log).isZero();
        image = Files.readString(iid).strip().replaceFirst("^sha256:", "");
        System.out.printf("ContainerImageIT: %s%n", log.lines().filter(l -> l.startsWith("build-image: made")
                || l.startsWith("build-image: built")).reduce((a, b) -> a + "; " + b).orElse(""));
    }

    /**
     * Whether this process runs in a chroot: scripts/fresh-debian-check.sh says so in
     * TRACEBRIDGE_IN_CHROOT; otherwise, whether this process's root is not PID 1's (false if that
     * cannot be read, as in some sandboxes even for root).
     */
    static boolean inChroot() {
        if ("1".equals(System.getenv("TRACEBRIDGE_IN_CHROOT"))) {
            return true;
        }
        try {
            return !Files.isSameFile(Path.of("/"), Path.of("/proc/1/root"));
        } catch (IOException | SecurityException unknown) {
            return false;
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (ManifestContainer c : containers) {
            c.close();
        }
    }

    @Test
    void runsAsTheManifestsSayAnswersProbesStoresOtlpAndDrainsOnSigterm() throws Exception {
        // In a chroot (scripts/fresh-debian-check.sh) podman builds the image (done above) and
        // starts containers, but `podman exec`, which the preStop exec hook and the checks inside
        // need as the kubelet does, cannot enter them ("chdir to cwd ... no such file").
        Assumptions.assumeFalse(inChroot(), "inside a chroot podman exec cannot enter a container; "
                + "the image was built, running it is tested on a machine of its own");
        Manifests m = Manifests.load(Path.of("k8s/base"), "tracebridge", "tracebridge");
        JsonNode inspect = JSON.readTree(podman("image", "inspect", image)).get(0);
        JsonNode config = inspect.path("Config");

        // The image and the manifests agree: user, exposed ports, the variables that set the ports.
        assertThat(config.path("User").asText()).as("image user").isEqualTo(m.security("runAsUser").asText());
        Set<String> exposed = new HashSet<>();
        config.path("ExposedPorts").fieldNames().forEachRemaining(exposed::add);
        assertThat(exposed).as("image EXPOSE").containsExactlyInAnyOrderElementsOf(
                m.ports().values().stream().map(p -> p + "/tcp").toList());
        List<String> env = new ArrayList<>();
        config.path("Env").forEach(e -> env.add(e.asText()));
        m.ports().forEach((name, port) -> assertThat(env).as("image env for port %s", name)
                .contains(ManifestContainer.PORT_ENV.get(name) + "=" + port));

        emptyDatabase();
        ManifestContainer c = ManifestContainer.start(m, image, "tracebridge-it-" + ProcessHandle.current().pid(),
                Map.of("tracebridge-db", Map.of("host", HOST, "port", PORT, "database", DB, "username", USER, "password", PASSWORD)));
        containers.add(c);
        Duration startup = c.awaitProbe("startupProbe");
        c.awaitProbe("readinessProbe");
        assertThat(c.probe("livenessProbe")).as("liveness probe").isTrue();

        // Inside: the manifests' user and group, no capabilities, only the emptyDir mounts writable.
        assertThat(exec(c, "id", "-u")).isEqualTo(m.security("runAsUser").asText());
        assertThat(exec(c, "id", "-g")).isEqualTo(m.security("runAsGroup").asText());
        String status = exec(c, "cat", "/proc/1/status");
        assertThat(status).as("JVM process status").contains("Uid:\t" + m.security("runAsUser").asText() + "\t");
        if (m.security("capabilities").path("add").isEmpty()
                && m.security("capabilities").path("drop").toString().contains("\"ALL\"")) {
            assertThat(status).contains("CapEff:\t0000000000000000").contains("CapBnd:\t0000000000000000");
        }
        if (!m.security("allowPrivilegeEscalation").asBoolean(true)) {
            assertThat(status).contains("NoNewPrivs:\t1");
        }
        Podman.Result write = c.exec("sh", "-c", "touch /deployments/x");
        if (m.security("readOnlyRootFilesystem").asBoolean(false)) {
            assertThat(write.exit()).as("writing the root filesystem").isNotZero();
            assertThat(write.stderr()).contains("Read-only file system");
        }
        for (JsonNode mount : m.container().path("volumeMounts")) {
            String path = mount.path("mountPath").asText();
            assertThat(c.exec("sh", "-c", "touch " + path + "/probe && rm " + path + "/probe").exit())
                    .as("%s is writable", path).isZero();
        }
        // No compilers, build tools, package lists or caches, man pages.
        assertThat(exec(c, "sh", "-c", "for t in javac jar jlink jdeps gcc cc c++ make mvn; do command -v $t; done; "
                + "find /var/lib/apt/lists /var/cache/apt /usr/share/man -type f 2>/dev/null | head -5; true"))
                .as("build tools or package caches in the image").isEmpty();

        // OTLP with the real SDK over both transports, read back over REST.
        for (Supplier<SpanExporter> exporter : List.<Supplier<SpanExporter>>of(() -> grpc(c), () -> http(c))) {
            SpanExporter e = exporter.get();
            Traces.Batch batch = Traces.build("container-" + e.getClass().getSimpleName(), 3, 100);
            assertThat(e.export(batch.spans()).join(20, TimeUnit.SECONDS).isSuccess())
                    .as("%s export", e.getClass().getSimpleName()).isTrue();
            e.shutdown();
            HttpResponse<String> got = HTTP.send(HttpRequest.newBuilder(URI.create(c.url("http")
                    + "/api/3.0/mlflow/traces/get?trace_id=" + batch.traceId())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
            JsonNode trace = JSON.readTree(got.body()).path("trace");
            assertThat(trace.at("/trace_info/trace_id").asText()).isEqualTo(batch.traceId());
            assertThat(trace.path("spans")).hasSize(3);
        }

        // preStop, then SIGTERM, while four exporters (two per transport) keep sending; after
        // SIGTERM each stops at its first refused batch (a real one would retry on another replica).
        Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean terminating = new AtomicBoolean();
        List<String> failedBeforeSigterm = new CopyOnWriteArrayList<>();
        List<String> refusedAfterSigterm = new CopyOnWriteArrayList<>();
        ExecutorService senders = Executors.newFixedThreadPool(4);
        for (int s = 0; s < 4; s++) {
            int sender = s;
            senders.submit(() -> {
                SpanExporter exporter = sender % 2 == 0 ? grpc(c) : http(c);
                for (int batch = 0; ; batch++) {
                    boolean afterSigterm = terminating.get();
                    Traces.Batch spans = Traces.build("s" + sender + "-" + batch, 50, 500);
                    CompletableResultCode r = exporter.export(spans.spans()).join(15, TimeUnit.SECONDS);
                    if (r.isSuccess()) {
                        acknowledged.put(spans.traceId(), spans.spans().size());
                    } else if (afterSigterm || terminating.get()) {
                        refusedAfterSigterm.add(spans.traceId());
                        break;
                    } else {
                        failedBeforeSigterm.add(spans.traceId());
                    }
                }
                exporter.shutdown();
                return null;
            });
        }
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acknowledged.size() < 20 && System.nanoTime() < waitUntil) {
            Thread.sleep(20);
        }
        assertThat(acknowledged).as("batches acknowledged before the pod is stopped").hasSizeGreaterThanOrEqualTo(20);
        long stopping = System.nanoTime();
        // Log lines up to here are checked for warnings below; during the drain the gRPC server may
        // log a connection it accepted while its event loops were closing (Netty), which is benign.
        int linesBeforeStop = c.stdout.size();
        Podman.Result preStop = c.preStop();
        assertThat(preStop.exit()).as("preStop hook: %s", preStop).isZero();
        double preStopSeconds = (System.nanoTime() - stopping) / 1e9;
        terminating.set(true);
        c.sigterm();
        long left = TimeUnit.SECONDS.toNanos(m.graceSeconds()) - (System.nanoTime() - stopping);
        assertThat(c.process().waitFor(left, TimeUnit.NANOSECONDS))
                .as("container exits within the %d s grace period", m.graceSeconds()).isTrue();
        double seconds = (System.nanoTime() - stopping) / 1e9;
        int exit = c.process().exitValue();
        senders.shutdown();
        assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).as("senders stop once refused").isTrue();
        assertThat(failedBeforeSigterm).as("batches refused before SIGTERM (during preStop too)").isEmpty();
        assertThat(exit).as("exit status after SIGTERM (143: the JVM ended on the signal after its shutdown hooks)")
                .isIn(0, 143);

        Map<String, Integer> acked = new HashMap<>(acknowledged);
        try (Connection db = jdbc(); PreparedStatement ps = db.prepareStatement(
                "SELECT trace_id, count(*) FROM spans WHERE trace_id = ANY (?) GROUP BY trace_id")) {
            ps.setArray(1, db.createArrayOf("text", acked.keySet().toArray()));
            Map<String, Integer> stored = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(rs.getString(1), rs.getInt(2));
                }
            }
            assertThat(stored).as("every acknowledged batch is stored, exactly once").isEqualTo(acked);
        }

        // The logs are JSON (the ConfigMap), with no warning before the stop.
        List<String> warnings = new ArrayList<>();
        List<String> lines = List.copyOf(c.stdout);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            JsonNode entry = JSON.readTree(line);
            assertThat(entry.isObject() && entry.has("level") && entry.has("message")).as("JSON log line: %s", line).isTrue();
            if (i < linesBeforeStop && Set.of("WARN", "WARNING", "ERROR").contains(entry.path("level").asText())) {
                warnings.add(entry.path("loggerName").asText() + ": " + entry.path("message").asText());
            }
        }
        assertThat(warnings).as("warnings").isEmpty();
        assertThat(String.join("\n", c.stdout)).contains("tracebridge stopped").doesNotContain("still in flight after");
        System.out.printf("ContainerImageIT: image %s, %d MB; build step %.1f s; started in %.1f s; preStop %.1f s, "
                        + "exited %d after %.1f s of the %d s grace; %d batches acknowledged and stored, %d refused after SIGTERM%n",
                image.substring(0, 12), inspect.path("Size").asLong() / 1_000_000, buildSeconds,
                startup.toMillis() / 1000.0, preStopSeconds, exit, seconds, m.graceSeconds(), acked.size(), refusedAfterSigterm.size());
    }

    // ---------------------------------------------------------------------------------------

    private static OtlpGrpcSpanExporter grpc(ManifestContainer c) {
        return OtlpGrpcSpanExporter.builder().setEndpoint(c.url("otlp-grpc")).setTimeout(10, TimeUnit.SECONDS)
                .setRetryPolicy(null).build();
    }

    private static OtlpHttpSpanExporter http(ManifestContainer c) {
        return OtlpHttpSpanExporter.builder().setEndpoint(c.url("http") + "/v1/traces").setTimeout(10, TimeUnit.SECONDS)
                .setRetryPolicy(null).build();
    }

    private static String exec(ManifestContainer c, String... command) throws IOException, InterruptedException {
        Podman.Result r = c.exec(command);
        assertThat(r.exit()).as("podman exec %s: %s", String.join(" ", command), r.stderr()).isZero();
        return r.stdout().strip();
    }

    private static String podman(String... args) throws IOException, InterruptedException {
        Podman.Result r = Podman.run(Duration.ofMinutes(2), List.of(args));
        assertThat(r.exit()).as("podman %s: %s", String.join(" ", args), r.stderr()).isZero();
        return r.stdout();
    }

    private static Podman.Result command(Duration timeout, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        return new Podman.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static void emptyDatabase() throws Exception {
        try (Connection c = jdbc(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS public CASCADE");
            s.execute("CREATE SCHEMA public");
        }
    }

    private static Connection jdbc() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/" + DB, USER, PASSWORD);
    }
}
