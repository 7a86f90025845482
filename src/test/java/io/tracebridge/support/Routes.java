package io.tracebridge.support;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** The application's REST routes, found by reflection over target/classes. */
public final class Routes {
    private static final Map<Class<? extends Annotation>, String> HTTP_METHODS = Map.of(
            GET.class, "get", POST.class, "post", PUT.class, "put", PATCH.class, "patch", DELETE.class, "delete");

    private Routes() {
    }

    /** A JAX-RS resource method: HTTP method (lower case), path in OpenAPI's syntax, the Java method. */
    public record Endpoint(String verb, String path, Method method) {
        @Override
        public String toString() {
            return verb + " " + path;
        }
    }

    /** Every JAX-RS resource method of the application, as "method /path" with OpenAPI's path syntax. */
    public static List<String> jaxRs() throws Exception {
        return endpoints().stream().map(Endpoint::toString).toList();
    }

    /** Every JAX-RS resource method of the application. */
    public static List<Endpoint> endpoints() throws Exception {
        List<Endpoint> out = new ArrayList<>();
        java.nio.file.Path classes = java.nio.file.Path.of("target/classes");
        try (Stream<java.nio.file.Path> files = Files.walk(classes)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, Routes.class.getClassLoader());
                Path classPath = c.getAnnotation(Path.class);
                if (classPath == null) {
                    continue;
                }
                for (Method m : c.getDeclaredMethods()) {
                    for (var e : HTTP_METHODS.entrySet()) {
                        if (m.isAnnotationPresent(e.getKey())) {
                            Path mp = m.getAnnotation(Path.class);
                            String path = join(classPath.value(), mp == null ? "" : mp.value());
                            out.add(new Endpoint(e.getValue().toLowerCase(Locale.ROOT), path, m));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String join(String a, String b) {
        String p = ("/" + a + "/" + b).replaceAll("/+", "/");
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        // {name: regex} -> {name}
        return p.replaceAll("\\{\\s*([A-Za-z_]+)\\s*:[^}]*}", "{$1}");
    }

}
