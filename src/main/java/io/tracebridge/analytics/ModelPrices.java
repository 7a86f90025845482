package io.tracebridge.analytics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The price of tokens per model, from {@code TRACEBRIDGE_MODEL_PRICES} (docs/analytics-api.md,
 * "Cost"): entries {@code model=input:output}, separated by commas, each price in US dollars per
 * million tokens, e.g. {@code gpt-4o=2.50:10.00,gpt-4o-mini*=0.15:0.60}. A name ending in
 * {@code *} prices every model that starts with the rest ({@code gpt-4o-mini-2024-07-18}); an
 * exact name beats a prefix, and a longer prefix beats a shorter one. The model name is what a
 * span reports (mapping.TokenUsage); everything up to the last {@code =} is the name, so names
 * with {@code :} or {@code /} (Ollama's {@code llama3:8b}, {@code meta/llama-3}) work, names
 * with {@code ,} or {@code =} do not.
 *
 * <p>Checked at start-up: a malformed entry stops the service with a message naming it.
 */
public final class ModelPrices {
    /** The most entries a table may have; the SQL passes them as arrays to every priced query. */
    public static final int MAX_ENTRIES = 1000;
    /** A price: digits, an optional fraction; at most 1,000,000 dollars per million tokens. */
    private static final Pattern PRICE = Pattern.compile("[0-9]{1,7}(\\.[0-9]{1,9})?");
    private static final BigDecimal MAX_PRICE = BigDecimal.valueOf(1_000_000);

    /** One entry: a model name or prefix, and its prices per million input and output tokens. */
    public record Price(String model, boolean prefix, BigDecimal input, BigDecimal output) {
    }

    private static final ModelPrices NONE = new ModelPrices(List.of());
    private final List<Price> prices;

    private ModelPrices(List<Price> prices) {
        this.prices = List.copyOf(prices);
    }

    /** The entries, exact names first, then prefixes longest first (the order a lookup tries them). */
    public List<Price> prices() {
        return prices;
    }

    public boolean isEmpty() {
        return prices.isEmpty();
    }

    /** The price of a model as a query applies it, or null when the table has none. */
    public Price of(String model) {
        if (model == null) {
            return null;
        }
        for (Price p : prices) {
            if (p.prefix() ? model.startsWith(p.model()) : model.equals(p.model())) {
                return p;
            }
        }
        return null;
    }

    /**
     * @param spec the setting's value; null or blank for no prices
     * @throws IllegalArgumentException naming the first malformed entry
     */
    public static ModelPrices parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        Map<String, Price> byName = new LinkedHashMap<>();
        for (String raw : spec.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.lastIndexOf('=');
            if (eq <= 0) {
                throw invalid(entry, "expected model=input:output");
            }
            String name = entry.substring(0, eq).strip();
            String[] both = entry.substring(eq + 1).strip().split(":", -1);
            if (both.length != 2) {
                throw invalid(entry, "expected two prices, input:output, in dollars per million tokens");
            }
            boolean prefix = name.endsWith("*");
            String model = prefix ? name.substring(0, name.length() - 1) : name;
            if (model.isEmpty() || model.indexOf('*') >= 0) {
                throw invalid(entry, "a model name, optionally ending in * for a prefix");
            }
            if (model.length() > 256) {
                throw invalid(entry, "model names have at most 256 characters");
            }
            String key = (prefix ? "*" : "=") + model;
            if (byName.containsKey(key)) {
                throw invalid(entry, "the model is priced twice");
            }
            byName.put(key, new Price(model, prefix, price(entry, both[0]), price(entry, both[1])));
            if (byName.size() > MAX_ENTRIES) {
                throw new IllegalArgumentException("TRACEBRIDGE_MODEL_PRICES has more than " + MAX_ENTRIES + " entries");
            }
        }
        List<Price> ordered = new ArrayList<>(byName.values());
        ordered.sort(Comparator.comparing(Price::prefix).thenComparing(p -> -p.model().length()));
        return new ModelPrices(ordered);
    }

    private static BigDecimal price(String entry, String s) {
        String t = s.strip();
        if (!PRICE.matcher(t).matches()) {
            throw invalid(entry, "a price is a non-negative decimal number of dollars per million tokens, like 2.50");
        }
        BigDecimal d = new BigDecimal(t);
        if (d.compareTo(MAX_PRICE) > 0) {
            throw invalid(entry, "a price is at most 1000000 dollars per million tokens");
        }
        return d;
    }

    private static IllegalArgumentException invalid(String entry, String why) {
        String shown = entry.length() > 80 ? entry.substring(0, 80) + "…" : entry;
        return new IllegalArgumentException("Invalid TRACEBRIDGE_MODEL_PRICES entry '" + shown + "': " + why);
    }
}
