package io.tracebridge.mapping;

/**
 * One attribute convention (MLflow's own keys, OTel semantic conventions, GenAI, OpenInference,
 * Langfuse, ...). It reads one span and offers what it knows to the trace draft and the span.
 * Adding a convention is adding an implementation and listing it in {@link Conventions}.
 */
public interface AttributeConvention {
    void apply(SpanView span, TraceDraft draft);
}
