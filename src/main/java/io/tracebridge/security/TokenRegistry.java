package io.tracebridge.security;

import io.tracebridge.ops.TracebridgeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API tokens from {@code tracebridge.auth.tokens}, stored only as SHA-256 hashes. One entry
 * per token, entries separated by {@code ;} or new lines:
 * <pre>name:scope:sha256-hex[:experiment-id,experiment-id...]</pre>
 * {@code scripts/new-token.sh} makes a token and its entry. A wrong entry stops the start-up
 * with a message naming it; so does auth switched on without tokens.
 */
@ApplicationScoped
public class TokenRegistry {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Longer Authorization headers are refused without hashing them. */
    static final int MAX_TOKEN_CHARS = 512;

    private final boolean enabled;
    private final Map<String, ApiToken> byHash;

    @Inject
    public TokenRegistry(TracebridgeConfig config) {
        this(config.auth().enabled(), config.auth().tokens().orElse(""));
    }

    TokenRegistry(boolean enabled, String spec) {
        this.enabled = enabled;
        this.byHash = parse(spec);
        if (enabled && byHash.isEmpty()) {
            throw new IllegalStateException("tracebridge.auth.enabled is true but tracebridge.auth.tokens "
                    + "(TRACEBRIDGE_AUTH_TOKENS) holds no token; add one with scripts/new-token.sh");
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** The token an {@code Authorization: Bearer ...} header carries, if it is a known one. */
    public Optional<ApiToken> authenticate(String authorization) {
        return bearer(authorization).flatMap(this::lookup);
    }

    /**
     * The credential of an {@code Authorization: Bearer ...} header (scheme case-insensitive),
     * or empty for another scheme, an empty credential or a header too long to be a token.
     */
    public static Optional<String> bearer(String authorization) {
        if (authorization == null || authorization.length() > MAX_TOKEN_CHARS + 7) {
            return Optional.empty();
        }
        String value = authorization.trim();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = value.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    /** The known token with this value, found by its hash. */
    public Optional<ApiToken> lookup(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        return Optional.ofNullable(byHash.get(sha256(token)));
    }

    public static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, ApiToken> parse(String spec) {
        Map<String, ApiToken> out = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        for (String raw : spec.split("[;\\n]")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            String[] f = entry.split(":", -1);
            if (f.length < 3 || f.length > 4) {
                throw invalid(entry, "expected name:scope:sha256-hex[:experiment-ids]");
            }
            String name = f[0].trim();
            if (!NAME.matcher(name).matches()) {
                throw invalid(entry, "the name must be 1-64 letters, digits, '.', '_' or '-'");
            }
            if (!names.add(name)) {
                throw invalid(entry, "the name '" + name + "' is used twice");
            }
            Scope scope;
            try {
                scope = Scope.parse(f[1]);
            } catch (IllegalArgumentException e) {
                throw invalid(entry, e.getMessage());
            }
            String hash = f[2].trim().toLowerCase(java.util.Locale.ROOT);
            if (!HEX64.matcher(hash).matches()) {
                throw invalid(entry, "the hash must be 64 hex digits (SHA-256 of the token)");
            }
            Set<Long> experiments = new LinkedHashSet<>();
            if (f.length == 4 && !f[3].isBlank()) {
                for (String id : f[3].split(",")) {
                    try {
                        experiments.add(Long.parseLong(id.trim()));
                    } catch (NumberFormatException e) {
                        throw invalid(entry, "'" + id.trim() + "' is not an experiment ID");
                    }
                }
            }
            if (out.put(hash, new ApiToken(name, scope, Set.copyOf(experiments))) != null) {
                throw invalid(entry, "the same token hash appears twice");
            }
        }
        return Map.copyOf(out);
    }

    private static IllegalArgumentException invalid(String entry, String why) {
        // Only the name part is echoed: the rest is a hash, but logs need not carry it either.
        String name = entry.contains(":") ? entry.substring(0, entry.indexOf(':')) : "?";
        return new IllegalArgumentException("Invalid entry '" + name + ":...' in tracebridge.auth.tokens: " + why);
    }
}
