package io.tracebridge.search;

import io.tracebridge.model.MlflowException;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a filter string into tokens. Words are {@code [A-Za-z_][A-Za-z0-9_]*}; dots are their
 * own tokens so that {@code tags.`mlflow.traceName`} and {@code span.attributes.k} both parse.
 */
final class FilterLexer {

    enum Type { WORD, DOT, BACKTICK, STRING, NUMBER, OP, LPAREN, RPAREN, COMMA, SEMICOLON, END }

    /** {@code position} and {@code end} delimit the token in the filter string. */
    record Token(Type type, String text, char quote, int position, int end) {
    }

    private FilterLexer() {
    }

    static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(new Token(Type.WORD, s.substring(i, j), '\0', i, j));
                i = j;
            } else if (Character.isDigit(c) || (c == '-' && i + 1 < n
                    && (Character.isDigit(s.charAt(i + 1)) || s.charAt(i + 1) == '.'))) {
                int j = i + 1;
                while (j < n && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
                    int k = j + 1;
                    if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
                        k++;
                    }
                    if (k < n && Character.isDigit(s.charAt(k))) {
                        j = k;
                        while (j < n && Character.isDigit(s.charAt(j))) {
                            j++;
                        }
                    }
                }
                out.add(new Token(Type.NUMBER, s.substring(i, j), '\0', i, j));
                i = j;
            } else if (c == '\'' || c == '"' || c == '`') {
                StringBuilder b = new StringBuilder();
                int j = i + 1;
                boolean closed = false;
                while (j < n) {
                    char d = s.charAt(j);
                    if (d == c) {
                        if (j + 1 < n && s.charAt(j + 1) == c && c != '`') {
                            b.append(c); // doubled quote inside a string stands for one quote
                            j += 2;
                            continue;
                        }
                        closed = true;
                        j++;
                        break;
                    }
                    if (d == '\\' && j + 1 < n && c != '`') {
                        b.append(s.charAt(j + 1));
                        j += 2;
                        continue;
                    }
                    b.append(d);
                    j++;
                }
                if (!closed) {
                    // MLflow (SearchTraceUtils._process_statement) reports this as an invalid clause.
                    throw MlflowException.invalid("Invalid clause(s) in filter string: unterminated quote starting at "
                            + "position " + i + ": " + excerpt(s, i));
                }
                out.add(new Token(c == '`' ? Type.BACKTICK : Type.STRING, b.toString(), c, i, j));
                i = j;
            } else if (c == '.') {
                out.add(new Token(Type.DOT, ".", '\0', i, i + 1));
                i++;
            } else if (c == '(') {
                out.add(new Token(Type.LPAREN, "(", '\0', i, ++i));
            } else if (c == ')') {
                out.add(new Token(Type.RPAREN, ")", '\0', i, ++i));
            } else if (c == ',') {
                out.add(new Token(Type.COMMA, ",", '\0', i, ++i));
            } else if (c == ';') {
                out.add(new Token(Type.SEMICOLON, ";", '\0', i, ++i));
            } else if (isOperatorChar(c)) {
                // Like MLflow's SQL tokenizer (sqlparse): a run of these characters is one
                // comparison operator; which ones a key accepts is the compiler's check.
                int j = i + 1;
                while (j < n && isOperatorChar(s.charAt(j))) {
                    j++;
                }
                out.add(new Token(Type.OP, s.substring(i, j), '\0', i, j));
                i = j;
            } else {
                throw MlflowException.invalid("Invalid filter string: unexpected character '" + c
                        + "' at position " + i + ": " + excerpt(s, i));
            }
        }
        out.add(new Token(Type.END, "", '\0', n, n));
        return out;
    }

    private static boolean isOperatorChar(char c) {
        return c == '=' || c == '!' || c == '<' || c == '>';
    }

    static String excerpt(String s, int at) {
        int end = Math.min(s.length(), at + 40);
        return "'" + s.substring(at, end) + (end < s.length() ? "..." : "") + "'";
    }
}
