package io.tracebridge.ops;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Renders a kustomization with the subset of kustomize that {@code k8s/} uses: {@code resources}
 * (files and directories), {@code namespace}, {@code labels} (without {@code includeSelectors}),
 * {@code images} and {@code patches} as strategic merge patches read from {@code path:}. Any other
 * kustomization field, or a patch this renderer cannot apply as kustomize would, throws a
 * {@link RenderException} instead of being ignored, so a rendering is either kustomize's or none.
 * Objects are plain maps as read from YAML ({@link #loadDocs}).
 */
final class Kustomize {
    static final Set<String> KUSTOMIZATION_FIELDS =
            Set.of("apiVersion", "kind", "namespace", "resources", "labels", "images", "patches");
    private static final Set<String> LABEL_FIELDS = Set.of("pairs", "includeSelectors", "includeTemplates");
    private static final Set<String> IMAGE_FIELDS = Set.of("name", "newName", "newTag", "digest");
    static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "PersistentVolume", "StorageClass", "CustomResourceDefinition", "PriorityClass", "IngressClass");
    static final Set<String> POD_TEMPLATE_KINDS = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");
    /** Strategic-merge keys of the lists a patch may merge into (the others are replaced). */
    static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
            "env", "name", "volumes", "name", "volumeMounts", "name", "imagePullSecrets", "name",
            "volumeClaimTemplates", "metadata.name");

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build())
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** A kustomization this renderer does not render as kustomize would. */
    static final class RenderException extends RuntimeException {
        RenderException(String message) {
            super(message);
        }
    }

    private final Path repo;

    /** @param repo the directory that file names in messages are relative to */
    Kustomize(Path repo) {
        this.repo = repo.toAbsolutePath().normalize();
    }

    List<Map<String, Object>> render(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        List<Map<String, Object>> docs = loadDocs(file);
        if (docs.size() != 1) {
            throw new RenderException(rel(file) + ": expected one YAML document, found " + docs.size());
        }
        Map<String, Object> k = docs.get(0);
        for (String key : k.keySet()) {
            if (!KUSTOMIZATION_FIELDS.contains(key)) {
                throw new RenderException(rel(file) + ": field '" + key + "' is not supported by this renderer");
            }
        }
        if (k.containsKey("kind") && !"Kustomization".equals(k.get("kind"))) {
            throw new RenderException(rel(file) + ": kind " + k.get("kind") + " is not a Kustomization");
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object r : list(k, "resources", file)) {
            Path p = dir.resolve(string(r, "resources entry", file)).normalize();
            if (Files.isDirectory(p)) {
                objects.addAll(render(p));
            } else if (Files.isRegularFile(p)) {
                objects.addAll(loadDocs(p));
            } else {
                throw new RenderException(rel(file) + ": resource " + r + " does not exist");
            }
        }
        for (Object entry : list(k, "patches", file)) {
            Map<String, Object> patch = map(entry, "patches entry", file);
            if (!patch.keySet().equals(Set.of("path"))) {
                throw new RenderException(rel(file) + ": patch field(s) " + patch.keySet()
                        + " not supported (use path: only)");
            }
            for (Map<String, Object> doc : loadDocs(dir.resolve(string(patch.get("path"), "patch path", file)))) {
                List<Map<String, Object>> targets = objects.stream()
                        .filter(o -> Objects.equals(o.get("kind"), doc.get("kind"))
                                && Objects.equals(name(o), name(doc))
                                && group(o.get("apiVersion")).equals(group(doc.get("apiVersion"))))
                        .toList();
                if (targets.size() != 1) {
                    throw new RenderException(rel(file) + ": patch " + doc.get("kind") + "/" + name(doc)
                            + " matches " + targets.size() + " objects");
                }
                strategicMerge(targets.get(0), doc, "");
            }
        }
        for (Object entry : list(k, "labels", file)) {
            Map<String, Object> l = map(entry, "labels entry", file);
            for (String key : l.keySet()) {
                if (!LABEL_FIELDS.contains(key)) {
                    throw new RenderException(rel(file) + ": labels." + key + " is not supported by this renderer");
                }
            }
            if (Boolean.TRUE.equals(l.get("includeSelectors"))) {
                throw new RenderException(rel(file) + ": labels.includeSelectors is not supported");
            }
            Map<String, Object> pairs = map(l.get("pairs"), "labels.pairs", file);
            for (Map<String, Object> o : objects) {
                submap(o, "metadata", "labels").putAll(deepCopy(pairs));
                if (Boolean.TRUE.equals(l.get("includeTemplates")) && POD_TEMPLATE_KINDS.contains(o.get("kind"))) {
                    submap(o, "spec", "template", "metadata", "labels").putAll(deepCopy(pairs));
                }
            }
        }
        for (Object entry : list(k, "images", file)) {
            Map<String, Object> img = map(entry, "images entry", file);
            for (String key : img.keySet()) {
                if (!IMAGE_FIELDS.contains(key)) {
                    throw new RenderException(rel(file) + ": images." + key + " is not supported by this renderer");
                }
            }
            for (Map<String, Object> o : objects) {
                for (Map<String, Object> c : containersOf(o)) {
                    if (!(c.get("image") instanceof String image)) {
                        continue;
                    }
                    String[] nameTag = splitImage(image);
                    if (!nameTag[0].equals(img.get("name"))) {
                        continue;
                    }
                    String newName = img.get("newName") != null ? String.valueOf(img.get("newName")) : nameTag[0];
                    String tag = img.get("newTag") != null ? String.valueOf(img.get("newTag")) : nameTag[1];
                    c.put("image", newName + (img.get("digest") != null ? "@" + img.get("digest")
                            : tag != null ? ":" + tag : ""));
                }
            }
        }
        if (k.get("namespace") != null) {
            for (Map<String, Object> o : objects) {
                if (!CLUSTER_SCOPED.contains(o.get("kind"))) {
                    submap(o, "metadata").put("namespace", k.get("namespace"));
                }
            }
        }
        return objects;
    }

    /**
     * Applies {@code patch} to {@code target} as a strategic merge patch: maps merge, {@code null}
     * deletes, lists in {@link #MERGE_KEYS} merge by their key (elements only the patch has come
     * first, as kustomize puts them), other lists and scalars are replaced.
     */
    @SuppressWarnings("unchecked")
    static void strategicMerge(Map<String, Object> target, Map<String, Object> patch, String at) {
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            Object existing = target.get(key);
            if (key.startsWith("$")) {
                throw new RenderException("patch directive " + at + "." + key + " is not supported by this renderer");
            } else if (value == null) {
                target.remove(key);
            } else if (value instanceof Map<?, ?> vm && existing instanceof Map<?, ?> em) {
                strategicMerge((Map<String, Object>) em, (Map<String, Object>) vm, at + "." + key);
            } else if (value instanceof List<?> vl && existing instanceof List<?> el && MERGE_KEYS.containsKey(key)) {
                String mergeKey = MERGE_KEYS.get(key);
                List<Object> added = new ArrayList<>();
                for (Object item : vl) {
                    Object id = item instanceof Map<?, ?> im ? dig((Map<String, Object>) im, mergeKey) : null;
                    if (id == null) {
                        throw new RenderException("patch " + at + "." + key + ": element without " + mergeKey);
                    }
                    Map<String, Object> match = (Map<String, Object>) el.stream()
                            .filter(x -> x instanceof Map<?, ?> xm && id.equals(dig((Map<String, Object>) xm, mergeKey)))
                            .findFirst().orElse(null);
                    if (match != null) {
                        strategicMerge(match, (Map<String, Object>) item, at + "." + key + "[" + id + "]");
                    } else {
                        added.add(deepCopy(item));
                    }
                }
                List<Object> merged = new ArrayList<>(added);
                merged.addAll(el);
                target.put(key, merged);
            } else if (value instanceof List<?> && "ports".equals(key)) {
                throw new RenderException("patching " + at + ".ports is not supported by this renderer");
            } else {
                target.put(key, deepCopy(value));
            }
        }
    }

    // ------------------------------------------------------------------------------ YAML

    /** The documents of a YAML file as maps (empty documents left out). */
    static List<Map<String, Object>> loadDocs(Path file) {
        try (JsonParser parser = YAML.getFactory().createParser(file.toFile())) {
            return readDocs(parser, file.toString());
        } catch (IOException e) {
            throw new RenderException(file + ": " + e.getMessage());
        }
    }

    /** The documents of a YAML stream as maps (empty documents left out). */
    static List<Map<String, Object>> parseDocs(String yaml) {
        try (JsonParser parser = YAML.getFactory().createParser(yaml)) {
            return readDocs(parser, "YAML");
        } catch (IOException e) {
            throw new RenderException(e.getMessage());
        }
    }

    /** One YAML document as maps, lists and scalars. */
    static Object parseYaml(String text) throws IOException {
        return YAML.readValue(text, Object.class);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> readDocs(JsonParser parser, String what) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        int i = 0;
        for (var it = YAML.readValues(parser, Object.class); it.hasNextValue(); ) {
            i++;
            Object doc = it.nextValue();
            if (doc == null) {
                continue;
            }
            if (!(doc instanceof Map<?, ?>)) {
                throw new RenderException(what + " document " + i + " is not a mapping");
            }
            docs.add((Map<String, Object>) doc);
        }
        return docs;
    }

    /** The objects as one YAML stream, one document each. */
    static String toYaml(List<Map<String, Object>> objects) {
        StringBuilder out = new StringBuilder();
        for (Map<String, Object> o : objects) {
            try {
                out.append(YAML.writeValueAsString(o));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out.toString();
    }

    // ------------------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static <T> T deepCopy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put((String) k, deepCopy(v)));
            return (T) copy;
        }
        if (value instanceof List<?> l) {
            List<Object> copy = new ArrayList<>();
            l.forEach(v -> copy.add(deepCopy(v)));
            return (T) copy;
        }
        return value;
    }

    static String group(Object apiVersion) {
        String v = String.valueOf(apiVersion);
        return v.contains("/") ? v.substring(0, v.indexOf('/')) : "";
    }

    /** Kind/namespace/name, or Kind/name for objects without a namespace. */
    static String id(Map<String, Object> o) {
        Object ns = dig(o, "metadata.namespace");
        return o.get("kind") + "/" + (ns != null ? ns + "/" : "") + name(o);
    }

    static Object name(Map<String, Object> o) {
        return dig(o, "metadata.name");
    }

    /** The value at a dotted path of map keys, or null. */
    @SuppressWarnings("unchecked")
    static Object dig(Map<String, Object> o, String path) {
        Object v = o;
        for (String p : path.split("\\.")) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = ((Map<String, Object>) m).get(p);
        }
        return v;
    }

    /** {@code [name, tag]} of an image reference; tag is null without one (or with a digest). */
    static String[] splitImage(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            return new String[] {image.substring(0, at), null};
        }
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/')
                ? new String[] {image.substring(0, colon), image.substring(colon + 1)}
                : new String[] {image, null};
    }

    /** Init and app containers of an object with a pod template (or of a Pod), as maps. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> containersOf(Map<String, Object> o) {
        Object spec = POD_TEMPLATE_KINDS.contains(o.get("kind")) ? dig(o, "spec.template.spec")
                : "CronJob".equals(o.get("kind")) ? dig(o, "spec.jobTemplate.spec.template.spec")
                : "Pod".equals(o.get("kind")) ? o.get("spec") : null;
        List<Map<String, Object>> out = new ArrayList<>();
        if (spec instanceof Map<?, ?> s) {
            for (String key : List.of("initContainers", "containers")) {
                if (s.get(key) instanceof List<?> l) {
                    l.stream().filter(c -> c instanceof Map<?, ?>).forEach(c -> out.add((Map<String, Object>) c));
                }
            }
        }
        return out;
    }

    /** The map at the path below {@code o}, created where missing. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> submap(Map<String, Object> o, String... path) {
        Map<String, Object> m = o;
        for (String p : path) {
            Object next = m.get(p);
            if (!(next instanceof Map<?, ?>)) {
                next = new LinkedHashMap<String, Object>();
                m.put(p, next);
            }
            m = (Map<String, Object>) next;
        }
        return m;
    }

    private List<?> list(Map<String, Object> k, String field, Path file) {
        Object v = k.get(field);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new RenderException(rel(file) + ": " + field + " is not a list");
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(Object v, String what, Path file) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new RenderException(rel(file) + ": " + what + " is not a mapping");
        }
        return (Map<String, Object>) m;
    }

    private String string(Object v, String what, Path file) {
        if (!(v instanceof String s)) {
            throw new RenderException(rel(file) + ": " + what + " is not a string");
        }
        return s;
    }

    private String rel(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(repo) ? repo.relativize(abs).toString() : abs.toString();
    }
}
