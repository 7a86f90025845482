package io.tracebridge.store;

import java.util.ArrayList;
import java.util.List;

/** Collects bind parameters and hands out their {@code $n} placeholders, with a type cast. */
public final class SqlParams {
    private final List<Object> values = new ArrayList<>();

    /** Adds a value; returns e.g. {@code $3::text}. */
    public String add(Object value, String pgType) {
        values.add(value);
        return "$" + values.size() + "::" + pgType;
    }

    public String text(String value) {
        return add(value, "text");
    }

    public List<Object> values() {
        return values;
    }
}
