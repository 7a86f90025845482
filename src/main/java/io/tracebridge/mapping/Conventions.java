package io.tracebridge.mapping;

import java.util.List;

/** The span conventions Tracebridge applies, in no particular order: precedence decides. */
public final class Conventions {
    public static final List<AttributeConvention> SPAN_CONVENTIONS = List.of(
            new MlflowConvention(),
            new OtelSemconvConvention(),
            new GenAiConvention(),
            new OpenInferenceConvention(),
            new LangfuseConvention());

    private Conventions() {
    }
}
