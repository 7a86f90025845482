package io.tracebridge.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.util.Objects;

/** Row of {@code experiment_tags}; mapped with Hibernate Reactive. */
@Entity
@Table(name = "experiment_tags")
@IdClass(ExperimentTagEntity.Key.class)
public class ExperimentTagEntity {
    @Id
    @Column(name = "experiment_id")
    public Long experimentId;

    @Id
    @Column(name = "key")
    public String key;

    @Column(name = "value", nullable = false)
    public String value;

    public static class Key implements Serializable {
        public Long experimentId;
        public String key;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(experimentId, k.experimentId) && Objects.equals(key, k.key);
        }

        @Override
        public int hashCode() {
            return Objects.hash(experimentId, key);
        }
    }
}
