package io.tracebridge.model;

/**
 * CDI event fired in this replica after an experiment's lifecycle stage or name was committed
 * (delete, restore, rename), so that caches of experiments (the OTLP experiment lookup) forget it.
 */
public record ExperimentChanged(long experimentId) {
}
