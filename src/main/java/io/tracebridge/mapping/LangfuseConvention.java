package io.tracebridge.mapping;

/** Langfuse's OTel attributes: {@code langfuse.session.id} and {@code langfuse.user.id}. */
public final class LangfuseConvention implements AttributeConvention {
    @Override
    public void apply(SpanView span, TraceDraft draft) {
        MlflowConvention.offerId(span, draft, "langfuse.session.id", TraceDraft.Field.SESSION, 3);
        MlflowConvention.offerId(span, draft, "langfuse.user.id", TraceDraft.Field.USER, 3);
    }
}
