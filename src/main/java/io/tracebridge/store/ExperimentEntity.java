package io.tracebridge.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

/** Row of {@code experiments}; mapped with Hibernate Reactive. */
@Entity
@Table(name = "experiments")
public class ExperimentEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "experiment_id_seq")
    @SequenceGenerator(name = "experiment_id_seq", sequenceName = "experiment_id_seq", allocationSize = 1)
    @Column(name = "experiment_id")
    public Long id;

    @Column(name = "name", nullable = false)
    public String name;

    @Column(name = "artifact_location", nullable = false)
    public String artifactLocation;

    @Column(name = "lifecycle_stage", nullable = false)
    public String lifecycleStage;

    @Column(name = "creation_time", nullable = false)
    public long creationTime;

    @Column(name = "last_update_time", nullable = false)
    public long lastUpdateTime;

    public boolean isActive() {
        return io.tracebridge.model.Experiment.ACTIVE.equals(lifecycleStage);
    }
}
