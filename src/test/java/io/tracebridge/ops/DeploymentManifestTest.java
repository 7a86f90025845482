package io.tracebridge.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The container image and the Kubernetes manifests agree with the application's configuration:
 * ports, env variable names, health and metrics paths, image version, shutdown timing. (The
 * paths are also requested from the running application in {@code OperationsEndpointsTest}, and
 * the manifests themselves are rendered and schema-checked by {@code KubernetesManifestsTest}.)
 */
class DeploymentManifestTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):([^}]*)}");
    /** Read by the image's entry point, not by the application. */
    private static final Set<String> IMAGE_ENV = Set.of("JAVA_OPTS");

    private final Map<String, String> properties = properties();
    private final Map<String, String> envDefaults = envDefaults();
    private final JsonNode deployment = yaml("k8s/base/deployment.yaml").get(0);
    private final JsonNode container = deployment.at("/spec/template/spec/containers/0");

    @Test
    void containerPortsAreTheApplicationsPorts() {
        assertThat(containerPort("http")).isEqualTo(defaultOf("quarkus.http.port"));
        assertThat(containerPort("otlp-grpc")).isEqualTo(defaultOf("quarkus.grpc.server.port")).isEqualTo(4317);
        JsonNode service = yaml("k8s/base/service.yaml").get(0);
        Map<String, JsonNode> ports = new HashMap<>();
        service.at("/spec/ports").forEach(p -> ports.put(p.get("name").asText(), p));
        assertThat(ports.keySet()).containsExactlyInAnyOrder("http", "otlp-grpc");
        assertThat(ports.get("http").get("targetPort").asText()).isEqualTo("http");
        assertThat(ports.get("http").get("port").asInt()).isEqualTo(containerPort("http"));
        assertThat(ports.get("http").get("appProtocol").asText()).isEqualTo("http");
        assertThat(ports.get("otlp-grpc").get("targetPort").asText()).isEqualTo("otlp-grpc");
        assertThat(ports.get("otlp-grpc").get("port").asInt()).isEqualTo(4317);
        // gRPC without TLS is HTTP/2 cleartext.
        assertThat(ports.get("otlp-grpc").get("appProtocol").asText()).isEqualTo("kubernetes.io/h2c");
        assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1port").asInt())
                .isEqualTo(containerPort("http"));
    }

    @Test
    void imageExposesAndSetsTheSamePorts() {
        String dockerfile = read("src/main/docker/Dockerfile.jvm");
        Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(dockerfile);
        assertThat(expose.find()).isTrue();
        assertThat(expose.group(1).trim().split("\\s+")).containsExactlyInAnyOrder(
                String.valueOf(containerPort("http")), String.valueOf(containerPort("otlp-grpc")));
        Map<String, String> env = dockerEnv(dockerfile);
        assertThat(env).containsEntry("TRACEBRIDGE_HTTP_PORT", String.valueOf(containerPort("http")))
                .containsEntry("TRACEBRIDGE_GRPC_PORT", String.valueOf(containerPort("otlp-grpc")));
        assertThat(envDefaults.keySet()).as("image env names the application reads")
                .containsAll(env.keySet().stream().filter(k -> !IMAGE_ENV.contains(k)).toList());
        // The manifests run the image as its own user.
        assertThat(dockerfile).contains("USER 185");
        assertThat(deployment.at("/spec/template/spec/securityContext/runAsUser").asInt()).isEqualTo(185);
        assertThat(dockerfile).contains("-jar /deployments/quarkus-run.jar");
    }

    @Test
    void everyEnvNameInTheManifestsIsASettingOfTheApplication() {
        List<String> names = new ArrayList<>();
        for (String file : manifestFiles()) {
            for (JsonNode doc : yaml(file)) {
                if ("ConfigMap".equals(doc.path("kind").asText()) && doc.path("metadata").path("name").asText().equals("tracebridge-config")) {
                    doc.get("data").fieldNames().forEachRemaining(names::add);
                }
                doc.at("/spec/template/spec/containers").forEach(c -> {
                    if (c.path("name").asText().equals("tracebridge")) {
                        c.path("env").forEach(e -> names.add(e.get("name").asText()));
                    }
                });
            }
        }
        assertThat(names).contains("TRACEBRIDGE_DB_HOST", "TRACEBRIDGE_DB_PASSWORD", "TRACEBRIDGE_LOG_JSON");
        for (String name : names) {
            assertThat(IMAGE_ENV.contains(name) || envDefaults.containsKey(name))
                    .as("%s is read by application.properties (or the image)", name).isTrue();
        }
    }

    @Test
    void configMapKeepsTheApplicationDefaultsExceptWhereKubernetesNeedsOthers() {
        JsonNode data = yaml("k8s/base/configmap.yaml").get(0).get("data");
        Map<String, String> differ = new HashMap<>();
        data.fields().forEachRemaining(e -> {
            if (!IMAGE_ENV.contains(e.getKey()) && !envDefaults.get(e.getKey()).equals(e.getValue().asText())) {
                differ.put(e.getKey(), e.getValue().asText());
            }
        });
        // JSON logs for the cluster's log collector; everything else as documented in the README.
        assertThat(differ).containsExactly(Map.entry("TRACEBRIDGE_LOG_JSON", "true"));
        assertThat(data.get("JAVA_OPTS").asText()).isEqualTo(dockerEnv(read("src/main/docker/Dockerfile.jvm")).get("JAVA_OPTS"));
    }

    @Test
    void everyEnvSettingIsDocumentedInTheReadme() {
        String readme = read("README.md");
        for (String name : envDefaults.keySet()) {
            if (!name.startsWith("TRACEBRIDGE_TEST_")) {
                assertThat(readme).as("README documents %s", name).contains("`" + name + "`");
            }
        }
    }

    @Test
    void probesAndMetricsUseTheApplicationsPaths() {
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(container.get(probe).at("/httpGet/port").asText()).isEqualTo("http");
        }
        assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1path").asText())
                .isEqualTo(properties.get("quarkus.micrometer.export.prometheus.path"));
    }

    @Test
    void terminationGraceCoversPreStopAndTheDrain() {
        int grace = deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asInt();
        JsonNode cmd = container.at("/lifecycle/preStop/exec/command");
        assertThat(cmd.get(0).asText()).isEqualTo("sleep");
        int preStop = cmd.get(1).asInt();
        String timeout = yaml("k8s/base/configmap.yaml").get(0).at("/data/TRACEBRIDGE_SHUTDOWN_TIMEOUT").asText();
        assertThat(timeout).isEqualTo(envDefaults.get("TRACEBRIDGE_SHUTDOWN_TIMEOUT"));
        long drain = Duration.parse("PT" + timeout.toUpperCase()).toSeconds();
        assertThat((long) grace).isGreaterThan(preStop + drain);
    }

    @Test
    void manifestsUseTheImageOfThisVersion() {
        Matcher v = Pattern.compile("<artifactId>tracebridge</artifactId>\\s*<version>([^<]+)</version>").matcher(read("pom.xml"));
        assertThat(v.find()).isTrue();
        assertThat(container.get("image").asText()).isEqualTo("tracebridge:" + v.group(1));
        JsonNode prod = yaml("k8s/overlays/prod/kustomization.yaml").get(0);
        assertThat(prod.at("/images/0/name").asText()).isEqualTo("tracebridge");
        assertThat(prod.at("/images/0/newTag").asText()).isEqualTo(v.group(1));
        assertThat(read("src/main/docker/Dockerfile.jvm")).contains("-t tracebridge:" + v.group(1));
    }

    // ---------------------------------------------------------------------------------------

    private int containerPort(String name) {
        for (JsonNode p : container.get("ports")) {
            if (p.get("name").asText().equals(name)) {
                return p.get("containerPort").asInt();
            }
        }
        throw new AssertionError("no container port " + name);
    }

    private int defaultOf(String property) {
        Matcher m = ENV_REF.matcher(properties.get(property));
        assertThat(m.matches()).as("%s is ${ENV:default}", property).isTrue();
        return Integer.parseInt(m.group(2));
    }

    private static Map<String, String> properties() {
        Map<String, String> out = new HashMap<>();
        for (String line : read("src/main/resources/application.properties").split("\n")) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && !line.startsWith("%") && eq > 0) {
                out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return out;
    }

    /** Env variables application.properties reads, with their defaults. */
    private static Map<String, String> envDefaults() {
        Map<String, String> out = new HashMap<>();
        Matcher m = ENV_REF.matcher(read("src/main/resources/application.properties"));
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static Map<String, String> dockerEnv(String dockerfile) {
        Map<String, String> env = new HashMap<>();
        Matcher block = Pattern.compile("(?ms)^ENV (.+?)(?<!\\\\)$").matcher(dockerfile);
        while (block.find()) {
            Matcher kv = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(block.group(1));
            while (kv.find()) {
                env.put(kv.group(1), kv.group(2).replaceAll("^\"|\"$", ""));
            }
        }
        return env;
    }

    private static List<String> manifestFiles() {
        try (Stream<Path> files = Files.walk(Path.of("k8s"))) {
            return files.map(Path::toString).filter(f -> f.endsWith(".yaml") && !f.endsWith("kustomization.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> yaml(String file) {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(Path.of(file).toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> {
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(file, e);
        }
        return docs;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
