package io.tracebridge.search;

import io.tracebridge.model.MlflowException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** MLflow's offset page token: base64 of {@code {"offset": N}} (docs/mlflow-compatibility.md §5.4). */
public final class OffsetPageToken {
    private static final Pattern OFFSET = Pattern.compile("^\\s*\\{\\s*\"offset\"\\s*:\\s*(\\d{1,9})\\s*}\\s*$");

    private OffsetPageToken() {
    }

    public static String encode(int offset) {
        return Base64.getEncoder().encodeToString(("{\"offset\": " + offset + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** Offset 0 for an absent or empty token; INVALID_PARAMETER_VALUE for a malformed one. */
    public static int decode(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            String json = new String(Base64.getDecoder().decode(token.trim()), StandardCharsets.UTF_8);
            Matcher m = OFFSET.matcher(json);
            if (m.matches()) {
                return Integer.parseInt(m.group(1));
            }
        } catch (IllegalArgumentException e) {
            // fall through to the error below
        }
        throw MlflowException.invalid("Invalid page token, could not base64-decode or parse it: '" + token + "'");
    }
}
