package io.tracebridge.store;

import java.time.Clock;
import io.tracebridge.search.Comparator;
import io.tracebridge.search.ExperimentQuery;
import io.smallrye.mutiny.Uni;
import io.tracebridge.model.ErrorCode;
import io.tracebridge.model.Experiment;
import io.tracebridge.model.ExperimentChanged;
import io.tracebridge.model.MlflowException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.LockModeType;
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
    private final Event<ExperimentChanged> changed;
    private final Clock clock;

    public HibernateExperimentStore(Mutiny.SessionFactory sessions, Event<ExperimentChanged> changed, Clock clock) {
        this.sessions = sessions;
        this.changed = changed;
        this.clock = clock;
    }

    @Override
    public Uni<Experiment> create(String name, String artifactLocation, Map<String, String> tags) {
        long now = clock.millis();
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
        Map<String, Object> params = new LinkedHashMap<>();
        int i = 0;
        for (ExperimentQuery.Condition c : q.conditions()) {
            hql.append(" and ").append(hql(c, "p" + i++, params));
        }
        hql.append(" order by ").append(q.orderBy().stream()
                .map(o -> field(o.field()) + (o.ascending() ? " ASC" : " DESC")).collect(Collectors.joining(", ")));
        return sessions.withSession(s -> {
            var query = s.createSelectionQuery(hql.toString(), ExperimentEntity.class)
                    .setParameter("stages", q.lifecycleStages());
            params.forEach(query::setParameter);
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

    private static String field(ExperimentQuery.Field f) {
        return switch (f) {
            case NAME -> "e.name";
            case CREATION_TIME -> "e.creationTime";
            case LAST_UPDATE_TIME -> "e.lastUpdateTime";
            case EXPERIMENT_ID -> "e.id";
        };
    }

    /** One condition in HQL; its value (and tag key) become named parameters starting {@code p}. */
    private static String hql(ExperimentQuery.Condition c, String p, Map<String, Object> params) {
        if (c instanceof ExperimentQuery.TagIs tag) {
            params.put(p + "k", tag.key());
            params.put(p, tag.value());
            return "exists (select 1 from ExperimentTagEntity t where t.experimentId = e.id and t.key = :"
                    + p + "k and " + stringComparison("t.value", tag.comparator(), p) + ")";
        }
        ExperimentQuery.FieldIs f = (ExperimentQuery.FieldIs) c;
        params.put(p, f.value());
        return f.field() == ExperimentQuery.Field.NAME ? stringComparison("e.name", f.comparator(), p)
                : field(f.field()) + " " + Sql.relationalOperator(f.comparator()) + " :" + p;
    }

    private static String stringComparison(String field, Comparator c, String p) {
        return switch (c) {
            case EQ -> field + " = :" + p;
            case NE -> field + " <> :" + p;
            case LIKE -> field + " like :" + p;
            case ILIKE -> "lower(" + field + ") like lower(:" + p + ")";
            default -> throw new IllegalArgumentException(c + " is not a string comparator");
        };
    }

    // ---- Lifecycle (MLflow's SqlAlchemyStore: delete_experiment, restore_experiment,
    // rename_experiment, set_experiment_tag, delete_experiment_tag). Each runs in one transaction
    // that locks the experiment's row, so concurrent changes of one experiment are serialised.

    @Override
    public Uni<Void> delete(long experimentId) {
        return lifecycle(experimentId, Experiment.ACTIVE, Experiment.DELETED);
    }

    @Override
    public Uni<Void> restore(long experimentId) {
        return lifecycle(experimentId, Experiment.DELETED, Experiment.ACTIVE);
    }

    /** Moves the experiment from one stage to the other; one in another stage is "not found", as in MLflow. */
    private Uni<Void> lifecycle(long experimentId, String from, String to) {
        return sessions.withTransaction((s, tx) -> locked(s, experimentId).invoke(e -> {
                    if (e == null || !from.equals(e.lifecycleStage)) {
                        throw notFound(experimentId);
                    }
                    e.lifecycleStage = to;
                    e.lastUpdateTime = clock.millis();
                }))
                .replaceWithVoid()
                .invoke(() -> changed.fire(new ExperimentChanged(experimentId)));
    }

    @Override
    public Uni<Void> rename(long experimentId, String newName) {
        return sessions.withTransaction((s, tx) -> locked(s, experimentId).chain(e -> {
                    if (e == null) {
                        throw notFound(experimentId);
                    }
                    if (!e.isActive()) {
                        throw new MlflowException(ErrorCode.INVALID_STATE, "Cannot rename a non-active experiment.");
                    }
                    if (newName.equals(e.name)) {
                        return Uni.createFrom().voidItem();
                    }
                    return s.createSelectionQuery("select e.id from ExperimentEntity e where e.name = :name", Long.class)
                            .setParameter("name", newName)
                            .getSingleResultOrNull()
                            .invoke(other -> {
                                if (other != null) {
                                    throw alreadyExists(newName);
                                }
                                e.name = newName;
                                e.lastUpdateTime = clock.millis();
                            })
                            // Flush inside the mapping below, so that a name taken concurrently is
                            // reported as RESOURCE_ALREADY_EXISTS, not as a database error.
                            .chain(other -> s.flush());
                }))
                .onFailure(PersistenceException.class).transform(t -> isUniqueViolation(t) ? alreadyExists(newName) : t)
                .replaceWithVoid()
                .invoke(() -> changed.fire(new ExperimentChanged(experimentId)));
    }

    @Override
    public Uni<Void> setTag(long experimentId, String key, String value) {
        return sessions.withTransaction((s, tx) -> active(s, experimentId)
                .chain(e -> s.find(ExperimentTagEntity.class, tagKey(experimentId, key)))
                .chain(existing -> {
                    if (existing != null) {
                        existing.value = value;
                        return Uni.createFrom().voidItem();
                    }
                    ExperimentTagEntity t = new ExperimentTagEntity();
                    t.experimentId = experimentId;
                    t.key = key;
                    t.value = value;
                    return s.persist(t);
                }));
    }

    @Override
    public Uni<Void> deleteTag(long experimentId, String key) {
        return sessions.withTransaction((s, tx) -> active(s, experimentId)
                .chain(e -> s.find(ExperimentTagEntity.class, tagKey(experimentId, key)))
                .chain(existing -> {
                    if (existing == null) {
                        throw MlflowException.notFound("No tag with name: " + key + " in experiment with id "
                                + experimentId);
                    }
                    return s.remove(existing);
                }));
    }

    private static Uni<ExperimentEntity> locked(Mutiny.Session s, long experimentId) {
        return s.find(ExperimentEntity.class, experimentId, LockModeType.PESSIMISTIC_WRITE);
    }

    /** The experiment, locked; RESOURCE_DOES_NOT_EXIST when absent, INVALID_PARAMETER_VALUE when deleted. */
    private static Uni<ExperimentEntity> active(Mutiny.Session s, long experimentId) {
        return locked(s, experimentId).invoke(e -> {
            if (e == null) {
                throw notFound(experimentId);
            }
            if (!e.isActive()) {
                throw MlflowException.invalid("The experiment " + experimentId
                        + " must be in the 'active' state. Current state is " + e.lifecycleStage + ".");
            }
        });
    }

    private static ExperimentTagEntity.Key tagKey(long experimentId, String key) {
        ExperimentTagEntity.Key k = new ExperimentTagEntity.Key();
        k.experimentId = experimentId;
        k.key = key;
        return k;
    }

    private static MlflowException notFound(long experimentId) {
        return MlflowException.notFound("No Experiment with id=" + experimentId + " exists");
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
