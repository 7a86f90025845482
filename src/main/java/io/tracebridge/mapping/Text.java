package io.tracebridge.mapping;

/**
 * Text as PostgreSQL can store it. A PostgreSQL {@code text} or {@code jsonb} value cannot hold
 * U+0000, and a Java string holding an unpaired UTF-16 surrogate has no UTF-8 form (the database
 * client would silently write {@code ?} for it). Both are "unstorable" characters here.
 * <ul>
 *   <li>REST input is refused with 400 ({@link #problem}, used by the API's request readers);</li>
 *   <li>OTLP input, which comes from SDKs the server cannot correct, has them replaced with
 *   U+FFFD ({@link #clean}), counted and reported in the response.</li>
 * </ul>
 */
public final class Text {
    public static final char REPLACEMENT = '\uFFFD';

    private Text() {
    }

    /** Index of the first NUL or unpaired surrogate in {@code s}, or -1 when it has none. */
    public static int firstUnstorable(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                return i;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    /** True when {@code s} (null included) can be stored as it is. */
    public static boolean storable(String s) {
        return s == null || firstUnstorable(s) < 0;
    }

    /**
     * Null when {@code s} can be stored; otherwise what the first unstorable character is, e.g.
     * "a NUL character (U+0000)" or "an unpaired UTF-16 surrogate (U+D800)".
     */
    public static String problem(String s) {
        if (s == null) {
            return null;
        }
        int i = firstUnstorable(s);
        if (i < 0) {
            return null;
        }
        char c = s.charAt(i);
        return c == '\0' ? "a NUL character (U+0000)"
                : String.format("an unpaired UTF-16 surrogate (U+%04X)", (int) c);
    }

    /**
     * {@code s} with every NUL and every unpaired surrogate replaced by U+FFFD, the Unicode
     * replacement character, so a value that had one stays visibly different from one that had
     * none; {@code s} itself (the same instance) when it has none.
     */
    public static String clean(String s) {
        if (s == null) {
            return null;
        }
        int first = firstUnstorable(s);
        if (first < 0) {
            return s;
        }
        int n = s.length();
        StringBuilder b = new StringBuilder(n).append(s, 0, first);
        for (int i = first; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                b.append(REPLACEMENT);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append(REPLACEMENT);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The first {@code maxChars} characters of {@code s}, one fewer rather than half a surrogate
     * pair; {@code s} itself when it is not longer.
     */
    public static String prefix(String s, int maxChars) {
        if (s.length() <= maxChars) {
            return s;
        }
        int keep = maxChars;
        if (keep > 0 && Character.isHighSurrogate(s.charAt(keep - 1))) {
            keep--;
        }
        return s.substring(0, keep);
    }
}
