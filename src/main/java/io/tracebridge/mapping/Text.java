package io.tracebridge.mapping;

/** Text as PostgreSQL can store it. */
public final class Text {
    private Text() {
    }

    /**
     * PostgreSQL text cannot hold NUL; it becomes U+FFFD, the Unicode replacement character, so a
     * value that had one stays visibly different from one that had none.
     */
    public static String clean(String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
    }
}
