package io.tracebridge;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package rules of docs/architecture.md, checked on the compiled main classes with ArchUnit:
 * no package cycles, and each package imports only the packages the table below allows (the
 * same table as in the document). A new dependency between packages is a design decision: make
 * it here and in docs/architecture.md, or move the class.
 */
class ArchitectureTest {
    private static final String ROOT = "io.tracebridge";

    /** Package → the other Tracebridge packages it may import. */
    static final Map<String, Set<String>> MAY_IMPORT = Map.ofEntries(
            Map.entry("model", Set.of()),
            Map.entry("errors", Set.of("model")),
            Map.entry("mapping", Set.of("model")),
            Map.entry("search", Set.of("model")),
            Map.entry("ops", Set.of("model")),
            Map.entry("analytics", Set.of("model")),
            Map.entry("store", Set.of("model", "mapping", "search", "analytics", "ops")),
            Map.entry("security", Set.of("model", "errors", "ops", "store")),
            Map.entry("feedback", Set.of("model", "ops", "store")),
            Map.entry("traces", Set.of("model", "ops", "security", "store")),
            Map.entry("ingest", Set.of("model", "errors", "mapping", "ops", "security", "store")),
            Map.entry("api", Set.of("model", "errors", "mapping", "search", "ops", "security", "store",
                    "analytics", "feedback", "traces")));

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void everyPackageIsInTheTable() {
        Set<String> packages = classes.stream()
                .map(c -> c.getPackageName())
                .filter(p -> p.startsWith(ROOT + "."))
                .map(p -> p.substring(ROOT.length() + 1).split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(classes.size()).as("main classes imported").isGreaterThan(100);
        assertThat(packages).as("packages under " + ROOT).isEqualTo(new TreeSet<>(MAY_IMPORT.keySet()));
    }

    @Test
    void noPackageCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void eachPackageImportsOnlyWhatTheTableAllows() {
        for (Map.Entry<String, Set<String>> e : MAY_IMPORT.entrySet()) {
            String[] forbidden = MAY_IMPORT.keySet().stream()
                    .filter(p -> !p.equals(e.getKey()) && !e.getValue().contains(p))
                    .map(p -> ROOT + "." + p + "..")
                    .toArray(String[]::new);
            if (forbidden.length == 0) {
                continue;
            }
            noClasses().that().resideInAPackage(ROOT + "." + e.getKey() + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden)
                    .because("docs/architecture.md: " + e.getKey() + " may import only " + new TreeSet<>(e.getValue()))
                    .check(classes);
        }
    }

    /** One Jackson mapper, with the input limits (model.SharedJson): nobody builds another. */
    @Test
    void onlySharedJsonBuildsAnObjectMapper() {
        noClasses().that().doNotHaveFullyQualifiedName(io.tracebridge.model.SharedJson.class.getName())
                .should().callConstructorWhere(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                        com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner(
                                com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo(
                                        com.fasterxml.jackson.databind.ObjectMapper.class))))
                .because("docs/architecture.md: the one ObjectMapper is model.SharedJson.MAPPER")
                .check(classes);
    }
}
