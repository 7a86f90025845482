package io.tracebridge.ops;

import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each setting's default is written once, beside its environment variable in
 * {@code application.properties}: {@link TracebridgeConfig} repeats none, and the README's
 * configuration table shows every variable's default as the properties file has it.
 */
class ConfigDefaultsTest {
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{(TRACEBRIDGE_[A-Z0-9_]+):([^}]*)}");

    @Test
    void theConfigMappingRepeatsNoDefault() {
        List<String> repeated = new ArrayList<>();
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(TracebridgeConfig.class));
        int methods = 0;
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            todo.addAll(List.of(c.getDeclaredClasses()));
            for (Method m : c.getDeclaredMethods()) {
                methods++;
                if (m.isAnnotationPresent(WithDefault.class)) {
                    repeated.add(c.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertThat(methods).isGreaterThan(20);
        assertThat(repeated).as("defaults belong in application.properties").isEmpty();
    }

    @Test
    void theReadmeShowsTheDefaultsOfApplicationProperties() throws IOException {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("src/main/resources/application.properties"))) {
            if (line.startsWith("#") || line.startsWith("%")) {
                continue;
            }
            Matcher m = ENV_DEFAULT.matcher(line);
            while (m.find()) {
                defaults.putIfAbsent(m.group(1), m.group(2));
            }
        }
        assertThat(defaults).hasSizeGreaterThan(30);

        Map<String, String> readme = new LinkedHashMap<>();
        Pattern row = Pattern.compile("^\\| (`TRACEBRIDGE_[^|]+) \\| ([^|]+) \\|");
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher m = row.matcher(line);
            if (!m.find()) {
                continue;
            }
            String[] names = m.group(1).split(" / ");
            String[] values = m.group(2).trim().split(" / ");
            for (int i = 0; i < names.length; i++) {
                String value = values[Math.min(i, values.length - 1)].trim();
                Matcher code = Pattern.compile("^`([^`]*)`").matcher(value);
                readme.put(names[i].replace("`", "").trim(), code.find() ? code.group(1) : value.equals("(none)") ? "" : value);
            }
        }
        List<String> differ = new ArrayList<>();
        defaults.forEach((env, value) -> {
            if (!readme.containsKey(env)) {
                differ.add(env + ": not in the README's configuration table");
            } else if (!readme.get(env).equals(value)) {
                differ.add(env + ": application.properties '" + value + "', README '" + readme.get(env) + "'");
            }
        });
        assertThat(differ).isEmpty();
    }
}
