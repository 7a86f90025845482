package io.tracebridge.ops;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapEnvSource;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.GRPCAction;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretEnvSource;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSetUpdateStrategy;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetSpec;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSetUpdateStrategy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingPolicy;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HPAScalingRules;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.fabric8.kubernetes.api.model.autoscaling.v2.ResourceMetricSource;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fabric8.kubernetes.internal.KubernetesDeserializer;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.BeanDeserializerBuilder;
import tools.jackson.databind.deser.DeserializationProblemHandler;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Validates Kubernetes objects offline with fabric8's typed model. Each method returns findings,
 * one readable line each ({@code "<where>: <path>: <problem>"}); none means valid.
 *
 * <ul>
 *   <li>{@link #validate}: the object's apiVersion/kind must be a type of the model, and the object
 *   must bind to that class strictly: no unknown field anywhere (fabric8 would keep it in
 *   {@code additionalProperties}; here its any-setters are removed and every unknown field is
 *   reported with its path), no value of the wrong JSON type (no coercion of {@code "2"} to 2
 *   or of 2 to {@code "2"}). Then explicit rules from the Kubernetes API, walked over the typed
 *   object: required fields, enumerations, port ranges and names, object/label/key syntax,
 *   quantities, one-of fields, requests within limits, and apiVersions Kubernetes removed.</li>
 *   <li>{@link #references}: references inside one rendering: selectors match pod templates,
 *   named ports and volumes exist, ConfigMaps, Secrets and their keys exist (or are listed as
 *   created outside the rendering), the HPA targets a workload.</li>
 * </ul>
 */
final class ManifestValidator {
    private static final String FINDINGS = ManifestValidator.class.getName() + ".findings";
    /** fabric8's own apiVersion/kind to class registry (every model jar on the class path). */
    private static final KubernetesDeserializer KINDS = new KubernetesDeserializer();

    /** Binds strictly and hands unknown fields to {@link UnknownFields} instead of any-setters. */
    private static final JsonMapper STRICT = JsonMapper.builder()
            .addModule(new SimpleModule("no-any-setters").setDeserializerModifier(new NoAnySetters()))
            .addHandler(new UnknownFields())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Float, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .build();
    /** fabric8's default binding, for the reference checks: never fails on unknown fields. */
    private static final JsonMapper LENIENT = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** apiVersions the model still has but Kubernetes no longer serves, and since when. */
    private static final Map<String, String> REMOVED_API_VERSIONS = Map.of(
            "extensions/v1beta1", "1.22", "apps/v1beta1", "1.16", "apps/v1beta2", "1.16",
            "policy/v1beta1", "1.25", "autoscaling/v2beta1", "1.25", "autoscaling/v2beta2", "1.26",
            "batch/v1beta1", "1.25", "networking.k8s.io/v1beta1", "1.22",
            "rbac.authorization.k8s.io/v1beta1", "1.22");

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    private static final Pattern PERCENT = Pattern.compile("[0-9]+%");
    private static final Pattern QUANTITY = Pattern.compile(
            "[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?");

    private ManifestValidator() {
    }

    // ======================================================================== schema

    /** Findings for one object: its type, strict binding and the API's rules. */
    static List<String> validate(Map<String, Object> object, String where) {
        List<String> found = new ArrayList<>();
        if (!(object.get("apiVersion") instanceof String apiVersion) || !(object.get("kind") instanceof String kind)) {
            return List.of(where + ": object without apiVersion/kind");
        }
        Class<? extends KubernetesResource> type = KINDS.getRegisteredKind(apiVersion, kind);
        if (type == null || !HasMetadata.class.isAssignableFrom(type)) {
            return List.of(where + ": " + apiVersion + " " + kind + " is not a known Kubernetes type");
        }
        if (REMOVED_API_VERSIONS.containsKey(apiVersion)) {
            found.add("apiVersion " + apiVersion + " is no longer served (removed in Kubernetes "
                    + REMOVED_API_VERSIONS.get(apiVersion) + ")");
        }
        HasMetadata typed = null;
        try {
            JsonNode tree = STRICT.valueToTree(object);
            typed = STRICT.readerFor(type).withAttribute(FINDINGS, found).readValue(tree);
        } catch (DatabindException e) {
            found.add(path(e.getPath()) + ": " + firstLine(e.getOriginalMessage()));
        }
        if (typed != null) {
            checkRoot(typed, new Ctx("", found));
            new Walker(found).walk(typed, "");
        }
        return found.stream().map(f -> where + ": " + f).toList();
    }

    private static void checkRoot(HasMetadata o, Ctx c) {
        ObjectMeta m = o.getMetadata();
        if (m == null || blank(m.getName())) {
            c.fail("metadata.name", "required");
            return;
        }
        boolean label = o instanceof Service || "Namespace".equals(o.getKind());
        Pattern p = o instanceof Service ? DNS1035_LABEL : label ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
        if (!p.matcher(m.getName()).matches() || m.getName().length() > (label ? 63 : 253)) {
            c.fail("metadata.name", "'" + m.getName() + "' is not a valid " + (o instanceof Service
                    ? "DNS-1035 label" : label ? "DNS-1123 label" : "DNS-1123 subdomain"));
        }
        if (m.getNamespace() != null) {
            dnsLabel(c, "metadata.namespace", m.getNamespace());
        }
    }

    /** Walks a typed object along its JSON properties and applies {@link #RULES} with paths. */
    private static final class Walker {
        private final List<String> out;

        Walker(List<String> out) {
            this.out = out;
        }

        void walk(Object value, String path) {
            if (value == null) {
                return;
            }
            if (value instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    walk(l.get(i), path + "[" + i + "]");
                }
                return;
            }
            if (value instanceof Map<?, ?> m) {
                m.forEach((k, v) -> walk(v, join(path, String.valueOf(k))));
                return;
            }
            if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model.")) {
                return;
            }
            Ctx ctx = new Ctx(path, out);
            for (Class<?> k = value.getClass(); k != null && k != Object.class; k = k.getSuperclass()) {
                for (BiConsumer<Object, Ctx> rule : RULES.getOrDefault(k, List.of())) {
                    rule.accept(value, ctx);
                }
            }
            for (Map.Entry<String, Field> p : properties(value.getClass()).entrySet()) {
                walk(read(p.getValue(), value), join(path, p.getKey()));
            }
        }
    }

    /** Where a rule is, and where its findings go. */
    private record Ctx(String path, List<String> out) {
        /** A finding at {@code relative} (a path such as {@code ports[0].name}, or "") below this path. */
        void fail(String relative, String message) {
            out.add(concat(path, relative) + ": " + message);
        }
    }

    // ------------------------------------------------------------------------ the API's rules

    private static final Map<Class<?>, List<BiConsumer<Object, Ctx>>> RULES = new HashMap<>();
    /** Declared before the rules: {@link #required} reads it while they are set up. */
    private static final Map<Class<?>, Map<String, Field>> PROPERTIES = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    private static <T> void rule(Class<T> type, BiConsumer<T, Ctx> rule) {
        RULES.computeIfAbsent(type, k -> new ArrayList<>()).add((o, c) -> rule.accept((T) o, c));
    }

    /** The JSON properties that must be set (non-empty) on every object of the type. */
    private static void required(Class<?> type, String... names) {
        for (String name : names) {
            if (!properties(type).containsKey(name)) {
                throw new IllegalStateException(type.getSimpleName() + " has no property " + name);
            }
        }
        rule(type, (o, c) -> {
            for (String name : names) {
                Object v = read(properties(type).get(name), o);
                if (v == null || v instanceof String s && s.isEmpty() || v instanceof Collection<?> l && l.isEmpty()) {
                    c.fail(name, "required");
                }
            }
        });
    }

    /** The values a string (or list of strings) property may take. */
    private static void oneOf(Class<?> type, String name, String... values) {
        Set<String> allowed = new LinkedHashSet<>(List.of(values));
        Field f = Objects.requireNonNull(properties(type).get(name), type.getSimpleName() + "." + name);
        rule(type, (o, c) -> {
            Object v = read(f, o);
            List<?> vs = v instanceof List<?> l ? l : v == null ? List.of() : List.of(v);
            for (Object x : vs) {
                if (!allowed.contains(x)) {
                    c.fail(name, "unsupported value '" + x + "', expected one of " + allowed);
                }
            }
        });
    }

    /** At most (or, with {@code exactlyOne}, exactly) one of the properties is set. */
    private static void exclusive(Class<?> type, boolean exactlyOne, String... names) {
        rule(type, (o, c) -> {
            List<String> set = Stream.of(names).filter(n -> read(properties(type).get(n), o) != null).toList();
            if (set.size() > 1 || exactlyOne && set.isEmpty()) {
                c.fail("", (exactlyOne ? "exactly one of " : "at most one of ") + List.of(names)
                        + " must be set" + (set.isEmpty() ? "" : ", found " + set));
            }
        });
    }

    static {
        // ---- core/v1
        required(Container.class, "name", "image");
        required(ContainerPort.class, "containerPort");
        required(EnvVar.class, "name");
        required(ConfigMapKeySelector.class, "name", "key");
        required(SecretKeySelector.class, "name", "key");
        required(ConfigMapEnvSource.class, "name");
        required(SecretEnvSource.class, "name");
        required(ConfigMapVolumeSource.class, "name");
        required(SecretVolumeSource.class, "secretName");
        required(ObjectFieldSelector.class, "fieldPath");
        required(ResourceFieldSelector.class, "resource");
        required(KeyToPath.class, "key", "path");
        required(VolumeMount.class, "name", "mountPath");
        required(Volume.class, "name");
        required(PersistentVolumeClaimVolumeSource.class, "claimName");
        required(HTTPGetAction.class, "port");
        required(TCPSocketAction.class, "port");
        required(GRPCAction.class, "port");
        required(PodSpec.class, "containers");
        required(ServicePort.class, "port");
        required(TopologySpreadConstraint.class, "maxSkew", "topologyKey", "whenUnsatisfiable");
        required(LabelSelectorRequirement.class, "key", "operator");
        required(NodeSelectorRequirement.class, "key", "operator");
        required(SeccompProfile.class, "type");
        required(LocalObjectReference.class, "name");
        oneOf(Container.class, "imagePullPolicy", "Always", "IfNotPresent", "Never");
        oneOf(Container.class, "terminationMessagePolicy", "File", "FallbackToLogsOnError");
        oneOf(Container.class, "restartPolicy", "Always");
        oneOf(ContainerPort.class, "protocol", "TCP", "UDP", "SCTP");
        oneOf(ServicePort.class, "protocol", "TCP", "UDP", "SCTP");
        oneOf(ServiceSpec.class, "type", "ClusterIP", "NodePort", "LoadBalancer", "ExternalName");
        oneOf(ServiceSpec.class, "sessionAffinity", "ClientIP", "None");
        oneOf(ServiceSpec.class, "externalTrafficPolicy", "Cluster", "Local");
        oneOf(ServiceSpec.class, "internalTrafficPolicy", "Cluster", "Local");
        oneOf(ServiceSpec.class, "ipFamilyPolicy", "SingleStack", "PreferDualStack", "RequireDualStack");
        oneOf(PodSpec.class, "restartPolicy", "Always", "OnFailure", "Never");
        oneOf(PodSpec.class, "dnsPolicy", "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None");
        oneOf(PodSpec.class, "preemptionPolicy", "Never", "PreemptLowerPriority");
        oneOf(PodSecurityContext.class, "fsGroupChangePolicy", "OnRootMismatch", "Always");
        oneOf(SeccompProfile.class, "type", "Localhost", "RuntimeDefault", "Unconfined");
        oneOf(TopologySpreadConstraint.class, "whenUnsatisfiable", "DoNotSchedule", "ScheduleAnyway");
        oneOf(TopologySpreadConstraint.class, "nodeAffinityPolicy", "Honor", "Ignore");
        oneOf(TopologySpreadConstraint.class, "nodeTaintsPolicy", "Honor", "Ignore");
        oneOf(LabelSelectorRequirement.class, "operator", "In", "NotIn", "Exists", "DoesNotExist");
        oneOf(NodeSelectorRequirement.class, "operator", "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");
        oneOf(Toleration.class, "operator", "Exists", "Equal");
        oneOf(Toleration.class, "effect", "NoSchedule", "PreferNoSchedule", "NoExecute");
        oneOf(HTTPGetAction.class, "scheme", "HTTP", "HTTPS");
        oneOf(VolumeMount.class, "mountPropagation", "None", "HostToContainer", "Bidirectional");
        oneOf(PersistentVolumeClaimSpec.class, "accessModes",
                "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");
        oneOf(PersistentVolumeClaimSpec.class, "volumeMode", "Block", "Filesystem");
        exclusive(EnvFromSource.class, true, "configMapRef", "secretRef");
        exclusive(EnvVarSource.class, true, "configMapKeyRef", "secretKeyRef", "fieldRef", "resourceFieldRef", "fileKeyRef");
        exclusive(Probe.class, true, "exec", "httpGet", "tcpSocket", "grpc");
        exclusive(LifecycleHandler.class, true, "exec", "httpGet", "tcpSocket", "sleep");
        rule(EnvVar.class, (e, c) -> {
            if (e.getValue() != null && e.getValueFrom() != null) {
                c.fail("", "value and valueFrom are mutually exclusive");
            }
        });
        rule(ObjectMeta.class, (m, c) -> {
            labels(c, "labels", m.getLabels());
            if (m.getAnnotations() != null) {
                m.getAnnotations().keySet().forEach(k -> qualifiedName(c, join("annotations", k), k));
            }
        });
        rule(LabelSelector.class, (s, c) -> labels(c, "matchLabels", s.getMatchLabels()));
        rule(Container.class, (ct, c) -> {
            if (ct.getName() != null) {
                dnsLabel(c, "name", ct.getName());
            }
            duplicates(c, "ports", ct.getPorts(), ContainerPort::getName);
            duplicates(c, "volumeMounts", ct.getVolumeMounts(), VolumeMount::getMountPath);
        });
        rule(ContainerPort.class, (p, c) -> {
            port(c, "containerPort", p.getContainerPort());
            if (p.getHostPort() != null) {
                port(c, "hostPort", p.getHostPort());
            }
            if (p.getName() != null) {
                ianaName(c, "name", p.getName());
            }
        });
        rule(PodSpec.class, (s, c) -> {
            List<Container> all = new ArrayList<>(nonNull(s.getInitContainers()));
            all.addAll(nonNull(s.getContainers()));
            duplicates(c, "containers", all, Container::getName);
            duplicates(c, "volumes", s.getVolumes(), Volume::getName);
            if (s.getTerminationGracePeriodSeconds() != null && s.getTerminationGracePeriodSeconds() < 0) {
                c.fail("terminationGracePeriodSeconds", "must be >= 0");
            }
        });
        rule(Volume.class, (v, c) -> {
            if (v.getName() != null) {
                dnsLabel(c, "name", v.getName());
            }
            List<String> sources = properties(Volume.class).keySet().stream()
                    .filter(n -> !n.equals("name") && read(properties(Volume.class).get(n), v) != null).toList();
            if (sources.size() != 1) {
                c.fail("", "exactly one volume source must be set, found " + sources);
            }
        });
        rule(Probe.class, (p, c) -> {
            atLeast(c, "periodSeconds", p.getPeriodSeconds(), 1);
            atLeast(c, "timeoutSeconds", p.getTimeoutSeconds(), 1);
            atLeast(c, "failureThreshold", p.getFailureThreshold(), 1);
            atLeast(c, "successThreshold", p.getSuccessThreshold(), 1);
            atLeast(c, "initialDelaySeconds", p.getInitialDelaySeconds(), 0);
        });
        rule(HTTPGetAction.class, (a, c) -> intOrName(c, "port", a.getPort()));
        rule(TCPSocketAction.class, (a, c) -> intOrName(c, "port", a.getPort()));
        rule(GRPCAction.class, (a, c) -> port(c, "port", a.getPort()));
        rule(ServiceSpec.class, (s, c) -> {
            labels(c, "selector", s.getSelector());
            List<ServicePort> ports = nonNull(s.getPorts());
            if (ports.size() > 1) {
                for (int i = 0; i < ports.size(); i++) {
                    if (blank(ports.get(i).getName())) {
                        c.fail("ports[" + i + "].name", "required when a Service has more than one port");
                    }
                }
            }
            duplicates(c, "ports", ports, ServicePort::getName);
        });
        rule(ServicePort.class, (p, c) -> {
            port(c, "port", p.getPort());
            if (p.getNodePort() != null) {
                port(c, "nodePort", p.getNodePort());
            }
            if (p.getTargetPort() != null) {
                intOrName(c, "targetPort", p.getTargetPort());
            }
            if (p.getName() != null) {
                dnsLabel(c, "name", p.getName());
            }
        });
        rule(ResourceRequirements.class, (r, c) -> {
            if (r.getRequests() == null || r.getLimits() == null) {
                return;
            }
            r.getRequests().forEach((name, request) -> {
                Quantity limit = r.getLimits().get(name);
                BigDecimal req = amount(request);
                BigDecimal lim = amount(limit);
                if (req != null && lim != null && req.compareTo(lim) > 0) {
                    c.fail(join("requests", name), "request " + request + " exceeds the limit " + limit);
                }
            });
        });
        rule(Quantity.class, (q, c) -> {
            if (amount(q) == null) {
                c.fail("", "'" + q + "' is not a quantity");
            }
        });
        rule(IntOrString.class, (v, c) -> {
            if (!(v.getValue() instanceof Integer || v.getValue() instanceof String)) {
                c.fail("", "expected an integer or a string, found " + v.getValue());
            }
        });
        rule(TopologySpreadConstraint.class, (t, c) -> atLeast(c, "maxSkew", t.getMaxSkew(), 1));
        rule(ConfigMap.class, (m, c) -> {
            keys(c, "data", m.getData());
            keys(c, "binaryData", m.getBinaryData());
        });
        rule(Secret.class, (s, c) -> {
            keys(c, "data", s.getData());
            keys(c, "stringData", s.getStringData());
            if (s.getData() != null) {
                s.getData().forEach((k, v) -> {
                    try {
                        Base64.getDecoder().decode(v);
                    } catch (IllegalArgumentException e) {
                        c.fail(join("data", k), "not base64 (use stringData for plain text)");
                    }
                });
            }
        });
        // ---- apps/v1
        required(DeploymentSpec.class, "selector", "template");
        required(StatefulSetSpec.class, "selector", "template");
        required(DaemonSetSpec.class, "selector", "template");
        required(ReplicaSetSpec.class, "selector");
        oneOf(DeploymentStrategy.class, "type", "Recreate", "RollingUpdate");
        oneOf(StatefulSetUpdateStrategy.class, "type", "OnDelete", "RollingUpdate");
        oneOf(DaemonSetUpdateStrategy.class, "type", "OnDelete", "RollingUpdate");
        oneOf(StatefulSetSpec.class, "podManagementPolicy", "OrderedReady", "Parallel");
        rule(DeploymentSpec.class, (s, c) -> {
            atLeast(c, "replicas", s.getReplicas(), 0);
            atLeast(c, "revisionHistoryLimit", s.getRevisionHistoryLimit(), 0);
        });
        rule(StatefulSetSpec.class, (s, c) -> {
            atLeast(c, "replicas", s.getReplicas(), 0);
            List<PersistentVolumeClaim> claims = nonNull(s.getVolumeClaimTemplates());
            for (int i = 0; i < claims.size(); i++) {
                if (claims.get(i).getMetadata() == null || blank(claims.get(i).getMetadata().getName())) {
                    c.fail("volumeClaimTemplates[" + i + "].metadata.name", "required");
                }
            }
        });
        rule(RollingUpdateDeployment.class, (r, c) -> {
            for (String f : List.of("maxSurge", "maxUnavailable")) {
                IntOrString v = (IntOrString) read(properties(RollingUpdateDeployment.class).get(f), r);
                if (v != null) {
                    countOrPercent(c, f, v);
                }
            }
            if (isZero(r.getMaxSurge()) && isZero(r.getMaxUnavailable())) {
                c.fail("", "maxSurge and maxUnavailable may not both be 0");
            }
        });
        // ---- autoscaling/v2
        required(HorizontalPodAutoscalerSpec.class, "scaleTargetRef", "maxReplicas");
        required(CrossVersionObjectReference.class, "kind", "name");
        required(MetricSpec.class, "type");
        required(ResourceMetricSource.class, "name", "target");
        required(MetricTarget.class, "type");
        required(HPAScalingPolicy.class, "type", "value", "periodSeconds");
        oneOf(MetricSpec.class, "type", "ContainerResource", "External", "Object", "Pods", "Resource");
        oneOf(MetricTarget.class, "type", "AverageValue", "Utilization", "Value");
        oneOf(HPAScalingPolicy.class, "type", "Pods", "Percent");
        oneOf(HPAScalingRules.class, "selectPolicy", "Max", "Min", "Disabled");
        rule(HorizontalPodAutoscalerSpec.class, (s, c) -> {
            atLeast(c, "minReplicas", s.getMinReplicas(), 1);
            atLeast(c, "maxReplicas", s.getMaxReplicas(), 1);
        });
        rule(MetricSpec.class, (m, c) -> {
            if (m.getType() == null) {
                return;
            }
            String source = Character.toLowerCase(m.getType().charAt(0)) + m.getType().substring(1);
            Field f = properties(MetricSpec.class).get(source);
            if (f != null && read(f, m) == null) {
                c.fail(source, "required for type " + m.getType());
            }
        });
        rule(MetricTarget.class, (t, c) -> {
            String needed = "Utilization".equals(t.getType()) ? "averageUtilization"
                    : "AverageValue".equals(t.getType()) ? "averageValue" : "Value".equals(t.getType()) ? "value" : null;
            if (needed != null && read(properties(MetricTarget.class).get(needed), t) == null) {
                c.fail(needed, "required for type " + t.getType());
            }
        });
        // ---- policy/v1
        oneOf(PodDisruptionBudgetSpec.class, "unhealthyPodEvictionPolicy", "IfHealthyBudget", "AlwaysAllow");
        rule(PodDisruptionBudgetSpec.class, (s, c) -> {
            if (s.getMinAvailable() != null) {
                countOrPercent(c, "minAvailable", s.getMinAvailable());
            }
            if (s.getMaxUnavailable() != null) {
                countOrPercent(c, "maxUnavailable", s.getMaxUnavailable());
            }
        });
        // ---- networking.k8s.io/v1
        required(IPBlock.class, "cidr");
        oneOf(NetworkPolicySpec.class, "policyTypes", "Ingress", "Egress");
        oneOf(NetworkPolicyPort.class, "protocol", "TCP", "UDP", "SCTP");
        rule(NetworkPolicyPort.class, (p, c) -> {
            if (p.getPort() != null) {
                intOrName(c, "port", p.getPort());
            }
            if (p.getEndPort() != null && (p.getPort() == null || p.getPort().getIntVal() == null
                    || p.getEndPort() < p.getPort().getIntVal())) {
                c.fail("endPort", "needs a numeric port no greater than it");
            }
        });
        // ---- batch/v1
        required(JobSpec.class, "template");
        required(CronJobSpec.class, "schedule", "jobTemplate");
        oneOf(JobSpec.class, "completionMode", "NonIndexed", "Indexed");
        oneOf(CronJobSpec.class, "concurrencyPolicy", "Allow", "Forbid", "Replace");
    }

    private static void port(Ctx c, String name, Integer port) {
        if (port != null && (port < 1 || port > 65535)) {
            c.fail(name, port + " is not a port number (1-65535)");
        }
    }

    private static void intOrName(Ctx c, String name, IntOrString v) {
        if (v.getValue() instanceof Integer i) {
            port(c, name, i);
        } else if (v.getValue() instanceof String s) {
            ianaName(c, name, s);
        }
    }

    private static void ianaName(Ctx c, String name, String value) {
        if (value.length() > 15 || !IANA_SVC_NAME.matcher(value).matches() || value.contains("--")
                || value.chars().noneMatch(Character::isLetter)) {
            c.fail(name, "'" + value + "' is not a valid port name (IANA_SVC_NAME: at most 15 lower-case"
                    + " letters, digits and single hyphens, at least one letter)");
        }
    }

    private static void dnsLabel(Ctx c, String name, String value) {
        if (value.length() > 63 || !DNS1123_LABEL.matcher(value).matches()) {
            c.fail(name, "'" + value + "' is not a valid DNS-1123 label");
        }
    }

    private static void qualifiedName(Ctx c, String at, String key) {
        int slash = key.indexOf('/');
        String prefix = slash >= 0 ? key.substring(0, slash) : null;
        String name = slash >= 0 ? key.substring(slash + 1) : key;
        if (prefix != null && (prefix.length() > 253 || !DNS1123_SUBDOMAIN.matcher(prefix).matches())
                || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
            c.fail(at, "'" + key + "' is not a valid qualified name");
        }
    }

    private static void labels(Ctx c, String name, Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        labels.forEach((k, v) -> {
            qualifiedName(c, join(name, k), k);
            if (v == null || v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
                c.fail(join(name, k), "'" + v + "' is not a valid label value");
            }
        });
    }

    private static void keys(Ctx c, String name, Map<String, String> data) {
        if (data != null) {
            data.keySet().stream().filter(k -> k.length() > 253 || !CONFIG_KEY.matcher(k).matches())
                    .forEach(k -> c.fail(join(name, k), "'" + k + "' is not a valid key"));
        }
    }

    private static void countOrPercent(Ctx c, String name, IntOrString v) {
        if (v.getValue() instanceof Integer i && i < 0
                || v.getValue() instanceof String s && !PERCENT.matcher(s).matches()) {
            c.fail(name, "'" + v.getValue() + "' is neither a count >= 0 nor a percentage");
        }
    }

    private static boolean isZero(IntOrString v) {
        return v != null && (Integer.valueOf(0).equals(v.getValue()) || "0%".equals(v.getValue()));
    }

    private static void atLeast(Ctx c, String name, Integer value, int min) {
        if (value != null && value < min) {
            c.fail(name, "must be >= " + min);
        }
    }

    private static <T> void duplicates(Ctx c, String name, List<T> items, Function<T, String> key) {
        Set<String> seen = new HashSet<>();
        for (T item : nonNull(items)) {
            String k = key.apply(item);
            if (k != null && !seen.add(k)) {
                c.fail(name, "duplicate '" + k + "'");
            }
        }
    }

    private static BigDecimal amount(Quantity q) {
        if (q == null || !QUANTITY.matcher(q.toString()).matches()) {
            return null;
        }
        try {
            return Quantity.getAmountInBytes(q);
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ======================================================================== references

    /**
     * Findings for the references between the objects of one rendering (or one file).
     *
     * @param externalSecrets Secrets created outside the rendering, name to keys
     */
    static List<String> references(List<Map<String, Object>> raw, String name, Map<String, Set<String>> externalSecrets) {
        List<HasMetadata> objects = raw.stream().map(ManifestValidator::lenient).toList();
        List<String> out = new ArrayList<>();
        Refs refs = new Refs(objects, externalSecrets);
        for (HasMetadata w : objects) {
            PodTemplateSpec template = templateOf(w);
            if (template == null || template.getSpec() == null) {
                continue;
            }
            String where = name + " " + id(w);
            PodSpec pod = template.getSpec();
            Map<String, String> labels = template.getMetadata() == null ? null : template.getMetadata().getLabels();
            LabelSelector selector = selectorOf(w);
            if (selector != null && nonNull(selector.getMatchLabels()).isEmpty() && nonNull(selector.getMatchExpressions()).isEmpty()) {
                out.add(where + ": selector is empty");
            } else if (selector != null && !matches(selector, labels)) {
                out.add(where + ": selector does not match the pod template's labels");
            }
            String ns = namespace(w);
            Set<String> volumes = new HashSet<>();
            nonNull(pod.getVolumes()).forEach(v -> volumes.add(v.getName()));
            if (w instanceof StatefulSet s && s.getSpec() != null) {
                nonNull(s.getSpec().getVolumeClaimTemplates()).stream().filter(p -> p.getMetadata() != null)
                        .forEach(p -> volumes.add(p.getMetadata().getName()));
            }
            for (Container c : containersOf(pod)) {
                Set<String> ports = new HashSet<>();
                nonNull(c.getPorts()).stream().map(ContainerPort::getName).filter(Objects::nonNull).forEach(ports::add);
                Map<String, Object> handlers = new LinkedHashMap<>();
                handlers.put("startupProbe", c.getStartupProbe());
                handlers.put("livenessProbe", c.getLivenessProbe());
                handlers.put("readinessProbe", c.getReadinessProbe());
                Lifecycle lc = c.getLifecycle();
                handlers.put("lifecycle.postStart", lc == null ? null : lc.getPostStart());
                handlers.put("lifecycle.preStop", lc == null ? null : lc.getPreStop());
                handlers.forEach((what, h) -> {
                    IntOrString p = h instanceof Probe pr ? handlerPort(pr.getHttpGet(), pr.getTcpSocket())
                            : h instanceof LifecycleHandler lh ? handlerPort(lh.getHttpGet(), lh.getTcpSocket()) : null;
                    if (p != null && p.getStrVal() != null && !ports.contains(p.getStrVal())) {
                        out.add(where + ": " + c.getName() + "." + what + " uses unknown port '" + p.getStrVal() + "'");
                    }
                });
                for (VolumeMount vm : nonNull(c.getVolumeMounts())) {
                    if (!volumes.contains(vm.getName())) {
                        out.add(where + ": " + c.getName() + " mounts unknown volume '" + vm.getName() + "'");
                    }
                }
                for (EnvFromSource ef : nonNull(c.getEnvFrom())) {
                    ConfigMapEnvSource cm = ef.getConfigMapRef();
                    if (cm != null && !Boolean.TRUE.equals(cm.getOptional()) && refs.configMap(cm.getName(), ns) == null) {
                        out.add(where + ": envFrom ConfigMap '" + cm.getName() + "' missing");
                    }
                    SecretEnvSource s = ef.getSecretRef();
                    if (s != null && !Boolean.TRUE.equals(s.getOptional()) && refs.secretKeys(s.getName(), ns) == null) {
                        out.add(where + ": envFrom Secret '" + s.getName() + "' missing");
                    }
                }
                for (EnvVar e : nonNull(c.getEnv())) {
                    ConfigMapKeySelector cm = e.getValueFrom() == null ? null : e.getValueFrom().getConfigMapKeyRef();
                    if (cm != null && !Boolean.TRUE.equals(cm.getOptional())
                            && !nonNull(refs.configMapKeys(cm.getName(), ns)).contains(cm.getKey())) {
                        out.add(where + ": env " + e.getName() + ": ConfigMap key " + cm.getName() + "/" + cm.getKey() + " missing");
                    }
                    SecretKeySelector s = e.getValueFrom() == null ? null : e.getValueFrom().getSecretKeyRef();
                    if (s != null && !Boolean.TRUE.equals(s.getOptional())
                            && !nonNull(refs.secretKeys(s.getName(), ns)).contains(s.getKey())) {
                        out.add(where + ": env " + e.getName() + ": Secret key " + s.getName() + "/" + s.getKey() + " missing");
                    }
                }
            }
            for (Volume v : nonNull(pod.getVolumes())) {
                ConfigMapVolumeSource cm = v.getConfigMap();
                if (cm != null && !Boolean.TRUE.equals(cm.getOptional())) {
                    Set<String> keys = refs.configMapKeys(cm.getName(), ns);
                    if (keys == null) {
                        out.add(where + ": volume " + v.getName() + ": ConfigMap '" + cm.getName() + "' missing");
                    } else {
                        nonNull(cm.getItems()).stream().filter(i -> !keys.contains(i.getKey())).forEach(i -> out.add(
                                where + ": volume " + v.getName() + ": ConfigMap key " + cm.getName() + "/" + i.getKey() + " missing"));
                    }
                }
                SecretVolumeSource s = v.getSecret();
                if (s != null && !Boolean.TRUE.equals(s.getOptional())) {
                    Set<String> keys = refs.secretKeys(s.getSecretName(), ns);
                    if (keys == null) {
                        out.add(where + ": volume " + v.getName() + ": Secret '" + s.getSecretName() + "' missing");
                    } else {
                        nonNull(s.getItems()).stream().filter(i -> !keys.contains(i.getKey())).forEach(i -> out.add(
                                where + ": volume " + v.getName() + ": Secret key " + s.getSecretName() + "/" + i.getKey() + " missing"));
                    }
                }
            }
            String sa = pod.getServiceAccountName();
            if (sa != null && !sa.equals("default") && refs.find("ServiceAccount", sa, ns) == null) {
                out.add(where + ": serviceAccountName '" + sa + "' missing");
            }
            if (w instanceof StatefulSet s && s.getSpec() != null && s.getSpec().getServiceName() != null
                    && refs.find("Service", s.getSpec().getServiceName(), ns) == null) {
                out.add(where + ": serviceName '" + s.getSpec().getServiceName() + "' is no Service");
            }
        }
        for (HasMetadata o : objects) {
            String where = name + " " + id(o);
            String ns = namespace(o);
            if (o instanceof Service s && s.getSpec() != null && !nonNull(s.getSpec().getSelector()).isEmpty()) {
                List<PodTemplateSpec> pods = refs.podsSelectedBy(t -> matches(s.getSpec().getSelector(), t), ns);
                if (pods.isEmpty()) {
                    out.add(where + ": selector matches no pod template");
                }
                Set<String> named = namedPorts(pods);
                for (ServicePort p : nonNull(s.getSpec().getPorts())) {
                    if (p.getTargetPort() != null && p.getTargetPort().getStrVal() != null && !named.contains(p.getTargetPort().getStrVal())) {
                        out.add(where + ": targetPort '" + p.getTargetPort().getStrVal() + "' is no container port");
                    }
                }
            }
            if (o instanceof HorizontalPodAutoscaler h && h.getSpec() != null && h.getSpec().getScaleTargetRef() != null) {
                CrossVersionObjectReference t = h.getSpec().getScaleTargetRef();
                HasMetadata target = refs.find(t.getKind(), t.getName(), ns);
                if (target == null) {
                    out.add(where + ": scaleTargetRef " + t.getKind() + "/" + t.getName() + " missing");
                } else if (!(target instanceof Deployment || target instanceof StatefulSet || target instanceof ReplicaSet)) {
                    out.add(where + ": scaleTargetRef " + t.getKind() + "/" + t.getName() + " is no scalable workload");
                } else if (t.getApiVersion() != null
                        && !Kustomize.group(t.getApiVersion()).equals(Kustomize.group(target.getApiVersion()))) {
                    out.add(where + ": scaleTargetRef apiVersion " + t.getApiVersion() + " is not " + target.getApiVersion());
                } else {
                    PodTemplateSpec pt = templateOf(target);
                    for (MetricSpec m : nonNull(h.getSpec().getMetrics())) {
                        ResourceMetricSource r = m.getResource();
                        if (r != null && r.getTarget() != null && "Utilization".equals(r.getTarget().getType()) && pt != null && pt.getSpec() != null) {
                            for (Container c : nonNull(pt.getSpec().getContainers())) {
                                if (c.getResources() == null || c.getResources().getRequests() == null
                                        || !c.getResources().getRequests().containsKey(r.getName())) {
                                    out.add(where + ": " + r.getName() + " utilization needs a " + r.getName()
                                            + " request on container " + c.getName() + " of " + t.getKind() + "/" + t.getName());
                                }
                            }
                        }
                    }
                }
                int min = h.getSpec().getMinReplicas() == null ? 1 : h.getSpec().getMinReplicas();
                if (h.getSpec().getMaxReplicas() != null && min > h.getSpec().getMaxReplicas()) {
                    out.add(where + ": minReplicas > maxReplicas");
                }
            }
            if (o instanceof PodDisruptionBudget || o instanceof NetworkPolicy) {
                LabelSelector sel = o instanceof PodDisruptionBudget p ? (p.getSpec() == null ? null : p.getSpec().getSelector())
                        : ((NetworkPolicy) o).getSpec() == null ? null : ((NetworkPolicy) o).getSpec().getPodSelector();
                List<PodTemplateSpec> pods = refs.podsSelectedBy(t -> matches(sel, t), ns);
                if (pods.isEmpty()) {
                    out.add(where + ": selector matches no pod template");
                }
                if (o instanceof NetworkPolicy np && np.getSpec() != null) {
                    Set<String> named = namedPorts(pods);
                    for (NetworkPolicyIngressRule rule : nonNull(np.getSpec().getIngress())) {
                        for (NetworkPolicyPort p : nonNull(rule.getPorts())) {
                            if (p.getPort() != null && p.getPort().getStrVal() != null && !named.contains(p.getPort().getStrVal())) {
                                out.add(where + ": ingress port '" + p.getPort().getStrVal() + "' is no container port");
                            }
                        }
                    }
                }
            }
            if (o instanceof PodDisruptionBudget p && p.getSpec() != null
                    && p.getSpec().getMinAvailable() != null && p.getSpec().getMaxUnavailable() != null) {
                out.add(where + ": minAvailable and maxUnavailable are mutually exclusive");
            }
        }
        return out;
    }

    /** Look-ups of one rendering's objects. */
    private record Refs(List<HasMetadata> objects, Map<String, Set<String>> externalSecrets) {
        HasMetadata find(String kind, String name, String ns) {
            return objects.stream().filter(o -> Objects.equals(o.getKind(), kind) && o.getMetadata() != null
                    && Objects.equals(o.getMetadata().getName(), name) && Objects.equals(namespace(o), ns))
                    .findFirst().orElse(null);
        }

        ConfigMap configMap(String name, String ns) {
            return find("ConfigMap", name, ns) instanceof ConfigMap m ? m : null;
        }

        /** Keys of a ConfigMap of the rendering, or null without one. */
        Set<String> configMapKeys(String name, String ns) {
            ConfigMap m = configMap(name, ns);
            if (m == null) {
                return null;
            }
            Set<String> keys = new HashSet<>(nonNull(m.getData()).keySet());
            keys.addAll(nonNull(m.getBinaryData()).keySet());
            return keys;
        }

        /** Keys of a Secret of the rendering or an external one, or null without one. */
        Set<String> secretKeys(String name, String ns) {
            if (find("Secret", name, ns) instanceof Secret s) {
                Set<String> keys = new HashSet<>(nonNull(s.getData()).keySet());
                keys.addAll(nonNull(s.getStringData()).keySet());
                return keys;
            }
            return externalSecrets.get(name);
        }

        List<PodTemplateSpec> podsSelectedBy(Predicate<Map<String, String>> selects, String ns) {
            List<PodTemplateSpec> out = new ArrayList<>();
            for (HasMetadata w : objects) {
                PodTemplateSpec t = templateOf(w);
                if (t != null && Objects.equals(namespace(w), ns)
                        && selects.test(t.getMetadata() == null ? null : t.getMetadata().getLabels())) {
                    out.add(t);
                }
            }
            return out;
        }
    }

    private static IntOrString handlerPort(HTTPGetAction http, TCPSocketAction tcp) {
        return http != null ? http.getPort() : tcp != null ? tcp.getPort() : null;
    }

    private static Set<String> namedPorts(List<PodTemplateSpec> pods) {
        Set<String> named = new HashSet<>();
        for (PodTemplateSpec t : pods) {
            if (t.getSpec() != null) {
                containersOf(t.getSpec()).forEach(c -> nonNull(c.getPorts()).stream().map(ContainerPort::getName)
                        .filter(Objects::nonNull).forEach(named::add));
            }
        }
        return named;
    }

    /** Whether a label selector selects these labels: null selects nothing, empty everything. */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        for (Map.Entry<String, String> e : nonNull(selector.getMatchLabels()).entrySet()) {
            if (!e.getValue().equals(l.get(e.getKey()))) {
                return false;
            }
        }
        for (LabelSelectorRequirement r : nonNull(selector.getMatchExpressions())) {
            boolean has = l.containsKey(r.getKey());
            boolean in = has && nonNull(r.getValues()).contains(l.get(r.getKey()));
            boolean ok = switch (String.valueOf(r.getOperator())) {
                case "In" -> in;
                case "NotIn" -> !in;
                case "Exists" -> has;
                case "DoesNotExist" -> !has;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether a Service's selector (a plain map) selects these labels. */
    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    static PodTemplateSpec templateOf(HasMetadata o) {
        if (o instanceof Deployment d) {
            return d.getSpec() == null ? null : d.getSpec().getTemplate();
        } else if (o instanceof StatefulSet s) {
            return s.getSpec() == null ? null : s.getSpec().getTemplate();
        } else if (o instanceof DaemonSet s) {
            return s.getSpec() == null ? null : s.getSpec().getTemplate();
        } else if (o instanceof ReplicaSet s) {
            return s.getSpec() == null ? null : s.getSpec().getTemplate();
        } else if (o instanceof Job j) {
            return j.getSpec() == null ? null : j.getSpec().getTemplate();
        } else if (o instanceof CronJob j) {
            return j.getSpec() == null || j.getSpec().getJobTemplate() == null || j.getSpec().getJobTemplate().getSpec() == null
                    ? null : j.getSpec().getJobTemplate().getSpec().getTemplate();
        } else if (o instanceof Pod p) {
            return new PodTemplateSpec(p.getMetadata(), p.getSpec());
        }
        return null;
    }

    private static LabelSelector selectorOf(HasMetadata o) {
        if (o instanceof Deployment d) {
            return d.getSpec() == null ? null : d.getSpec().getSelector();
        } else if (o instanceof StatefulSet s) {
            return s.getSpec() == null ? null : s.getSpec().getSelector();
        } else if (o instanceof DaemonSet s) {
            return s.getSpec() == null ? null : s.getSpec().getSelector();
        } else if (o instanceof ReplicaSet s) {
            return s.getSpec() == null ? null : s.getSpec().getSelector();
        } else if (o instanceof Job j) {
            return j.getSpec() == null ? null : j.getSpec().getSelector();
        }
        return null;
    }

    private static List<Container> containersOf(PodSpec pod) {
        List<Container> all = new ArrayList<>(nonNull(pod.getInitContainers()));
        all.addAll(nonNull(pod.getContainers()));
        return all;
    }

    /** The object bound as fabric8 does by default; a bare identity if even that fails. */
    private static HasMetadata lenient(Map<String, Object> o) {
        Class<? extends KubernetesResource> type = o.get("apiVersion") instanceof String a && o.get("kind") instanceof String k
                ? KINDS.getRegisteredKind(a, k) : null;
        if (type != null && HasMetadata.class.isAssignableFrom(type)) {
            try {
                return (HasMetadata) LENIENT.convertValue(o, type);
            } catch (JacksonException | IllegalArgumentException e) {
                // reported by validate(); keep the object's identity for the look-ups
            }
        }
        GenericKubernetesResource g = new GenericKubernetesResource();
        g.setApiVersion(String.valueOf(o.get("apiVersion")));
        g.setKind(String.valueOf(o.get("kind")));
        ObjectMeta m = new ObjectMeta();
        m.setName(Kustomize.dig(o, "metadata.name") instanceof String n ? n : null);
        m.setNamespace(Kustomize.dig(o, "metadata.namespace") instanceof String n ? n : null);
        g.setMetadata(m);
        return g;
    }

    static String id(HasMetadata o) {
        ObjectMeta m = o.getMetadata();
        String ns = m == null ? null : m.getNamespace();
        return o.getKind() + "/" + (ns != null ? ns + "/" : "") + (m == null ? null : m.getName());
    }

    private static String namespace(HasMetadata o) {
        return o.getMetadata() == null || o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace();
    }

    // ======================================================================== binding

    /** Removes fabric8's {@code @JsonAnySetter additionalProperties}, so unknown fields are unknown. */
    private static final class NoAnySetters extends ValueDeserializerModifier {
        @Override
        public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription.Supplier beanDesc,
                BeanDeserializerBuilder builder) {
            builder.setAnySetter(null);
            builder.setIgnoreUnknownProperties(false);
            return builder;
        }
    }

    /** Records each unknown field with its path and goes on, so that all of them are reported. */
    private static final class UnknownFields extends DeserializationProblemHandler {
        @Override
        @SuppressWarnings("unchecked")
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, ValueDeserializer<?> deserializer,
                Object beanOrClass, String propertyName) {
            List<String> out = (List<String>) ctxt.getAttribute(FINDINGS);
            if (out == null) {
                return false;
            }
            // At an object or array value the parser is already inside it: start from its parent.
            TokenStreamContext object = p.streamReadContext();
            if (p.currentToken() != null && p.currentToken().isStructStart()) {
                object = object.getParent();
            }
            out.add("unknown field " + path(object, propertyName));
            p.skipChildren();
            return true;
        }
    }

    /** The path of {@code property} of the object being read, as {@code spec.containers[0].name}. */
    private static String path(TokenStreamContext object, String property) {
        Deque<String> parts = new ArrayDeque<>(List.of(property));
        for (TokenStreamContext c = object.getParent(); c != null && !c.inRoot(); c = c.getParent()) {
            parts.addFirst(c.inArray() ? "[" + c.getCurrentIndex() + "]" : String.valueOf(c.currentName()));
        }
        String path = "";
        for (String p : parts) {
            path = p.startsWith("[") ? path + p : join(path, p);
        }
        return path;
    }

    private static String path(List<JacksonException.Reference> refs) {
        String path = "";
        for (JacksonException.Reference r : refs) {
            path = r.getPropertyName() != null ? join(path, r.getPropertyName())
                    : r.getIndex() >= 0 ? path + "[" + r.getIndex() + "]" : path;
        }
        return path.isEmpty() ? "(object)" : path;
    }

    // ======================================================================== helpers

    /** The JSON properties of a model class ({@code @JsonProperty} fields), by JSON name. */
    private static Map<String, Field> properties(Class<?> type) {
        return PROPERTIES.computeIfAbsent(type, t -> {
            Map<String, Field> out = new LinkedHashMap<>();
            for (Class<?> k = t; k != null && k != Object.class; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    JsonProperty jp = f.getAnnotation(JsonProperty.class);
                    if (jp != null && !Modifier.isStatic(f.getModifiers())) {
                        f.setAccessible(true);
                        out.putIfAbsent(jp.value().isEmpty() ? f.getName() : jp.value(), f);
                    }
                }
            }
            return out;
        });
    }

    private static Object read(Field f, Object bean) {
        try {
            return f.get(bean);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The path of a property or map key below {@code path}; keys with dots or slashes in brackets. */
    static String join(String path, String name) {
        String part = name.matches("[A-Za-z0-9_-]+") ? name : "[" + name + "]";
        return path.isEmpty() ? part : part.startsWith("[") ? path + part : path + "." + part;
    }

    private static String concat(String path, String relative) {
        return relative.isEmpty() ? path : path.isEmpty() ? relative
                : relative.startsWith("[") ? path + relative : path + "." + relative;
    }

    /** Jackson's message without its advice on coercion settings. */
    private static String firstLine(String s) {
        String line = s == null ? "invalid" : s.lines().findFirst().orElse(s);
        return line.replaceAll(" \\(but (might|could) if coercion[^)]*\\)", "");
    }

    private static boolean blank(String s) {
        return s == null || s.isEmpty();
    }

    private static <T> List<T> nonNull(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static <K, V> Map<K, V> nonNull(Map<K, V> m) {
        return m == null ? Map.of() : m;
    }

    private static <T> Set<T> nonNull(Set<T> s) {
        return s == null ? Set.of() : s;
    }
}
