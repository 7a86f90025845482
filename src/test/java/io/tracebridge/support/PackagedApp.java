package io.tracebridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application (target/quarkus-app, what the image runs), started as the Kubernetes
 * Deployment starts it: the ConfigMap's variables and JAVA_OPTS, plus the database variables.
 */
public final class PackagedApp implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final int httpPort;
    public final int grpcPort;
    public final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final Process process;
    private final String name;

    private PackagedApp(Process process, String name, int httpPort, int grpcPort) {
        this.process = process;
        this.name = name;
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
    }

    /** Starts a replica; {@code db} holds TRACEBRIDGE_DB_* variables, ports 0 pick free ones. */
    public static PackagedApp start(String name, Map<String, String> db, int httpPort, int grpcPort) throws IOException {
        JsonNode configMap = new ObjectMapper(new YAMLFactory()).readTree(new File("k8s/base/configmap.yaml"));
        Map<String, String> env = new HashMap<>();
        configMap.get("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        env.putAll(db);
        int http = httpPort == 0 ? freePort() : httpPort;
        int grpc = grpcPort == 0 ? freePort() : grpcPort;
        env.put("TRACEBRIDGE_HTTP_PORT", String.valueOf(http));
        env.put("TRACEBRIDGE_GRPC_PORT", String.valueOf(grpc));
        env.put("TRACEBRIDGE_HTTP_HOST", "127.0.0.1");
        env.put("TRACEBRIDGE_GRPC_HOST", "127.0.0.1");
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + "/bin/java");
        cmd.addAll(List.of(env.get("JAVA_OPTS").split("\\s+")));
        cmd.addAll(List.of("-jar", "target/quarkus-app/quarkus-run.jar"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(new File("target/packaged-app-" + name + ".stderr"));
        pb.environment().keySet().removeIf(k -> k.startsWith("TRACEBRIDGE_") || k.startsWith("QUARKUS_"));
        pb.environment().putAll(env);
        PackagedApp app = new PackagedApp(pb.start(), name, http, grpc);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(app.process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        app.stdout.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
        return app;
    }

    public static Map<String, String> db(String host, String port, String name, String user, String password) {
        return Map.of("TRACEBRIDGE_DB_HOST", host, "TRACEBRIDGE_DB_PORT", port, "TRACEBRIDGE_DB_NAME", name,
                "TRACEBRIDGE_DB_USER", user, "TRACEBRIDGE_DB_PASSWORD", password);
    }

    public Process process() {
        return process;
    }

    /** Waits until {@code /q/health/ready} answers 200. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("replica exited with " + process.exitValue() + ": " + stdout);
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                        + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("replica not ready after " + timeout + ": " + stdout);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        try {
            // Kept beside the stderr file for looking into a failed run.
            java.nio.file.Files.write(java.nio.file.Path.of("target/packaged-app-" + name + ".stdout"), List.copyOf(stdout));
        } catch (IOException ignored) {
            // only a diagnostic
        }
    }
}
