package io.tracebridge.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Offline validation of the Kubernetes manifests in {@code k8s/}, no cluster needed:
 * <ol>
 *   <li>renders {@code k8s/base}, {@code k8s/overlays/dev} and {@code k8s/overlays/prod} with the
 *   subset of kustomize they use ({@link Kustomize}; any other kustomization field fails) and
 *   writes the renderings to {@code target/k8s/<name>.yaml}; where kubectl is installed, its
 *   {@code kubectl kustomize} output must equal ours;</li>
 *   <li>binds every rendered object, every object of {@code k8s/examples} and the Secrets of
 *   {@code secret.example.yaml} to fabric8's typed model, strictly: unknown fields (a typo such
 *   as {@code readinesProbe}), wrong JSON types, missing required fields, unsupported enum
 *   values, invalid ports, names and quantities fail ({@link ManifestValidator#validate});</li>
 *   <li>checks the references inside each rendering and each example file: selectors match pod
 *   labels, named ports and volumes exist, ConfigMaps, Secrets and keys exist (or are created
 *   outside the rendering, as listed in {@link #externalSecrets}), the HPA targets a workload
 *   ({@link ManifestValidator#references});</li>
 *   <li>proves that these checks fail, each on a manipulated copy of the real manifests.</li>
 * </ol>
 * All findings are reported together, one line each.
 */
class KubernetesManifestsTest {
    private static final Path REPO = Path.of("").toAbsolutePath();
    private static final Path K8S = REPO.resolve("k8s");
    private static final List<String> RENDERINGS = List.of("base", "dev", "prod");

    @Test
    void manifestsRenderAndAreValid() throws IOException {
        Result r = checkAll(K8S);
        Path out = REPO.resolve("target/k8s");
        Files.createDirectories(out);
        r.renderings.forEach((name, objects) -> write(out.resolve(name + ".yaml"), Kustomize.toYaml(objects)));

        assertThat(r.findings).withFailMessage(() -> r.findings.size() + " problem(s) in k8s/:\n  "
                + String.join("\n  ", r.findings)).isEmpty();
        assertThat(r.renderings.keySet()).containsExactlyElementsOf(RENDERINGS);
        System.out.printf("k8s manifests valid: %d objects in base, dev, prod and examples (renderings in target/k8s)%n",
                r.objects);
        // What target/k8s holds reads back as the rendering.
        for (String name : RENDERINGS) {
            assertThat(Kustomize.loadDocs(out.resolve(name + ".yaml"))).as(name).isEqualTo(r.renderings.get(name));
        }
    }

    @Test
    @Timeout(180)
    void renderingsEqualKubectlKustomize() throws Exception {
        assumeTrue(kubectlInstalled(), "kubectl is not installed: renderings not cross-checked");
        for (String name : RENDERINGS) {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir(K8S, name).toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("kubectl kustomize %s", name).isZero();
            assertThat(canonical(new Kustomize(REPO).render(dir(K8S, name))))
                    .as("%s rendering (ours, then kubectl kustomize's)", name)
                    .isEqualTo(canonical(Kustomize.parseDocs(yaml)));
        }
    }

    @Test
    void overlaysAreApplied() {
        List<Map<String, Object>> dev = render("dev");
        List<Map<String, Object>> prod = render("prod");
        for (Map<String, Object> o : dev) {
            assertThat(Kustomize.dig(o, "metadata.namespace")).as(Kustomize.id(o))
                    .isEqualTo("Namespace".equals(o.get("kind")) ? null : "tracebridge-dev");
        }
        Map<String, Object> devDeployment = find(dev, "Deployment", "tracebridge");
        // includeTemplates: the base's labels reach the pod template, not the selector.
        assertThat(Kustomize.dig(devDeployment, "spec.template.metadata.labels"))
                .asInstanceOf(MAP)
                .containsEntry("app.kubernetes.io/part-of", "tracebridge");
        assertThat(Kustomize.dig(devDeployment, "spec.selector.matchLabels"))
                .asInstanceOf(MAP)
                .doesNotContainKey("app.kubernetes.io/part-of");
        // Strategic merge by container name keeps the base's limits.
        Map<String, Object> devContainer = at(devDeployment, "spec.template.spec.containers[0]");
        assertThat(Kustomize.dig(devContainer, "resources.requests.cpu")).isEqualTo("250m");
        assertThat(Kustomize.dig(devContainer, "resources.limits.memory")).isEqualTo("768Mi");
        assertThat(Kustomize.dig(find(dev, "HorizontalPodAutoscaler", "tracebridge"), "spec.maxReplicas")).isEqualTo(1);

        Map<String, Object> prodDeployment = find(prod, "Deployment", "tracebridge");
        assertThat(Kustomize.dig(prodDeployment, "spec.replicas")).isEqualTo(2);
        Map<String, Object> prodContainer = at(prodDeployment, "spec.template.spec.containers[0]");
        assertThat(prodContainer.get("image")).isEqualTo("tracebridge:0.1.0-SNAPSHOT");
        // An env entry only the patch has comes first, as kustomize puts it.
        assertThat(Kustomize.dig(at(prodContainer, "env[0]"), "name")).isEqualTo("TRACEBRIDGE_AUTH_TOKENS");
        assertThat(Kustomize.dig(at(prodContainer, "env[1]"), "name")).isEqualTo("TRACEBRIDGE_DB_HOST");
        // maxUnavailable: null in the patch deletes the base's.
        assertThat(find(prod, "PodDisruptionBudget", "tracebridge").get("spec"))
                .isEqualTo(Map.of("minAvailable", 1, "selector", Map.of("matchLabels",
                        Map.of("app.kubernetes.io/name", "tracebridge", "app.kubernetes.io/component", "server"))));
        assertThat(Kustomize.dig(find(prod, "ConfigMap", "tracebridge-config"), "data.TRACEBRIDGE_AUTH_ENABLED"))
                .isEqualTo("true");
    }

    // ------------------------------------------------------------------ the renderer refuses

    @Test
    void kustomizationFieldOutsideTheSubsetFails(@TempDir Path tmp) throws IOException {
        Path copy = copyOfK8s(tmp);
        append(copy.resolve("overlays/dev/kustomization.yaml"),
                "configMapGenerator:\n  - name: extra\n    literals: [A=1]\n");
        assertThatThrownBy(() -> new Kustomize(tmp).render(copy.resolve("overlays/dev")))
                .isInstanceOf(Kustomize.RenderException.class)
                .hasMessage("k8s/overlays/dev/kustomization.yaml: field 'configMapGenerator' is not supported by this renderer");
    }

    @Test
    void patchWithTargetOrInlineFormFails(@TempDir Path tmp) throws IOException {
        Path copy = copyOfK8s(tmp);
        replace(copy.resolve("overlays/prod/kustomization.yaml"), "  - path: auth.yaml",
                "  - path: auth.yaml\n    target:\n      kind: Deployment");
        assertThatThrownBy(() -> new Kustomize(tmp).render(copy.resolve("overlays/prod")))
                .hasMessageContaining("k8s/overlays/prod/kustomization.yaml: patch field(s) [path, target] not supported");
    }

    @Test
    void patchThatMatchesNoObjectFails(@TempDir Path tmp) throws IOException {
        Path copy = copyOfK8s(tmp);
        replace(copy.resolve("overlays/prod/replicas.yaml"), "kind: PodDisruptionBudget\nmetadata:\n  name: tracebridge",
                "kind: PodDisruptionBudget\nmetadata:\n  name: tracebrigde");
        assertThatThrownBy(() -> new Kustomize(tmp).render(copy.resolve("overlays/prod")))
                .hasMessage("k8s/overlays/prod/kustomization.yaml: patch PodDisruptionBudget/tracebrigde matches 0 objects");
    }

    @Test
    void labelsIncludeSelectorsFails(@TempDir Path tmp) throws IOException {
        Path copy = copyOfK8s(tmp);
        replace(copy.resolve("base/kustomization.yaml"), "includeSelectors: false", "includeSelectors: true");
        assertThatThrownBy(() -> new Kustomize(tmp).render(copy.resolve("base")))
                .hasMessage("k8s/base/kustomization.yaml: labels.includeSelectors is not supported");
    }

    // ------------------------------------------------------------------ schema checks fail

    @Test
    void misspeltFieldInACopyOfTheManifestsFails(@TempDir Path tmp) throws IOException {
        Path copy = copyOfK8s(tmp);
        replace(copy.resolve("base/deployment.yaml"), "readinessProbe:", "readinesProbe:");
        Result r = checkAll(copy);
        String field = "unknown field spec.template.spec.containers[0].readinesProbe";
        assertThat(r.findings).containsExactlyInAnyOrder(
                "base Deployment/tracebridge: " + field,
                "dev Deployment/tracebridge-dev/tracebridge: " + field,
                "prod Deployment/tracebridge/tracebridge: " + field);
    }

    @Test
    void everyUnknownFieldIsReportedWithItsPath() {
        Map<String, Object> d = baseDeployment();
        Map<String, Object> c = at(d, "spec.template.spec.containers[0]");
        c.put("readinesProbe", c.remove("readinessProbe"));
        at(c, "ports[1]").put("containerPorts", 4318);
        at(d, "spec").put("replica", 2);
        at(d, "metadata").put("label", Map.of("a", "b"));
        assertThat(ManifestValidator.validate(d, "t")).containsExactlyInAnyOrder(
                "t: unknown field metadata.label",
                "t: unknown field spec.replica",
                "t: unknown field spec.template.spec.containers[0].ports[1].containerPorts",
                "t: unknown field spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void wronglyTypedFieldIsReported() {
        Map<String, Object> d = baseDeployment();
        at(d, "spec").put("replicas", "two");
        assertThat(ManifestValidator.validate(d, "t")).singleElement().asString()
                .startsWith("t: spec.replicas: ").contains("String value (\"two\")");
    }

    @Test
    void quotedNumberIsAWrongType() {
        Map<String, Object> d = baseDeployment();
        at(d, "spec").put("replicas", "2");
        assertThat(ManifestValidator.validate(d, "t")).singleElement().asString().startsWith("t: spec.replicas: ");
    }

    @Test
    void unquotedNumberForAStringIsAWrongType() {
        Map<String, Object> cm = find(render("base"), "ConfigMap", "tracebridge-config");
        at(cm, "data").put("TRACEBRIDGE_DB_POOL_SIZE", 16);
        assertThat(ManifestValidator.validate(cm, "t")).singleElement().asString()
                .startsWith("t: data.TRACEBRIDGE_DB_POOL_SIZE: ");
    }

    @Test
    void objectWhereAListBelongsIsAWrongType() {
        Map<String, Object> d = baseDeployment();
        Map<String, Object> spec = at(d, "spec.template.spec");
        spec.put("volumes", ((List<?>) spec.get("volumes")).get(0));
        assertThat(ManifestValidator.validate(d, "t")).singleElement().asString()
                .startsWith("t: spec.template.spec.volumes: ");
    }

    @Test
    void missingRequiredFieldsAreReported() {
        Map<String, Object> d = baseDeployment();
        at(d, "spec.template.spec.containers[0]").remove("image");
        at(d, "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef").remove("key");
        at(d, "metadata").remove("name");
        assertThat(ManifestValidator.validate(d, "t")).containsExactlyInAnyOrder(
                "t: metadata.name: required",
                "t: spec.template.spec.containers[0].image: required",
                "t: spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key: required");
    }

    @Test
    void unsupportedEnumValueIsReported() {
        Map<String, Object> d = baseDeployment();
        at(d, "spec.template.spec.containers[0]").put("imagePullPolicy", "Sometimes");
        assertThat(ManifestValidator.validate(d, "t")).containsExactly(
                "t: spec.template.spec.containers[0].imagePullPolicy: unsupported value 'Sometimes',"
                        + " expected one of [Always, IfNotPresent, Never]");
    }

    @Test
    void invalidPortsAreReported() {
        Map<String, Object> d = baseDeployment();
        at(d, "spec.template.spec.containers[0].ports[0]").put("containerPort", 70000);
        at(d, "spec.template.spec.containers[0].ports[1]").put("name", "otlp_grpc");
        assertThat(ManifestValidator.validate(d, "t")).containsExactlyInAnyOrder(
                "t: spec.template.spec.containers[0].ports[0].containerPort: 70000 is not a port number (1-65535)",
                "t: spec.template.spec.containers[0].ports[1].name: 'otlp_grpc' is not a valid port name"
                        + " (IANA_SVC_NAME: at most 15 lower-case letters, digits and single hyphens, at least one letter)");
    }

    @Test
    void invalidQuantityAndRequestAboveLimitAreReported() {
        Map<String, Object> d = baseDeployment();
        at(d, "spec.template.spec.containers[0].resources.requests").put("memory", "lots");
        at(d, "spec.template.spec.containers[0].resources.requests").put("cpu", "3");
        assertThat(ManifestValidator.validate(d, "t")).containsExactlyInAnyOrder(
                "t: spec.template.spec.containers[0].resources.requests.memory: 'lots' is not a quantity",
                "t: spec.template.spec.containers[0].resources.requests.cpu: request 3 exceeds the limit 2");
    }

    @Test
    void invalidNamesAndLabelsAreReported() {
        Map<String, Object> svc = find(render("base"), "Service", "tracebridge");
        at(svc, "metadata").put("name", "Tracebridge");
        at(svc, "metadata.labels").put("app.kubernetes.io/component", "server!");
        assertThat(ManifestValidator.validate(svc, "t")).containsExactlyInAnyOrder(
                "t: metadata.name: 'Tracebridge' is not a valid DNS-1035 label",
                "t: metadata.labels[app.kubernetes.io/component]: 'server!' is not a valid label value");
    }

    @Test
    void unknownKindIsReported() {
        Map<String, Object> d = baseDeployment();
        d.put("kind", "Deploymnet");
        assertThat(ManifestValidator.validate(d, "t")).containsExactly("t: apps/v1 Deploymnet is not a known Kubernetes type");
    }

    @Test
    void removedApiVersionIsReported() {
        Map<String, Object> pdb = find(render("base"), "PodDisruptionBudget", "tracebridge");
        pdb.put("apiVersion", "policy/v1beta1");
        assertThat(ManifestValidator.validate(pdb, "t"))
                .containsExactly("t: apiVersion policy/v1beta1 is no longer served (removed in Kubernetes 1.25)");
    }

    // ------------------------------------------------------------------ reference checks fail

    @Test
    void brokenSelectorIsReported() {
        List<Map<String, Object>> base = render("base");
        at(find(base, "Deployment", "tracebridge"), "spec.template.metadata.labels").put("app.kubernetes.io/component", "api");
        assertThat(references(base, "base")).containsExactlyInAnyOrder(
                "base Deployment/tracebridge: selector does not match the pod template's labels",
                "base Service/tracebridge: selector matches no pod template",
                "base Service/tracebridge: targetPort 'http' is no container port",
                "base Service/tracebridge: targetPort 'otlp-grpc' is no container port",
                "base PodDisruptionBudget/tracebridge: selector matches no pod template",
                "base NetworkPolicy/tracebridge: selector matches no pod template",
                "base NetworkPolicy/tracebridge: ingress port 'http' is no container port",
                "base NetworkPolicy/tracebridge: ingress port 'otlp-grpc' is no container port");
    }

    @Test
    void danglingProbePortIsReported() {
        List<Map<String, Object>> base = render("base");
        at(find(base, "Deployment", "tracebridge"), "spec.template.spec.containers[0].readinessProbe.httpGet").put("port", "htp");
        assertThat(references(base, "base"))
                .containsExactly("base Deployment/tracebridge: tracebridge.readinessProbe uses unknown port 'htp'");
    }

    @Test
    void missingConfigMapKeyIsReported() {
        List<Map<String, Object>> base = render("base");
        Map<String, Object> env = at(find(base, "Deployment", "tracebridge"), "spec.template.spec.containers[0].env[0]");
        env.put("valueFrom", Map.of("configMapKeyRef", Map.of("name", "tracebridge-config", "key", "TRACEBRIDGE_DB_HOST")));
        assertThat(references(base, "base")).containsExactly(
                "base Deployment/tracebridge: env TRACEBRIDGE_DB_HOST: ConfigMap key tracebridge-config/TRACEBRIDGE_DB_HOST missing");
    }

    @Test
    void missingConfigMapIsReported() {
        List<Map<String, Object>> base = render("base");
        base.remove(find(base, "ConfigMap", "tracebridge-config"));
        assertThat(references(base, "base"))
                .containsExactly("base Deployment/tracebridge: envFrom ConfigMap 'tracebridge-config' missing");
    }

    @Test
    void missingSecretKeyIsReported() {
        List<Map<String, Object>> dev = render("dev");
        at(find(dev, "Secret", "tracebridge-db"), "stringData").remove("username");
        assertThat(references(dev, "dev")).containsExactlyInAnyOrder(
                "dev Deployment/tracebridge-dev/tracebridge: env TRACEBRIDGE_DB_USER: Secret key tracebridge-db/username missing",
                "dev StatefulSet/tracebridge-dev/postgres: env POSTGRES_USER: Secret key tracebridge-db/username missing");
        // The prod overlay's Secrets are external: the keys of secret.example.yaml.
        List<Map<String, Object>> prod = render("prod");
        at(find(prod, "Deployment", "tracebridge"), "spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef")
                .put("key", "token");
        assertThat(references(prod, "prod")).containsExactly(
                "prod Deployment/tracebridge/tracebridge: env TRACEBRIDGE_AUTH_TOKENS: Secret key tracebridge-auth/token missing");
    }

    @Test
    void unknownVolumeMountIsReported() {
        List<Map<String, Object>> dev = render("dev");
        at(find(dev, "StatefulSet", "postgres"), "spec.volumeClaimTemplates[0].metadata").put("name", "pgdata");
        assertThat(references(dev, "dev"))
                .containsExactly("dev StatefulSet/tracebridge-dev/postgres: postgres mounts unknown volume 'data'");
    }

    @Test
    void hpaWithoutItsTargetIsReported() {
        List<Map<String, Object>> base = render("base");
        at(find(base, "HorizontalPodAutoscaler", "tracebridge"), "spec.scaleTargetRef").put("name", "tracebrige");
        at(find(base, "HorizontalPodAutoscaler", "tracebridge"), "spec").put("minReplicas", 4);
        assertThat(references(base, "base")).containsExactlyInAnyOrder(
                "base HorizontalPodAutoscaler/tracebridge: scaleTargetRef Deployment/tracebrige missing",
                "base HorizontalPodAutoscaler/tracebridge: minReplicas > maxReplicas");
    }

    @Test
    void hpaOnCpuWithoutCpuRequestIsReported() {
        List<Map<String, Object>> base = render("base");
        at(find(base, "Deployment", "tracebridge"), "spec.template.spec.containers[0].resources.requests").remove("cpu");
        assertThat(references(base, "base")).containsExactly("base HorizontalPodAutoscaler/tracebridge: cpu utilization"
                + " needs a cpu request on container tracebridge of Deployment/tracebridge");
    }

    @Test
    void pdbWithBothBoundsIsReported() {
        List<Map<String, Object>> prod = render("prod");
        at(find(prod, "PodDisruptionBudget", "tracebridge"), "spec").put("maxUnavailable", 1);
        assertThat(references(prod, "prod")).containsExactly(
                "prod PodDisruptionBudget/tracebridge/tracebridge: minAvailable and maxUnavailable are mutually exclusive");
    }

    @Test
    void danglingServiceAndNetworkPolicyPortsAreReported() {
        List<Map<String, Object>> dev = render("dev");
        at(find(dev, "Service", "postgres"), "spec.ports[0]").put("targetPort", "pg");
        at(find(dev, "NetworkPolicy", "postgres"), "spec.ingress[0].ports[0]").put("port", "pg");
        at(find(dev, "StatefulSet", "postgres"), "spec").put("serviceName", "postgresql");
        assertThat(references(dev, "dev")).containsExactlyInAnyOrder(
                "dev StatefulSet/tracebridge-dev/postgres: serviceName 'postgresql' is no Service",
                "dev Service/tracebridge-dev/postgres: targetPort 'pg' is no container port",
                "dev NetworkPolicy/tracebridge-dev/postgres: ingress port 'pg' is no container port");
    }

    @Test
    void brokenCollectorConfigInAnExampleIsReported(@TempDir Path tmp) throws IOException {
        Path copy = copyOfK8s(tmp);
        replace(copy.resolve("examples/otel-collector.yaml"), "          receivers: [otlp]", "          receivers: [otlp");
        assertThat(checkAll(copy).findings).singleElement().asString()
                .startsWith("examples/otel-collector.yaml ConfigMap/otel-collector-config: data.config.yaml is not YAML: ");
    }

    // ------------------------------------------------------------------ the checks, over k8s/

    /** The findings over a k8s/ directory, its renderings and how many objects were checked. */
    private record Result(List<String> findings, Map<String, List<Map<String, Object>>> renderings, int objects) {
    }

    private static Result checkAll(Path k8s) {
        Kustomize kustomize = new Kustomize(k8s.getParent());
        List<String> findings = new ArrayList<>();
        Map<String, List<Map<String, Object>>> renderings = new LinkedHashMap<>();
        int count = 0;
        for (String name : RENDERINGS) {
            List<Map<String, Object>> objects;
            try {
                objects = kustomize.render(dir(k8s, name));
            } catch (Kustomize.RenderException e) {
                findings.add(name + ": " + e.getMessage());
                continue;
            }
            renderings.put(name, objects);
            for (Map<String, Object> o : objects) {
                findings.addAll(ManifestValidator.validate(o, name + " " + Kustomize.id(o)));
            }
            findings.addAll(ManifestValidator.references(objects, name, externalSecrets(k8s, name)));
            count += objects.size();
        }
        // Not part of the prod rendering, but applied by hand next to it.
        for (Map<String, Object> o : Kustomize.loadDocs(k8s.resolve("overlays/prod/secret.example.yaml"))) {
            findings.addAll(ManifestValidator.validate(o, "prod secret.example.yaml " + Kustomize.id(o)));
            count++;
        }
        for (Path file : yamlFiles(k8s.resolve("examples"))) {
            String where = "examples/" + file.getFileName();
            List<Map<String, Object>> objects = Kustomize.loadDocs(file);
            for (Map<String, Object> o : objects) {
                findings.addAll(ManifestValidator.validate(o, where + " " + Kustomize.id(o)));
                if ("ConfigMap".equals(o.get("kind")) && o.get("data") instanceof Map<?, ?> data) {
                    data.forEach((k, v) -> {
                        if (String.valueOf(k).endsWith(".yaml")) {
                            try {
                                Kustomize.parseYaml(String.valueOf(v));
                            } catch (IOException e) {
                                findings.add(where + " " + Kustomize.id(o) + ": data." + k + " is not YAML: "
                                        + e.getMessage().lines().findFirst().orElse(""));
                            }
                        }
                    });
                }
            }
            findings.addAll(ManifestValidator.references(objects, where, Map.of()));
            count += objects.size();
        }
        return new Result(findings, renderings, count);
    }

    /**
     * The Secrets each rendering expects to exist without creating them, with their keys: base
     * leaves the database Secret to its overlays; prod expects those of secret.example.yaml.
     */
    private static Map<String, Set<String>> externalSecrets(Path k8s, String rendering) {
        return switch (rendering) {
            case "base" -> Map.of("tracebridge-db", Set.of("host", "port", "database", "username", "password"));
            case "prod" -> {
                Map<String, Set<String>> out = new TreeMap<>();
                for (Map<String, Object> s : Kustomize.loadDocs(k8s.resolve("overlays/prod/secret.example.yaml"))) {
                    Set<String> keys = new TreeSet<>();
                    for (String field : List.of("data", "stringData")) {
                        if (s.get(field) instanceof Map<?, ?> m) {
                            m.keySet().forEach(k -> keys.add(String.valueOf(k)));
                        }
                    }
                    out.put(String.valueOf(Kustomize.name(s)), keys);
                }
                yield out;
            }
            default -> Map.of();
        };
    }

    private static List<String> references(List<Map<String, Object>> objects, String rendering) {
        return ManifestValidator.references(objects, rendering, externalSecrets(K8S, rendering));
    }

    private static Path dir(Path k8s, String rendering) {
        return rendering.equals("base") ? k8s.resolve("base") : k8s.resolve("overlays").resolve(rendering);
    }

    private static List<Map<String, Object>> render(String rendering) {
        return new ArrayList<>(new Kustomize(REPO).render(dir(K8S, rendering)));
    }

    private static Map<String, Object> baseDeployment() {
        return find(render("base"), "Deployment", "tracebridge");
    }

    private static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(Kustomize.name(o)))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + "/" + name));
    }

    /** The map at a path such as {@code spec.template.spec.containers[0]}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> at(Map<String, Object> o, String path) {
        Object v = o;
        for (String part : path.split("\\.")) {
            String key = part.replaceAll("\\[\\d+]$", "");
            v = ((Map<String, Object>) v).get(key);
            if (!key.equals(part)) {
                v = ((List<Object>) v).get(Integer.parseInt(part.substring(key.length() + 1, part.length() - 1)));
            }
        }
        if (!(v instanceof Map<?, ?>)) {
            throw new AssertionError("no map at " + path);
        }
        return (Map<String, Object>) v;
    }

    /** Objects sorted by kind/namespace/name with sorted keys, for comparing renderings. */
    @SuppressWarnings("unchecked")
    private static String canonical(List<Map<String, Object>> objects) {
        List<Map<String, Object>> sorted = objects.stream().sorted(Comparator.comparing(Kustomize::id))
                .map(o -> (Map<String, Object>) sortKeys(o)).toList();
        return Kustomize.toYaml(sorted);
    }

    private static Object sortKeys(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), sortKeys(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(KubernetesManifestsTest::sortKeys).toList();
        }
        return v;
    }

    private static boolean kubectlInstalled() {
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path copyOfK8s(Path tmp) throws IOException {
        Path target = tmp.resolve("k8s");
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path p : files.toList()) {
                Path t = target.resolve(K8S.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return target;
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).as("%s contains %s", file, from).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, Files.readString(file) + text);
    }

    private static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
