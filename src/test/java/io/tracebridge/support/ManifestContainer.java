package io.tracebridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code tracebridge} container of k8s/base's Deployment, run with podman
 * ({@code scripts/podman.sh}) as a kubelet runs it, every setting read from the manifests: user,
 * group and fsGroup, read-only root filesystem with the emptyDir volumes as tmpfs mounts of their
 * size limit, dropped and added capabilities, no privilege escalation, CPU and memory limits,
 * the environment (ConfigMaps through envFrom, Secret keys from values the test gives), command
 * and args, the probes, the preStop hook and the termination grace period.
 * <p>
 * One difference: host networking, so that the container reaches the host's PostgreSQL on
 * 127.0.0.1. The container's ports are therefore free host ports, set through the port
 * variables the image sets ({@link #PORT_ENV}), and the servers bind to 127.0.0.1.
 * <p>
 * A container, security context or volume setting this class does not know how to reproduce
 * fails the start, so the manifests cannot gain a setting that the test silently ignores.
 */
public final class ManifestContainer implements AutoCloseable {
    /** The variable that sets each named container port (the image sets them to the manifest's ports). */
    public static final Map<String, String> PORT_ENV = Map.of("http", "TRACEBRIDGE_HTTP_PORT", "otlp-grpc", "TRACEBRIDGE_GRPC_PORT");
    private static final Map<String, String> BIND_ENV = Map.of("http", "TRACEBRIDGE_HTTP_HOST", "otlp-grpc", "TRACEBRIDGE_GRPC_HOST");
    private static final Set<String> CONTAINER_KEYS = Set.of("name", "image", "imagePullPolicy", "ports", "envFrom", "env",
            "startupProbe", "livenessProbe", "readinessProbe", "lifecycle", "resources", "securityContext", "volumeMounts",
            "command", "args");
    private static final Set<String> POD_SECURITY_KEYS = Set.of("runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup",
            "supplementalGroups", "seccompProfile");
    private static final Set<String> CONTAINER_SECURITY_KEYS = Set.of("runAsNonRoot", "runAsUser", "runAsGroup",
            "allowPrivilegeEscalation", "readOnlyRootFilesystem", "capabilities", "seccompProfile", "privileged");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The Deployment's pod spec and its {@code tracebridge} container, and the objects they refer to. */
    public record Manifests(Map<String, JsonNode> objects, JsonNode pod, JsonNode container) {
        /** Reads every object in {@code dir}'s YAML files (kustomization files aside). */
        public static Manifests load(Path dir, String deployment, String container) {
            Map<String, JsonNode> objects = new LinkedHashMap<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml")).sorted().toList()) {
                    try (YAMLParser parser = new YAMLFactory().createParser(f.toFile())) {
                        YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> {
                            if (d != null && d.isObject()) {
                                objects.put(d.path("kind").asText() + "/" + d.at("/metadata/name").asText(), d);
                            }
                        });
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            JsonNode pod = objects.get("Deployment/" + deployment).at("/spec/template/spec");
            for (JsonNode c : pod.path("containers")) {
                if (c.path("name").asText().equals(container)) {
                    return new Manifests(objects, pod, c);
                }
            }
            throw new AssertionError("no container " + container + " in Deployment " + deployment);
        }

        /** Named container ports. */
        public Map<String, Integer> ports() {
            Map<String, Integer> ports = new LinkedHashMap<>();
            container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
            return ports;
        }

        /** A security context field, the container's over the pod's (Kubernetes' precedence). */
        public JsonNode security(String field) {
            JsonNode own = container.at("/securityContext/" + field);
            return own.isMissingNode() ? pod.at("/securityContext/" + field) : own;
        }

        public int graceSeconds() {
            JsonNode g = pod.path("terminationGracePeriodSeconds");
            return g.isMissingNode() ? 30 : g.asInt();
        }
    }

    public final Manifests manifests;
    public final String name;
    public final Map<String, Integer> hostPorts;
    public final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    public final List<String> podmanArgs;
    private final Process process;

    private ManifestContainer(Manifests manifests, String name, Map<String, Integer> hostPorts, List<String> podmanArgs,
                              Process process) {
        this.manifests = manifests;
        this.name = name;
        this.hostPorts = hostPorts;
        this.podmanArgs = podmanArgs;
        this.process = process;
    }

    /**
     * Starts {@code image} as the manifests' container; {@code secrets} holds, per Secret name,
     * the keys the manifests read from it.
     */
    public static ManifestContainer start(Manifests m, String image, String name, Map<String, Map<String, String>> secrets)
            throws IOException {
        JsonNode c = m.container();
        c.fieldNames().forEachRemaining(k -> {
            if (!CONTAINER_KEYS.contains(k)) {
                throw new AssertionError("container setting '" + k + "' is not reproduced by ManifestContainer: add it there");
            }
        });
        m.pod().path("securityContext").fieldNames().forEachRemaining(k -> {
            if (!POD_SECURITY_KEYS.contains(k)) {
                throw new AssertionError("pod securityContext." + k + " is not reproduced by ManifestContainer: add it there");
            }
        });
        c.path("securityContext").fieldNames().forEachRemaining(k -> {
            if (!CONTAINER_SECURITY_KEYS.contains(k)) {
                throw new AssertionError("container securityContext." + k + " is not reproduced by ManifestContainer: add it there");
            }
        });

        List<String> args = new ArrayList<>(List.of("run", "--rm", "--pull", "never", "--name", name, "--network", "host"));
        // User and groups.
        JsonNode uid = m.security("runAsUser");
        JsonNode gid = m.security("runAsGroup");
        if (m.security("runAsNonRoot").asBoolean(false)) {
            if (uid.isMissingNode() || uid.asInt() == 0) {
                throw new AssertionError("runAsNonRoot needs a numeric non-root runAsUser (the kubelet cannot check a user name)");
            }
        }
        if (!uid.isMissingNode()) {
            args.addAll(List.of("--user", uid.asText() + (gid.isMissingNode() ? "" : ":" + gid.asText())));
        }
        JsonNode fsGroup = m.pod().at("/securityContext/fsGroup");
        if (!fsGroup.isMissingNode()) {
            args.addAll(List.of("--group-add", fsGroup.asText()));
        }
        m.pod().at("/securityContext/supplementalGroups").forEach(g -> args.addAll(List.of("--group-add", g.asText())));
        // Filesystem: read-only root, the volumes the container mounts.
        if (m.security("readOnlyRootFilesystem").asBoolean(false)) {
            // podman's --read-only would otherwise add writable tmpfs mounts of its own (/tmp, /run, /var/tmp).
            args.addAll(List.of("--read-only", "--read-only-tmpfs=false"));
        }
        for (JsonNode mount : c.path("volumeMounts")) {
            JsonNode volume = null;
            for (JsonNode v : m.pod().path("volumes")) {
                if (v.path("name").asText().equals(mount.path("name").asText())) {
                    volume = v;
                }
            }
            if (volume == null || !volume.has("emptyDir")) {
                throw new AssertionError("volume " + mount.path("name").asText() + " is not an emptyDir: ManifestContainer mounts only those");
            }
            // An emptyDir is an empty, world-writable directory, executable (native libraries unpack there).
            String options = "rw,exec,nosuid,nodev,mode=1777";
            JsonNode limit = volume.at("/emptyDir/sizeLimit");
            if (!limit.isMissingNode()) {
                options += ",size=" + bytes(limit.asText());
            }
            args.addAll(List.of("--tmpfs", mount.path("mountPath").asText() + ":" + options
                    + (mount.path("readOnly").asBoolean(false) ? ",ro" : "")));
        }
        // Privileges.
        if (m.security("privileged").asBoolean(false)) {
            args.add("--privileged");
        }
        m.security("capabilities").path("drop").forEach(cap -> args.addAll(List.of("--cap-drop", cap.asText())));
        m.security("capabilities").path("add").forEach(cap -> args.addAll(List.of("--cap-add", cap.asText())));
        if (!m.security("allowPrivilegeEscalation").asBoolean(true)) {
            args.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        JsonNode seccomp = m.security("seccompProfile");
        if (!seccomp.isMissingNode() && !seccomp.path("type").asText().equals("RuntimeDefault")) {
            throw new AssertionError("seccompProfile " + seccomp + ": ManifestContainer runs podman's default profile only");
        }
        // Limits (requests only matter to the scheduler). No swap, as on a kubelet.
        JsonNode limits = c.at("/resources/limits");
        if (limits.has("memory")) {
            long memory = bytes(limits.get("memory").asText());
            args.addAll(List.of("--memory", memory + "b", "--memory-swap", memory + "b"));
        }
        if (limits.has("cpu")) {
            args.addAll(List.of("--cpus", cpus(limits.get("cpu").asText())));
        }
        // Environment: envFrom, then env over it (Kubernetes' precedence), then the ports.
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : c.path("envFrom")) {
            String prefix = from.path("prefix").asText("");
            if (from.has("configMapRef")) {
                configMap(m, from.at("/configMapRef/name").asText()).fields()
                        .forEachRemaining(e -> env.put(prefix + e.getKey(), e.getValue().asText()));
            } else if (from.has("secretRef")) {
                secret(secrets, from.at("/secretRef/name").asText()).forEach((k, v) -> env.put(prefix + k, v));
            } else {
                throw new AssertionError("envFrom " + from + " is not reproduced by ManifestContainer");
            }
        }
        for (JsonNode e : c.path("env")) {
            String key = e.path("name").asText();
            if (e.has("value")) {
                env.put(key, e.get("value").asText());
            } else if (e.at("/valueFrom/secretKeyRef").isObject()) {
                JsonNode ref = e.at("/valueFrom/secretKeyRef");
                String value = secret(secrets, ref.path("name").asText()).get(ref.path("key").asText());
                if (value == null) {
                    throw new AssertionError(key + ": the test gives no key '" + ref.path("key").asText() + "' of Secret "
                            + ref.path("name").asText());
                }
                env.put(key, value);
            } else if (e.at("/valueFrom/configMapKeyRef").isObject()) {
                JsonNode ref = e.at("/valueFrom/configMapKeyRef");
                env.put(key, configMap(m, ref.path("name").asText()).path(ref.path("key").asText()).asText());
            } else {
                throw new AssertionError("env " + e + " is not reproduced by ManifestContainer");
            }
        }
        Map<String, Integer> hostPorts = new LinkedHashMap<>();
        m.ports().forEach((portName, containerPort) -> {
            String variable = PORT_ENV.get(portName);
            if (variable == null) {
                throw new AssertionError("container port " + portName + ": ManifestContainer.PORT_ENV does not say which variable sets it");
            }
            int port = PackagedApp.freePort();
            hostPorts.put(portName, port);
            env.put(variable, String.valueOf(port));
            env.put(BIND_ENV.get(portName), "127.0.0.1");
        });
        env.forEach((k, v) -> args.addAll(List.of("-e", k + "=" + v)));
        if (c.has("command")) {
            args.addAll(List.of("--entrypoint", c.get("command").toString()));
        }
        args.add(image);
        c.path("args").forEach(a -> args.add(a.asText()));

        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/podman.sh"));
        cmd.addAll(args);
        Process process = new ProcessBuilder(cmd).redirectError(new File("target/container-" + name + ".stderr")).start();
        ManifestContainer container = new ManifestContainer(m, name, hostPorts, List.copyOf(args), process);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        container.stdout.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the container ended
            }
        }, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
        return container;
    }

    /** {@code http://127.0.0.1:<host port>} of a named container port. */
    public String url(String portName) {
        Integer port = hostPorts.get(portName);
        if (port == null) {
            throw new AssertionError("no container port named " + portName);
        }
        return "http://127.0.0.1:" + port;
    }

    /** The URL a probe's httpGet calls. */
    public String probeUrl(String probe) {
        JsonNode get = manifests.container().at("/" + probe + "/httpGet");
        if (!get.isObject()) {
            throw new AssertionError(probe + " is not an httpGet probe");
        }
        String port = get.path("port").asText();
        Integer number = null;
        for (Map.Entry<String, Integer> p : manifests.ports().entrySet()) {
            if (p.getKey().equals(port) || String.valueOf(p.getValue()).equals(port)) {
                number = hostPorts.get(p.getKey());
            }
        }
        if (number == null) {
            throw new AssertionError(probe + " calls port " + port + ", which the container does not declare");
        }
        return "http://127.0.0.1:" + number + get.path("path").asText("/");
    }

    /** One probe attempt, as the kubelet makes it: success is a 2xx or 3xx answer within timeoutSeconds. */
    public boolean probe(String probe) {
        int timeout = manifests.container().at("/" + probe + "/timeoutSeconds").asInt(1);
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(probeUrl(probe)))
                    .timeout(Duration.ofSeconds(timeout)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() >= 200 && r.statusCode() < 400;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Waits until a probe succeeds, for as long as the kubelet would before giving up
     * (periodSeconds × failureThreshold, defaults 10 × 3); returns how long it took.
     */
    public Duration awaitProbe(String probe) throws InterruptedException {
        JsonNode p = manifests.container().path(probe);
        long allowed = (long) p.path("periodSeconds").asInt(10) * p.path("failureThreshold").asInt(3);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(allowed);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("container exited with " + process.exitValue() + " before its " + probe
                        + " succeeded; see target/container-" + name + ".stderr: " + stdout);
            }
            if (probe(probe)) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(200);
        }
        throw new AssertionError(probe + " failed for " + allowed + " s: " + stdout);
    }

    /** Runs a command in the container (as its user), like an exec hook or probe. */
    public Podman.Result exec(String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("exec", name));
        args.addAll(List.of(command));
        return Podman.run(Duration.ofSeconds(60), args);
    }

    /** Runs the preStop exec hook, as the kubelet does before it sends SIGTERM. */
    public Podman.Result preStop() throws IOException, InterruptedException {
        JsonNode command = manifests.container().at("/lifecycle/preStop/exec/command");
        List<String> cmd = new ArrayList<>();
        command.forEach(a -> cmd.add(a.asText()));
        return cmd.isEmpty() ? new Podman.Result(0, "", "") : exec(cmd.toArray(String[]::new));
    }

    /** Sends SIGTERM to the container's main process, as the kubelet does after preStop. */
    public void sigterm() throws IOException, InterruptedException {
        Podman.Result r = Podman.run(Duration.ofSeconds(30), List.of("kill", "--signal", "TERM", name));
        if (r.exit() != 0) {
            throw new AssertionError("podman kill: " + r);
        }
    }

    public Process process() {
        return process;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Podman.run(Duration.ofSeconds(60), List.of("rm", "--force", "--ignore", "--time", "0", name));
        process.waitFor(30, TimeUnit.SECONDS);
        // Kept beside the stderr file for looking into a failed run.
        Files.write(Path.of("target/container-" + name + ".stdout"), List.copyOf(stdout));
    }

    // ---------------------------------------------------------------------------------------

    private static JsonNode configMap(Manifests m, String name) {
        JsonNode cm = m.objects().get("ConfigMap/" + name);
        if (cm == null) {
            throw new AssertionError("no ConfigMap " + name + " in the manifests");
        }
        return cm.path("data");
    }

    private static Map<String, String> secret(Map<String, Map<String, String>> secrets, String name) {
        Map<String, String> s = secrets.get(name);
        if (s == null) {
            throw new AssertionError("the manifests read Secret " + name + ", which the test does not give");
        }
        return s;
    }

    private static final Pattern QUANTITY = Pattern.compile("([0-9.]+)([KMGT]i|[kMGT])?");

    /** A Kubernetes memory quantity (64Mi, 1G, 1000) in bytes. */
    static long bytes(String quantity) {
        Matcher q = QUANTITY.matcher(quantity);
        if (!q.matches()) {
            throw new AssertionError("quantity " + quantity + " not understood");
        }
        String unit = q.group(2) == null ? "" : q.group(2);
        long factor = switch (unit) {
            case "" -> 1L;
            case "k" -> 1000L;
            case "M" -> 1000L * 1000;
            case "G" -> 1000L * 1000 * 1000;
            case "T" -> 1000L * 1000 * 1000 * 1000;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            default -> 1L << 40;
        };
        return new BigDecimal(q.group(1)).multiply(BigDecimal.valueOf(factor)).longValueExact();
    }

    /** A Kubernetes CPU quantity (2, 500m) as podman's --cpus. */
    static String cpus(String quantity) {
        return quantity.endsWith("m")
                ? new BigDecimal(quantity.substring(0, quantity.length() - 1)).movePointLeft(3).toPlainString()
                : new BigDecimal(quantity).toPlainString();
    }

    /** podman through scripts/podman.sh (runc, the project's containers.conf). */
    public static final class Podman {
        private Podman() {
        }

        public record Result(int exit, String stdout, String stderr) {
        }

        public static Result run(Duration timeout, List<String> args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("bash", "scripts/podman.sh"));
            cmd.addAll(args);
            Path out = Files.createTempFile("podman", ".out");
            Path err = Files.createTempFile("podman", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("podman " + String.join(" ", args) + " took over " + timeout);
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }
}
