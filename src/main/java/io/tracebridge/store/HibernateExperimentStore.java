package io.tracebridge.store;

import io.smallrye.mutiny.Uni;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.MlflowException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import org.hibernate.reactive.mutiny.Mutiny;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** {@link ExperimentStore} on Hibernate Reactive. */
@ApplicationScoped
public class HibernateExperimentStore implements ExperimentStore {
    private final Mutiny.SessionFactory sessions;

    public HibernateExperimentStore(Mutiny.SessionFactory sessions) {
        this.sessions = sessions;
    }

    @Override
    public Uni<Experiment> create(String name, String artifactLocation, Map<String, String> tags) {
        long now = System.currentTimeMillis();
        return sessions.withTransaction((s, tx) -> s.createSelectionQuery(
                                "from ExperimentEntity e where e.name = :name", ExperimentEntity.class)
                        .setParameter("name", name)
                        .getSingleResultOrNull()
                        .chain(existing -> {
                            if (existing != null) {
                                return Uni.createFrom().failure(alreadyExists(name));
                            }
                            ExperimentEntity e = new ExperimentEntity();
                            e.name = name;
                            e.lifecycleStage = Experiment.ACTIVE;
                            e.creationTime = now;
                            e.lastUpdateTime = now;
                            e.artifactLocation = "pending";
                            return s.persist(e).chain(() -> {
                                e.artifactLocation = artifactLocation == null || artifactLocation.isBlank()
                                        ? "mlflow-artifacts:/" + e.id
                                        : artifactLocation;
                                List<ExperimentTagEntity> rows = new ArrayList<>();
                                tags.forEach((k, v) -> {
                                    ExperimentTagEntity t = new ExperimentTagEntity();
                                    t.experimentId = e.id;
                                    t.key = k;
                                    t.value = v;
                                    rows.add(t);
                                });
                                return s.persistAll(rows.toArray()).replaceWith(toModel(e, tags));
                            });
                        }))
                .onFailure(PersistenceException.class).transform(t -> isUniqueViolation(t) ? alreadyExists(name) : t);
    }

    private static MlflowException alreadyExists(String name) {
        return new MlflowException(ErrorCode.RESOURCE_ALREADY_EXISTS, "Experiment(name=" + name + ") already exists.");
    }

    private static boolean isUniqueViolation(Throwable t) {
        // Hibernate Reactive replaces the PgException by an SQLException with its SQLSTATE.
        return "23505".equals(StoreFailures.sqlState(t));
    }

    @Override
    public Uni<Optional<Experiment>> get(long experimentId) {
        return sessions.withSession(s -> s.find(ExperimentEntity.class, experimentId)
                .chain(e -> e == null ? Uni.createFrom().item(Optional.<Experiment>empty())
                        : withTags(s, List.of(e)).map(list -> Optional.of(list.get(0)))));
    }

    @Override
    public Uni<Optional<Experiment>> getByName(String name) {
        return sessions.withSession(s -> s.createSelectionQuery(
                        "from ExperimentEntity e where e.name = :name order by case when e.lifecycleStage = 'active' then 0 else 1 end",
                        ExperimentEntity.class)
                .setParameter("name", name)
                .setMaxResults(1)
                .getResultList()
                .chain(list -> list.isEmpty() ? Uni.createFrom().item(Optional.<Experiment>empty())
                        : withTags(s, list).map(l -> Optional.of(l.get(0)))));
    }

    @Override
    public Uni<Page> search(ExperimentQuery q) {
        StringBuilder hql = new StringBuilder("from ExperimentEntity e where e.lifecycleStage in (:stages)");
        for (String c : q.conditions()) {
            hql.append(" and ").append(c);
        }
        hql.append(" order by ").append(String.join(", ", q.orderBy()));
        return sessions.withSession(s -> {
            var query = s.createSelectionQuery(hql.toString(), ExperimentEntity.class)
                    .setParameter("stages", q.lifecycleStages());
            q.parameters().forEach(query::setParameter);
            return query.setFirstResult(q.offset())
                    .setMaxResults(q.maxResults() + 1)
                    .getResultList()
                    .chain(list -> {
                        boolean more = list.size() > q.maxResults();
                        List<ExperimentEntity> page = more ? list.subList(0, q.maxResults()) : list;
                        return withTags(s, page).map(exps -> new Page(exps, more ? q.offset() + q.maxResults() : null));
                    });
        });
    }

    private Uni<List<Experiment>> withTags(Mutiny.Session s, List<ExperimentEntity> entities) {
        if (entities.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<Long> ids = entities.stream().map(e -> e.id).collect(Collectors.toList());
        return s.createSelectionQuery("from ExperimentTagEntity t where t.experimentId in (:ids)",
                        ExperimentTagEntity.class)
                .setParameter("ids", ids)
                .getResultList()
                .map(tags -> {
                    Map<Long, Map<String, String>> byExp = new LinkedHashMap<>();
                    for (ExperimentTagEntity t : tags) {
                        byExp.computeIfAbsent(t.experimentId, k -> new LinkedHashMap<>()).put(t.key, t.value);
                    }
                    List<Experiment> out = new ArrayList<>();
                    for (ExperimentEntity e : entities) {
                        out.add(toModel(e, byExp.getOrDefault(e.id, Map.of())));
                    }
                    return out;
                });
    }

    private static Experiment toModel(ExperimentEntity e, Map<String, String> tags) {
        return new Experiment(Long.toString(e.id), e.name, e.artifactLocation, e.lifecycleStage,
                e.creationTime, e.lastUpdateTime, tags);
    }
}
